"""Reading objects for ``get``: by name or paged lists (limit/continue), as Tables or full objects."""

from __future__ import annotations

from k8slab.errors import NotFoundError

TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
CHUNK_SIZE = 500


def read(info, namespace: str | None, name: str, *, timeout: float | tuple | None = None, sess=None) -> dict:
    """One object as the server stores it (GET), for callers that resolved its type already
    (``sess``: a session other than the current one)."""
    from k8slab.api.args.targets import session

    s = sess or session()
    return s.request("GET", s.path(info, namespace, name), timeout=timeout)


def get_each(s, info, namespace, names, query, accept, ignore_not_found):
    """GET each named object (missing ones skipped with ``ignore_not_found``)."""
    out = []
    for n in names:
        try:
            out.append(s.request("GET", s.path(info, namespace, n), query=query, accept=accept))
        except NotFoundError:
            if not ignore_not_found:
                raise
    return out


def fetch_table(s, info, namespace, names, query, *, full_objects: bool, metadata: bool = True,
                ignore_not_found: bool = False):
    """Table pages: one per named object, or the list in pages of :data:`CHUNK_SIZE`.

    Each row carries its whole object (``full_objects``), its metadata, or nothing
    (``metadata=False``: the cells alone; managedFields made most of a pod list's bytes).
    """
    q = dict(query)
    q["includeObject"] = "Object" if full_objects else "Metadata" if metadata else "None"
    pages = []
    if names:
        pages = get_each(s, info, namespace, names, {"includeObject": q["includeObject"]}, TABLE_ACCEPT,
                         ignore_not_found)
    else:
        q["limit"] = CHUNK_SIZE
        path = s.path(info, namespace)
        while True:
            page = s.request("GET", path, query=q, accept=TABLE_ACCEPT)
            pages.append(page)
            cont = (page.get("metadata") or {}).get("continue")
            if not cont:
                break
            q["continue"] = cont
    return pages


def fetch_objects(s, info, namespace, names, query, ignore_not_found: bool = False) -> list[dict]:
    """Full objects, named or listed page by page, each with ``apiVersion`` and ``kind`` first."""
    items: list[dict] = []
    if names:
        return get_each(s, info, namespace, names, None, "application/json", ignore_not_found)
    q = dict(query)
    q["limit"] = CHUNK_SIZE
    path = s.path(info, namespace)
    while True:
        page = s.request("GET", path, query=q)
        for it in page.get("items") or []:
            it.setdefault("apiVersion", info.api_version)
            it.setdefault("kind", info.kind)
            # put apiVersion/kind first, as kubectl prints them
            items.append({"apiVersion": it.pop("apiVersion"), "kind": it.pop("kind"), **it})
        cont = (page.get("metadata") or {}).get("continue")
        if not cont:
            return items
        q["continue"] = cont
