"""Tables as kubectl prints them: AGE formatting, text/HTML rendering, a DataFrame type.

:class:`K8sTable` is a ``pandas.DataFrame`` whose text and HTML forms look
like kubectl's output (upper-case headers, no index, left-aligned, at most
:data:`MAX_ROWS` rows then "… N more rows"), so notebook outputs stay stable.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone

import pandas as pd

MAX_ROWS = 60  # rows shown by repr; the DataFrame always holds every row
DEFAULT = -1  # max_rows value meaning "the current MAX_ROWS"


def human_duration(seconds: float) -> str:
    """Format an age like kubectl (apimachinery ``duration.HumanDuration``): ``5s``, ``3m2s``, ``2d4h``."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        sec = s % 60
        return f"{minutes}m" if sec == 0 else f"{minutes}m{sec}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def parse_time(ts: str | None) -> datetime | None:
    """Parse an RFC 3339 timestamp as the API writes it (``2026-11-26T01:02:03Z``)."""
    if not ts:
        return None
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None


def age(ts: str | None, now: datetime | None = None) -> str:
    """kubectl's AGE of a timestamp; ``<unknown>`` when there is none."""
    t = parse_time(ts)
    if t is None:
        return "<unknown>"
    now = now or datetime.now(timezone.utc)
    return human_duration((now - t).total_seconds())


def cell_text(value) -> str:
    """A cell as kubectl prints it (``None`` is empty, bools lower-case)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _isnan(v) -> bool:
    """NaN, None, NaT or pd.NA: a missing cell (lists and dicts are values)."""
    if v is None or isinstance(v, (str, int)):
        return v is None
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _limit(max_rows: int | None) -> int | None:
    return MAX_ROWS if max_rows == DEFAULT else max_rows


def render_text(columns: list[str], rows: list[list], *, max_rows: int | None = DEFAULT,
                total: int | None = None) -> str:
    """Columns padded with three spaces like kubectl's tabwriter; truncated with a note."""
    max_rows = _limit(max_rows)
    total = len(rows) if total is None else total
    shown = rows if max_rows is None or len(rows) <= max_rows else rows[:max_rows]
    cells = [[cell_text(v) for v in r] for r in shown]
    widths = [len(c) for c in columns]
    for r in cells:
        for i, v in enumerate(r):
            widths[i] = max(widths[i], len(v))
    lines = []
    for r in [list(columns)] + cells:
        parts = [v.ljust(widths[i]) if i < len(r) - 1 else v for i, v in enumerate(r)]
        lines.append("   ".join(parts).rstrip())
    if total > len(shown):
        lines.append(f"… {total - len(shown)} more rows")
    return "\n".join(lines)


def render_html(columns: list[str], rows: list[list], *, max_rows: int | None = DEFAULT,
                total: int | None = None) -> str:
    """A plain, left-aligned HTML table without index, truncated with a note."""
    max_rows = _limit(max_rows)
    total = len(rows) if total is None else total
    shown = rows if max_rows is None or len(rows) <= max_rows else rows[:max_rows]
    style = "text-align:left;font-family:monospace;white-space:pre"
    out = ['<table class="k8slab-table">', "<thead><tr>"]
    out += [f'<th style="{style}">{html.escape(c)}</th>' for c in columns]
    out.append("</tr></thead><tbody>")
    for r in shown:
        out.append("<tr>" + "".join(f'<td style="{style}">{html.escape(cell_text(v))}</td>' for v in r)
                   + "</tr>")
    out.append("</tbody></table>")
    if total > len(shown):
        out.append(f"<p>… {total - len(shown)} more rows</p>")
    return "".join(out)


ROW_INDEX = "row"  # the index name that marks the server's row numbers


