"""``WatchTable``: ``kubectl get -w`` as a table that updates in place, for a bounded time."""

from __future__ import annotations

import html
import threading

import ipywidgets as W

from k8slab.api.args.duration import parse_duration
from k8slab.api.output.table import render_html

from .display import label, show_and_wait
from .live import close_parts
from .table_model import TableModel

DEFAULT_TIMEOUT = 30.0


class WatchTable(W.VBox):
    """A live table of a collection; stops watching after ``timeout`` seconds when shown.

    Args:
        type: A resource type; ``*names``, ``namespace``, ``all_namespaces``,
            ``label_selector``, ``field_selector`` as for :func:`k8slab.get`.
        timeout: When shown, how long the cell watches (default 30 s); the table then
            stops updating and its text result is the last state. 0: show and keep watching
            in the background until ``close()``.
    """

    def __init__(self, type: str, *names: str, timeout: float | None = None, model: TableModel | None = None,
                 **kwargs):
        self.timeout = DEFAULT_TIMEOUT if timeout is None else parse_duration(timeout, what="timeout")
        self.model = model or TableModel(type, *names, **kwargs)
        self.header = W.HTML()
        self.table = W.HTML()
        self.table.add_class("k8slab-watch-table")
        super().__init__([self.header, self.table])
        self.add_class("k8slab-watch")
        self.model.observe(self._render, ["rows", "columns", "connection", "error"])
        self._render()
        self._timer = None
        if self.timeout > 0:  # bounded even when never shown (``t = %k8s get pods -w``)
            self._timer = threading.Timer(self.timeout, self.model.close)
            self._timer.daemon = True
            self._timer.start()

    def _render(self, change=None) -> None:
        m = self.model
        conn = {"live": "#2e7d32", "reconnecting…": "#f9a825"}.get(m.connection, "#777")
        self.header.value = (f"<b>{html.escape(m.resource)}</b> <span class='k8slab-connection' "
                             f"style='color:{conn}'>● {html.escape(m.connection)}</span> "
                             f"<span style='color:#777'>{m.changes} updates</span>"
                             + (f"<pre style='color:#c62828;margin:0'>{html.escape(m.error)}</pre>" if m.error else ""))
        self.table.value = render_html(m.columns, m.rows) if m.rows else "<i>No resources found.</i>"

    def _wait_then_stop(self, timeout: float) -> None:
        try:
            self.model.wait_until(lambda: self.model.closed or self.model.connection in ("lost", "stopped"), timeout)
        finally:
            self.model.close()

    def _bundle(self) -> tuple[dict, dict]:
        data = dict(super()._repr_mimebundle_() or {})
        data["text/plain"] = label(self, self.model.resource)
        return data, {}

    def _summary(self) -> str:
        return self.model.text()

    def _repr_mimebundle_(self, **kwargs):
        return self._bundle()

    def _ipython_display_(self) -> None:
        self.model.wait_synced(10)
        show_and_wait(self, self._wait_then_stop, self.timeout)

    def close(self) -> None:
        """Stop the watch and close the view."""
        if getattr(self, "_timer", None) is not None:
            self._timer.cancel()
        close_parts(self, "header", "table")
        super().close()
