"""``k8slab.events``: events of a namespace or of one object, oldest first, like ``kubectl events``."""

from __future__ import annotations

from k8slab.api.args.checks import checked
from k8slab.api.output.table import K8sTable, age, make_table, parse_time
from k8slab.client import session as _session
from k8slab.errors import UsageError


def _last_time(ev: dict) -> str | None:
    series = ev.get("series") or {}
    return (series.get("lastObservedTime") or ev.get("lastTimestamp") or ev.get("eventTime")
            or ev.get("firstTimestamp") or (ev.get("metadata") or {}).get("creationTimestamp"))


def _first_time(ev: dict) -> str | None:
    return (ev.get("firstTimestamp") or ev.get("eventTime")
            or (ev.get("metadata") or {}).get("creationTimestamp"))


def last_seen(ev: dict) -> str:
    """``5m``, or ``5m (x3 over 10m)`` for a repeated event, as kubectl prints it."""
    count = (ev.get("series") or {}).get("count") or ev.get("count") or 1
    last = age(_last_time(ev))
    if count > 1:
        return f"{last} (x{count} over {age(_first_time(ev))})"
    return last


def fetch_events(namespace: str | None, kind: str | None = None, name: str | None = None,
                 uid: str | None = None) -> list[dict]:
    """Core v1 events, optionally of one involved object, sorted oldest first."""
    s = _session.current()
    fields = []
    if kind:
        fields.append(f"involvedObject.kind={kind}")
    if name:
        fields.append(f"involvedObject.name={name}")
    if uid:
        fields.append(f"involvedObject.uid={uid}")
    path = f"/api/v1/namespaces/{namespace}/events" if namespace else "/api/v1/events"
    items, q = [], {"fieldSelector": ",".join(fields) or None, "limit": 500}
    while True:
        page = s.request("GET", path, query=q)
        items += page.get("items") or []
        cont = (page.get("metadata") or {}).get("continue")
        if not cont:
            break
        q["continue"] = cont
    epoch = parse_time("1970-01-01T00:00:00Z")
    items.sort(key=lambda e: parse_time(_last_time(e)) or epoch)
    return items


@checked
def events(target: str | None = None, *, namespace: str | None = None, all_namespaces: bool = False,
           types: str | None = None) -> K8sTable:
    """Events sorted by time (newest last), like ``kubectl events``.

    Args:
        target: ``TYPE/NAME`` to show only that object's events (e.g. ``deploy/web``).
        namespace: defaults to the session's namespace.
        all_namespaces: every namespace (adds a ``NAMESPACE`` column).
        types: comma-separated event types to keep, e.g. ``Warning``.

    Returns:
        A :class:`K8sTable` with ``LAST SEEN, TYPE, REASON, OBJECT, MESSAGE``.

    Raises:
        NotFoundError: The type of ``target`` does not exist.

    Example:
        >>> k8slab.events("deploy/web", types="Warning")  # doctest: +SKIP
    """
    keep = {x.strip().lower() for x in types.split(",") if x.strip()} if types else None
    if keep and not keep <= {"normal", "warning"}:
        raise UsageError("valid --types are Normal or Warning")  # kubectl's words
    s = _session.current()
    kind = name = None
    if target:
        t, sep, name = target.partition("/")
        if not sep or not name:
            raise UsageError(f"{target!r} is not TYPE/NAME (e.g. pod/web-1, deploy/web)")
        kind = s.resolve(t).kind
    ns = None if all_namespaces else (namespace or s.namespace)
    items = fetch_events(ns, kind, name)
    rows, kept = [], []
    for ev in items:
        if keep and (ev.get("type") or "").lower() not in keep:
            continue
        kept.append(ev)
        io = ev.get("involvedObject") or {}
        row = [last_seen(ev), ev.get("type") or "", ev.get("reason") or "",
               f"{io.get('kind') or ''}/{io.get('name') or ''}",
               (ev.get("message") or "").strip()]
        if all_namespaces:
            row.insert(0, (ev.get("metadata") or {}).get("namespace", ""))
        rows.append(row)
    cols = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    if all_namespaces:
        cols.insert(0, "NAMESPACE")
    empty = "No events found." if all_namespaces else f"No events found in {ns} namespace."
    return make_table(cols, rows, empty_message=empty, objects=kept)
