"""The state behind :class:`~k8slab.widgets.WatchTable`: kubectl's table of a collection, live.

One watch in Table form (the server's columns, as ``kubectl get -w`` shows
them); rows are replaced in place as objects change and removed when deleted.
"""

from __future__ import annotations

from traitlets import Int, List, Unicode

from k8slab import errors as E
from k8slab.api.output.table import age, render_text

from .live import LiveModel


class TableModel(LiveModel):
    """A live ``kubectl get`` table.

    Args:
        type: A resource type (``pods``, ``deploy``…).
        names: Only these objects (by name).
        namespace: The namespace (default: the session's); ignored with ``all_namespaces``.
        all_namespaces: Every namespace (adds a NAMESPACE column).
        label_selector / field_selector: As ``-l`` / ``--field-selector``.

    Attributes:
        columns: Column names (kubectl's, priority 0).
        rows: ``[[cell, …], …]`` sorted by namespace and name; AGE computed at each update.
        changes: How many watch events have been applied.
    """

    resource = Unicode("")
    columns = List()
    rows = List()
    changes = Int(0)

    def __init__(self, type: str, *names: str, namespace: str | None = None, all_namespaces: bool = False,
                 label_selector: str | None = None, field_selector: str | None = None, session=None,
                 give_up_after: float = 120.0):
        super().__init__(session=session, give_up_after=give_up_after)
        self.resource = type
        self._names = set(names)
        self._all_namespaces = all_namespaces
        self._rows: dict[str, dict] = {}
        self._defs: list[dict] = []
        try:
            info = self.session.resolve(type)
        except E.K8sLabError as e:
            self.error = str(e)
            self.connection = "stopped"
            return
        self.resource = info.full_name
        ns = None if (all_namespaces or not info.namespaced) else (namespace or self.session.namespace)
        field = field_selector
        if len(self._names) == 1:  # one object: let the server filter
            only = f"metadata.name={next(iter(self._names))}"
            field = f"{field},{only}" if field else only
        self._watch("table", self.session.path(info, ns), table=True, label_selector=label_selector,
                    field_selector=field)

    def _update(self, key: str, type_: str, row: dict) -> None:
        meta = ((row.get("object") or {}).get("metadata")) or {}
        if self._names and meta.get("name") not in self._names:
            return
        k = f"{meta.get('namespace', '')}/{meta.get('name')}"
        if type_ == "DELETED":
            self._rows.pop(k, None)
        else:
            self._rows[k] = row
        w = self._watches.get("table")
        if w is not None and w.columns:
            self._defs = [c for c in w.columns if c.get("priority", 0) == 0]
        self.changes += 1
        self._recompute()

    def _recompute(self) -> None:
        defs = self._defs
        names = [c["name"].upper() for c in defs]
        ns_col = self._all_namespaces
        out = []
        for k in sorted(self._rows):
            row = self._rows[k]
            meta = ((row.get("object") or {}).get("metadata")) or {}
            cells = []
            for i, c in enumerate(defs):
                v = row["cells"][i] if i < len(row.get("cells") or []) else ""
                if c["name"] == "Age":
                    v = age(meta.get("creationTimestamp"))
                cells.append(v)
            out.append(([meta.get("namespace", "")] if ns_col else []) + cells)
        self.columns = (["NAMESPACE"] if ns_col else []) + names
        self.rows = out

    def text(self) -> str:
        """The table as ``kubectl get`` prints it."""
        if self.error and not self.rows:
            return self.error
        if not self.rows:
            return "No resources found."
        return render_text(self.columns, self.rows)
