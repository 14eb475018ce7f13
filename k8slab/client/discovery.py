"""API discovery: which resources the server serves, and kubectl-style name resolution.

Reads the aggregated discovery documents (``/api`` and ``/apis`` with
``as=APIGroupDiscoveryList``, two requests), falling back to the legacy
per-group-version endpoints. The index lives as long as its session.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote

from ..errors import ApiError, NotFoundError

AGGREGATED_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                     "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
                     "application/json")


@dataclass(frozen=True)
class ResourceInfo:
    """One served top-level resource of one group/version."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = field(default=(), compare=False)
    preferred: bool = field(default=True, compare=False)

    @property
    def api_version(self) -> str:
        """``v1`` or ``apps/v1``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def full_name(self) -> str:
        """``pods`` or ``deployments.apps`` (kubectl's api-resources NAME with group)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def name_prefix(self) -> str:
        """``pod`` or ``deployment.apps``: the ``-o name`` prefix."""
        kind = self.kind.lower()
        return f"{kind}.{self.group}" if self.group else kind


def _from_aggregated(doc: dict) -> list[ResourceInfo]:
    out = []
    for item in doc.get("items") or []:
        group = (item.get("metadata") or {}).get("name") or ""
        for vi, ver in enumerate(item.get("versions") or []):
            version = ver.get("version")
            for r in ver.get("resources") or []:
                rk = r.get("responseKind") or {}
                out.append(ResourceInfo(
                    group=group, version=version, kind=rk.get("kind") or "",
                    plural=r.get("resource") or "",
                    singular=r.get("singularResource") or (rk.get("kind") or "").lower(),
                    namespaced=r.get("scope") == "Namespaced",
                    short_names=tuple(r.get("shortNames") or ()),
                    verbs=tuple(r.get("verbs") or ()),
                    subresources=tuple(s.get("subresource") for s in r.get("subresources") or ()),
                    categories=tuple(r.get("categories") or ()),
                    preferred=vi == 0))
    return out


def _from_resource_list(group: str, version: str, doc: dict, preferred: bool) -> list[ResourceInfo]:
    top, subs = [], {}
    for r in doc.get("resources") or []:
        name = r.get("name") or ""
        if "/" in name:
            parent, sub = name.split("/", 1)
            subs.setdefault(parent, []).append(sub)
        else:
            top.append(r)
    return [ResourceInfo(
        group=group, version=version, kind=r.get("kind") or "", plural=r["name"],
        singular=r.get("singularName") or (r.get("kind") or "").lower(),
        namespaced=bool(r.get("namespaced")), short_names=tuple(r.get("shortNames") or ()),
        verbs=tuple(r.get("verbs") or ()), subresources=tuple(subs.get(r["name"], ())),
        categories=tuple(r.get("categories") or ()), preferred=preferred) for r in top]


def fetch_resources(get: Callable[[str, str], dict]) -> list[ResourceInfo]:
    """Every served resource, in kubectl's priority order (core first, preferred version first).

    Args:
        get: ``get(path, accept) -> dict``, one GET request.
    """
    core = get("/api", AGGREGATED_ACCEPT)
    groups = get("/apis", AGGREGATED_ACCEPT)
    if core.get("kind") == "APIGroupDiscoveryList" and groups.get("kind") == "APIGroupDiscoveryList":
        return _from_aggregated(core) + _from_aggregated(groups)
    out = _from_resource_list("", "v1", get("/api/v1", "application/json"), True)
    for g in groups.get("groups") or []:
        pref = (g.get("preferredVersion") or {}).get("version")
        for v in g.get("versions") or []:
            try:
                doc = get(f"/apis/{v['groupVersion']}", "application/json")
            except ApiError:  # an unavailable aggregated API (e.g. metrics) must not hide the others
                continue
            out += _from_resource_list(g["name"], v["version"], doc, v["version"] == pref)
    return out


class ResourceIndex:
    """Resolves kubectl's type names against a list of served resources."""

    def __init__(self, resources: list[ResourceInfo]):
        # Preferred versions first, keeping group priority order within each tier.
        self.resources = [r for r in resources if r.preferred] + [r for r in resources if not r.preferred]

    def _match(self, name: str, group: str | None, version: str | None) -> ResourceInfo | None:
        for attr in ("plural", "singular", "short_names", "kind"):
            for r in self.resources:
                if group is not None and r.group != group:
                    continue
                if version is not None and r.version != version:
                    continue
                value = getattr(r, attr)
                if attr == "short_names":
                    if name in value:
                        return r
                elif value.lower() == name:
                    return r
        return None

    def lookup(self, type_str: str) -> ResourceInfo | None:
        """The resource kubectl would pick for ``type_str``, or ``None``."""
        t = type_str.strip().lower()
        hit = self._match(t, None, None)
        if hit or "." not in t:
            return hit
        name, rest = t.split(".", 1)
        if "." in rest:  # TYPE.version.group
            version, group = rest.split(".", 1)
            hit = self._match(name, group, version)
            if hit:
                return hit
        hit = self._match(name, rest, None)
        if hit is None and rest in ("core", ""):
            hit = self._match(name, "", None)
        return hit

    def category(self, name: str) -> list[ResourceInfo]:
        """The preferred resources in category ``name`` (e.g. ``all``), one per group/resource."""
        seen, out = set(), []
        for r in self.resources:
            if r.preferred and name.lower() in r.categories and (r.group, r.plural) not in seen:
                seen.add((r.group, r.plural))
                out.append(r)
        return out

    def names(self) -> list[str]:
        """All names a user may type (plural, singular, short names, full names)."""
        out: list[str] = []
        for r in self.resources:
            out += [r.plural, r.singular, *r.short_names, r.full_name]
        return sorted(set(n for n in out if n))

    def suggest(self, type_str: str) -> list[str]:
        """The closest known names to a mistyped ``type_str``."""
        return difflib.get_close_matches(type_str.lower(), self.names(), n=3, cutoff=0.6)

    def by_kind(self, api_version: str, kind: str) -> ResourceInfo | None:
        """The resource serving ``kind`` at ``api_version`` exactly, or ``None``."""
        group, _, version = api_version.rpartition("/")
        for r in self.resources:
            if r.kind == kind and r.group == group and r.version == version:
                return r
        return None

    def kinds(self) -> dict[str, list[ResourceInfo]]:
        """Kind → the resources serving it (preferred first)."""
        out: dict[str, list[ResourceInfo]] = {}
        for r in self.resources:
            out.setdefault(r.kind, []).append(r)
        return out


def unknown_type_error(type_str: str, index: ResourceIndex) -> NotFoundError:
    """kubectl's "doesn't have a resource type" error, with the closest names."""
    msg = f'the server doesn\'t have a resource type "{type_str}"'
    close = index.suggest(type_str)
    if close:
        msg += "; did you mean " + " or ".join(f'"{c}"' for c in close) + "?"
    msg += "\nList the served types with: %k8s api-resources"
    return NotFoundError(msg, status=404, reason="NotFound")


def unknown_kind_error(api_version: str, kind: str, index: ResourceIndex) -> NotFoundError:
    """Error for a manifest ``kind`` not served at ``api_version``, naming what is served."""
    kinds = index.kinds()
    served = kinds.get(kind)
    if served:
        versions = ", ".join(dict.fromkeys(r.api_version for r in served))
        return NotFoundError(
            f'no matches for kind "{kind}" in version "{api_version}": this cluster serves {kind} '
            f"as {versions}. Change apiVersion to {served[0].api_version}.", status=404,
            reason="NotFound")
    close = difflib.get_close_matches(kind, list(kinds), n=3, cutoff=0.6)
    msg = f'no matches for kind "{kind}" in version "{api_version}": the cluster does not serve this kind'
    if close:
        best = kinds[close[0]][0]
        msg += f"; did you mean {close[0]!r} ({best.api_version})?"
    return NotFoundError(msg, status=404, reason="NotFound")


def check_segment(what: str, value: object) -> None:
    """kubectl's path-segment rule: a name cannot be ``.``/``..`` or hold ``/`` or ``%`` (``get pod ..``
    would otherwise read the namespace itself)."""
    from ..errors import UsageError

    if not isinstance(value, str):
        raise UsageError(f"invalid {what} {value!r:.60}: a name is a str, not a {type(value).__name__}.")
    problem = ("may not be '.'" if value == "." else "may not be '..'" if value == ".." else
               "may not contain '/'" if "/" in value else "may not contain '%'" if "%" in value else None)
    if problem:
        raise UsageError(f'invalid {what} "{value}": [{problem}]')


def rest_path(info: ResourceInfo, namespace: str | None = None, name: str | None = None,
              subresource: str | None = None) -> str:
    """The REST path of a collection, an object or a subresource.

    A namespaced resource without ``namespace`` gives the all-namespaces
    collection; ``namespace`` is ignored for cluster-scoped resources.
    """
    base = f"/apis/{info.group}/{info.version}" if info.group else f"/api/{info.version}"
    if info.namespaced and namespace:
        check_segment("namespace", namespace)
        base += f"/namespaces/{quote(namespace, safe='')}"
    base += f"/{info.plural}"
    if name is not None:
        if not name:
            raise ValueError("empty object name")
        check_segment("resource name", name)
        base += f"/{quote(name, safe='')}"
    if subresource:
        if name is None:
            raise ValueError("a subresource needs an object name")
        base += f"/{subresource}"
    return base
