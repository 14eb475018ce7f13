"""``RolloutWatcher``: a rollout's revisions, progress bar, conditions and events, live."""

from __future__ import annotations

import html

import ipywidgets as W

from k8slab.api.args.duration import parse_duration

from .display import label, show_and_wait
from .live import close_parts
from .rollout_model import RolloutModel

STATE_COLOURS = {"waiting": "#777", "progressing": "#1565c0", "complete": "#2e7d32", "failed": "#c62828"}
DEFAULT_TIMEOUT = 300.0


def rows_html(rows: list[dict], kind: str) -> str:
    """The revision table: one row per ReplicaSet / ControllerRevision."""
    owner = "REPLICASET" if kind == "Deployment" else "CONTROLLERREVISION"
    head = "".join(f"<th style='text-align:left;padding:0 8px'>{h}</th>" for h in
                   ("REVISION", owner, "IMAGES", "DESIRED", "CURRENT", "READY", "AVAILABLE"))
    body = []
    for r in rows:
        style = "font-weight:bold" if r["new"] else "color:#555"
        cells = (r["revision"], r["name"], ", ".join(r["images"]), r["desired"], r["current"], r["ready"],
                 r["available"])
        body.append(f"<tr class='k8slab-rs' data-revision='{r['revision']}' style='{style}'>"
                    + "".join(f"<td style='text-align:left;padding:0 8px'>{html.escape(str(c))}</td>" for c in cells)
                    + "</tr>")
    return f"<table class='k8slab-rollout-rows'><tr>{head}</tr>{''.join(body)}</table>"


class RolloutWatcher(W.VBox):
    """Live progress of a Deployment, StatefulSet or DaemonSet rollout.

    Args:
        target: ``TYPE/NAME``, e.g. ``deploy/web``.
        namespace: The namespace (default: the session's).
        timeout: When shown, how long the cell waits for the rollout to complete or fail,
            so its text result is final (default 300 s; 0: show without waiting).

    Example:
        >>> w = RolloutWatcher("deploy/web")  # doctest: +SKIP
        >>> w.model.wait(120)                 # doctest: +SKIP
        'complete'
    """

    def __init__(self, target: str, namespace: str | None = None, timeout: float | None = None, *,
                 model: RolloutModel | None = None, **model_kwargs):
        self.timeout = DEFAULT_TIMEOUT if timeout is None else parse_duration(timeout, what="timeout")
        self.model = model or RolloutModel(target, namespace, **model_kwargs)
        self.title = W.HTML()
        self.state = W.HTML()
        self.bar = W.FloatProgress(value=0.0, min=0.0, max=1.0, description="old → new",
                                   style={"description_width": "initial"})
        self.table = W.HTML()
        self.conditions = W.HTML()
        self.events = W.HTML()
        for w, cls in ((self.state, "k8slab-rollout-state"), (self.bar, "k8slab-rollout-bar"),
                       (self.table, "k8slab-rollout-table"), (self.events, "k8slab-rollout-events")):
            w.add_class(cls)
        super().__init__([self.title, self.state, self.bar, self.table, self.conditions, self.events])
        self.add_class("k8slab-rollout")
        self.model.observe(self._render, ["state", "reason", "revision", "rows", "conditions", "events",
                                          "progress", "connection", "error"])
        self._render()

    def _render(self, change=None) -> None:
        m = self.model
        conn = {"live": "#2e7d32", "reconnecting…": "#f9a825"}.get(m.connection, "#777")
        self.title.value = (f"<b>{html.escape(m.target)}</b>"
                            + (f' <span style="color:#777">({html.escape(m.namespace)})</span>' if m.namespace else "")
                            + f' <span class="k8slab-connection" style="color:{conn}">● {html.escape(m.connection)}</span>')
        colour = STATE_COLOURS.get(m.state, "#777")
        self.state.value = (f'<div data-state="{m.state}" data-revision="{m.revision}">'
                            f'<b style="color:{colour}">{html.escape(m.state)}</b> · revision {m.revision} · '
                            f'{m.updated}/{m.desired} updated, {m.ready} ready, {m.available} available'
                            + (f'<pre style="color:{colour};white-space:pre-wrap;margin:0">{html.escape(m.reason)}</pre>'
                               if m.reason and m.state != "complete" else "")
                            + (f'<pre style="color:#c62828;margin:0">{html.escape(m.error)}</pre>' if m.error else "")
                            + "</div>")
        self.bar.value = m.progress
        self.bar.bar_style = {"complete": "success", "failed": "danger"}.get(m.state, "info")
        self.table.value = rows_html(m.rows, m.kind)
        self.conditions.value = " ".join(
            f'<span title="{html.escape(c["message"])}" style="margin-right:12px">'
            f'{html.escape(c["type"])}=<b>{html.escape(c["status"])}</b> ({html.escape(c["reason"])})</span>'
            for c in m.conditions)
        self.events.value = ("<div style='font-size:11px;line-height:1.4;color:#555'>" + "<br>".join(html.escape(e) for e in m.events)
                             + "</div>") if m.events else ""

    def wait(self, timeout: float | None = None) -> str:
        """Wait for the rollout to complete or fail; return the state (see :meth:`RolloutModel.wait`)."""
        return self.model.wait(self.timeout if timeout is None else parse_duration(timeout, what="timeout"))

    def _bundle(self) -> tuple[dict, dict]:
        data = dict(super()._repr_mimebundle_() or {})
        data["text/plain"] = label(self, self.model.target)
        return data, {}

    def _summary(self) -> str:
        return self.model.summary()

    def _repr_mimebundle_(self, **kwargs):
        return self._bundle()

    def _ipython_display_(self) -> None:
        show_and_wait(self, lambda t: self.model.wait(t), self.timeout)

    def __repr__(self) -> str:
        return f"<RolloutWatcher {self.model.summary()}>"

    def close(self) -> None:
        """Stop the watches and close the view's widgets (also after a constructor that failed)."""
        close_parts(self, "title", "state", "bar", "table", "conditions", "events")
        super().close()
