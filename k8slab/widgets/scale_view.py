"""``ScaleWidget``: a slider and a number box bound to a :class:`ScaleModel`, with pod chips."""

from __future__ import annotations

import html

import ipywidgets as W

from .display import label, show_and_wait
from .live import close_parts, seconds
from .scale_model import ScaleModel
from .target import POD_COLOURS


def chips_html(pods: list[dict]) -> str:
    """One coloured chip per pod; the title shows its name and state."""
    if not pods:
        return '<span class="k8slab-nopods" style="color:#777">no pods</span>'
    out = []
    for p in pods:
        colour = POD_COLOURS.get(p["state"], "#c62828")
        out.append(f'<span class="k8slab-chip" data-state="{html.escape(p["state"])}" '
                   f'title="{html.escape(p["name"])}: {html.escape(p["state"])}" '
                   f'style="display:inline-block;margin:2px;padding:1px 7px;border-radius:10px;'
                   f'font-size:11px;color:white;background:{colour}">{html.escape(p["state"])}</span>')
    return "".join(out)


class ScaleWidget(W.VBox):
    """Scale a Deployment, ReplicaSet or StatefulSet with a slider; watch its pods live.

    Args:
        target: ``TYPE/NAME``, e.g. ``deploy/web``.
        namespace: The namespace (default: the session's).
        settle_timeout: When shown, how long the cell waits for the pods to settle so its
            text result is final (``deployment/web scaled: 3 desired, 3 ready``); 0: no wait.
        **model_kwargs: For :class:`ScaleModel` (``debounce``, ``max_replicas``).

    Example:
        >>> w = ScaleWidget("deploy/web")  # doctest: +SKIP
        >>> w.model.replicas = 4           # doctest: +SKIP
    """

    def __init__(self, target: str, namespace: str | None = None, *, settle_timeout: float = 15.0,
                 model: ScaleModel | None = None, **model_kwargs):
        self.settle_timeout = seconds(settle_timeout, "settle_timeout")
        self.model = model or ScaleModel(target, namespace, **model_kwargs)
        m = self.model
        self.title = W.HTML()
        self.slider = W.IntSlider(value=max(0, m.replicas), min=0, max=self._slider_max(m.replicas),
                                  description="replicas", continuous_update=True)
        self.number = W.IntText(value=m.replicas, layout=W.Layout(width="80px"))
        self.counts = W.HTML()
        self.chips = W.HTML()
        self.message = W.HTML()
        self.slider.add_class("k8slab-scale-slider")
        self.number.add_class("k8slab-scale-number")
        self.counts.add_class("k8slab-scale-counts")
        self.chips.add_class("k8slab-scale-chips")
        self.message.add_class("k8slab-scale-message")
        self._syncing = False
        super().__init__([self.title, W.HBox([self.slider, self.number]), self.counts, self.chips, self.message])
        self.add_class("k8slab-scale")
        self.slider.observe(self._on_control, "value")
        self.number.observe(self._on_control, "value")
        m.observe(self._on_replicas, "replicas")
        m.observe(self._render, ["desired", "current", "ready", "available", "pods", "error", "connection",
                                 "exists", "pending"])
        self._on_replicas({"new": m.replicas})
        self._render()

    def _slider_max(self, n: int) -> int:
        return min(self.model.max_replicas, max(10, 2 * n))

    def _on_control(self, change) -> None:
        if self._syncing:
            return
        self.model.replicas = change["new"]

    def _on_replicas(self, change) -> None:
        # the model may have refused and reset the value inside this same notification
        n = self.model.replicas
        self._syncing = True
        try:
            self.slider.max = max(self.slider.max, self._slider_max(n))
            self.slider.value = max(0, min(n, self.slider.max))
            self.number.value = n
        finally:
            self._syncing = False

    def _render(self, change=None) -> None:
        m = self.model
        live = {"live": "#2e7d32", "reconnecting…": "#f9a825"}.get(m.connection, "#777")
        self.title.value = (f'<b>{html.escape(m.target)}</b>'
                            + (f' <span style="color:#777">({html.escape(m.namespace)})</span>' if m.namespace else "")
                            + f' <span class="k8slab-connection" style="color:{live}">● {html.escape(m.connection)}</span>')
        self.counts.value = (f'<span data-desired="{m.desired}" data-ready="{m.ready}">desired <b>{m.desired}</b> · '
                             f'current <b>{m.current}</b> · ready <b>{m.ready}</b> · available <b>{m.available}</b>'
                             + (" · scaling…" if m.pending else "") + "</span>")
        self.chips.value = chips_html(m.pods)
        self.message.value = (f'<pre style="color:#c62828;white-space:pre-wrap;margin:0">{html.escape(m.error)}</pre>'
                              if m.error else "")
        self.slider.disabled = self.number.disabled = not m.exists

    # -- display -------------------------------------------------------------------------

    def _bundle(self) -> tuple[dict, dict]:
        data = super()._repr_mimebundle_() or {}
        if isinstance(data, tuple):
            data, md = data
        else:
            md = {}
        data = dict(data)
        data["text/plain"] = label(self, self.model.target)
        return data, md

    def _summary(self) -> str:
        return self.model.summary()

    def _repr_mimebundle_(self, **kwargs):
        return self._bundle()

    def _ipython_display_(self) -> None:
        show_and_wait(self, lambda t: self.model.wait(t), self.settle_timeout)

    def __repr__(self) -> str:
        return f"<ScaleWidget {self.model.summary()}>"

    def close(self) -> None:
        """Stop the watches and close the view's widgets (also after a constructor that failed)."""
        close_parts(self, "title", "slider", "number", "counts", "chips", "message")
        super().close()