class K8sTable(pd.DataFrame):
    """A ``DataFrame`` of kubectl-style rows that prints like kubectl.

    Each row keeps its server row number as its index label (index name ``row``), so the
    objects stay with their rows through filtering, sorting, ``head``, ``loc``/``iloc``.

    Attributes:
        empty_message: shown instead of a table when the server answered no rows (kubectl's
            "No resources found…"); a table filtered down to nothing shows its header.
        objects: the API objects (or their metadata) behind the rows now in the table, in
            their order (``get`` keeps metadata with -A or labels shown, whole objects with
            ``sort_by``); None when not kept, or when the index was replaced
            (``reset_index(drop=True)``, ``set_index``), which breaks the link.
    """

    _metadata = ["empty_message", "_k8s_store", "_k8s_server_rows"]

    @property
    def _constructor(self):
        return K8sTable

    @property
    def objects(self) -> list | None:
        store = getattr(self, "_k8s_store", None)
        if store is None or self.index.name != ROW_INDEX:
            return None
        try:
            return [store[label] for label in self.index]
        except (KeyError, TypeError):
            return None

    @objects.setter
    def objects(self, objs: list | None) -> None:
        if objs is None:
            object.__setattr__(self, "_k8s_store", None)
            return
        objs = list(objs)
        if len(objs) != len(self):
            raise ValueError(f"{len(objs)} objects for {len(self)} rows")
        self.index.name = ROW_INDEX
        object.__setattr__(self, "_k8s_store", dict(zip(self.index, objs)))

    def _server_was_empty(self) -> bool:
        return len(self) == 0 and bool(getattr(self, "empty_message", None)) and \
            not getattr(self, "_k8s_server_rows", 0)

    def _rows(self, limit: int | None = None) -> list[list]:
        """Plain Python rows (NaN as None), only the first ``limit`` of them.

        One ``to_numpy(object)`` of the shown slice: ``itertuples`` built a Series
        per column and cost about as much as the rest of the display, twice per
        display (text and HTML); ``astype(object)`` of the whole frame even more.
        """
        frame = self if limit is None or limit >= len(self) else self.iloc[:limit]
        return [[None if _isnan(v) else v for v in row]
                for row in frame.to_numpy(dtype=object).tolist()]

    def to_text(self, max_rows: int | None = DEFAULT) -> str:
        """The kubectl-style text (all rows with ``max_rows=None``)."""
        if self._server_was_empty():
            return self.empty_message
        limit = _limit(max_rows)
        return render_text([str(c) for c in self.columns], self._rows(limit), max_rows=max_rows,
                           total=len(self))

    def __repr__(self) -> str:
        return self.to_text()

    def __str__(self) -> str:
        return self.to_text()

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.to_text())

    def _repr_html_(self) -> str:
        if self._server_was_empty():
            return f"<pre>{html.escape(self.empty_message)}</pre>"
        return render_html([str(c) for c in self.columns], self._rows(_limit(DEFAULT)),
                           total=len(self))

    def _repr_latex_(self):  # keep nbconvert/LaTeX from showing a different form
        return None

    # IPython asks every displayed object for a dozen forms (and a canary that no object has);
    # on a DataFrame each missing one went through pandas' __getattr__, a column lookup: half
    # of the table's display time. Having none of them, said plainly, costs nothing.
    _repr_markdown_ = _repr_svg_ = _repr_png_ = _repr_jpeg_ = _repr_pdf_ = None
    _repr_json_ = _repr_javascript_ = _repr_mimebundle_ = _ipython_display_ = None
    _ipython_canary_method_should_not_exist_ = None


def make_table(columns: list[str], rows: list[list], *, empty_message: str | None = None,
               objects: list | None = None) -> K8sTable:
    """Build a :class:`K8sTable` from column names and row cells."""
    df = K8sTable(rows, columns=columns) if rows else K8sTable(columns=columns)
    df.index.name = ROW_INDEX
    df.empty_message = empty_message
    object.__setattr__(df, "_k8s_server_rows", len(rows))
    object.__setattr__(df, "_k8s_store", None)
    df.objects = objects
    return df


class MultiTable:
    """Tables of several types (``get pods,svc``, ``get all``), shown one after the other like kubectl.

    Index it by type name (``res["pods"]``) or iterate ``res.tables``.
    """

    def __init__(self, tables: list[tuple[str, K8sTable]], empty_message: str):
        self.tables = tables
        self.empty_message = empty_message

    def __getitem__(self, key: str) -> K8sTable:
        for name, t in self.tables:
            if key in (name, name.split(".")[0]):
                return t
        raise KeyError(key)

    def __len__(self) -> int:
        return len(self.tables)

    def __repr__(self) -> str:
        if not self.tables:
            return self.empty_message
        return "\n\n".join(t.to_text() for _, t in self.tables)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(repr(self))

    def _repr_html_(self) -> str:
        if not self.tables:
            return f"<pre>{html.escape(self.empty_message)}</pre>"
        return "<br/>".join(t._repr_html_() for _, t in self.tables)
