"""``k8slab.api_resources``: the resource types the server serves, as ``kubectl api-resources``."""

from __future__ import annotations

from k8slab.api.args.checks import checked
from k8slab.api.output.formats import TextResult
from k8slab.api.output.table import K8sTable, make_table
from k8slab.client import session as _session


@checked
def api_resources(*, namespaced: bool | None = None, api_group: str | None = None, verbs: list[str] | None = None,
                  output: str | None = None, refresh: bool = True) -> K8sTable | TextResult:
    """Served resource types (preferred versions), sorted by group then name.

    Args:
        namespaced: only namespaced (``True``) or cluster-scoped (``False``) types.
        api_group: only this group (``""`` for the core group).
        verbs: only types supporting all these verbs, e.g. ``["list", "watch"]``.
        output: ``None``, ``"wide"`` (adds VERBS and CATEGORIES) or ``"name"`` (text, one per line).
        refresh: re-read discovery first (default), so new CRDs show; ``False`` uses the session's cache.

    Returns:
        A :class:`K8sTable` with kubectl's columns ``NAME, SHORTNAMES, APIVERSION, NAMESPACED, KIND``.

    Example:
        >>> k8slab.api_resources(api_group="apps")  # doctest: +SKIP
    """
    s = _session.current()
    res = [r for r in s.index(refresh=refresh).resources if r.preferred]
    if namespaced is not None:
        res = [r for r in res if r.namespaced == namespaced]
    if api_group is not None:
        res = [r for r in res if r.group == api_group]
    if verbs:
        res = [r for r in res if set(verbs) <= set(r.verbs)]
    res.sort(key=lambda r: (r.group, r.plural))
    if output == "name":
        names = [r.full_name for r in res]
        return TextResult("\n".join(names) if names else "No resources found", names)
    cols = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    rows = [[r.plural, ",".join(r.short_names), r.api_version, "true" if r.namespaced else "false", r.kind]
            for r in res]
    if output == "wide":
        cols += ["VERBS", "CATEGORIES"]
        for row, r in zip(rows, res):
            row += [",".join(r.verbs), ",".join(r.categories)]
    return make_table(cols, rows, empty_message="No resources found", objects=res)
