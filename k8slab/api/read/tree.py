"""``k8slab.tree``: the ownership tree of an object through ``ownerReferences``."""

from __future__ import annotations

from k8slab.api.args.checks import checked
from k8slab.api.output.formats import TextResult
from k8slab.client import session as _session
from k8slab.errors import UsageError

# Namespaced types whose objects usually have an owner; listed once each to build the tree.
CHILD_TYPES = ("replicasets.apps", "pods", "jobs.batch", "controllerrevisions.apps",
               "endpointslices.discovery.k8s.io", "persistentvolumeclaims")


def status_of(obj: dict) -> str:
    """A short status for a tree line: ``Running 1/1``, ``3/3 ready``, ``Complete``…"""
    kind, spec, st = obj.get("kind"), obj.get("spec") or {}, obj.get("status") or {}
    if kind == "Pod":
        cs = st.get("containerStatuses") or []
        ready = sum(1 for c in cs if c.get("ready"))
        phase = st.get("phase", "Unknown")
        for c in cs:
            waiting = (c.get("state") or {}).get("waiting")
            if waiting and waiting.get("reason"):
                phase = waiting["reason"]
        if (obj.get("metadata") or {}).get("deletionTimestamp"):
            phase = "Terminating"
        return f"{phase} {ready}/{len(spec.get('containers') or cs)}"
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        return f"{st.get('readyReplicas', 0)}/{spec.get('replicas', 1)} ready"
    if kind == "DaemonSet":
        return f"{st.get('numberReady', 0)}/{st.get('desiredNumberScheduled', 0)} ready"
    if kind == "Job":
        for c in st.get("conditions") or []:
            if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
                return c["type"]
        return f"{st.get('succeeded', 0)}/{spec.get('completions', 1)} succeeded"
    if kind == "PersistentVolumeClaim":
        return st.get("phase", "")
    return ""


def _label(obj: dict, prefix: str) -> str:
    name = (obj.get("metadata") or {}).get("name")
    status = status_of(obj)
    return f"{prefix}/{name}" + (f"   {status}" if status else "")


@checked
def tree(target: str, *, namespace: str | None = None) -> TextResult:
    """Show what an object owns, recursively, e.g. Deployment → ReplicaSets → Pods.

    Args:
        target: ``TYPE/NAME``, e.g. ``deploy/web``.
        namespace: defaults to the session's namespace.

    Returns:
        The tree as text; ``.data`` is ``{"object": …, "children": [...]}`` nested.

    Raises:
        NotFoundError: The object does not exist.

    Example:
        >>> print(k8slab.tree("deploy/web"))  # doctest: +SKIP
    """
    t, sep, name = (target or "").partition("/")
    if not sep or not t or not name:
        raise UsageError(f"tree needs TYPE/NAME (e.g. deploy/web), got {target!r}")
    s = _session.current()
    info = s.resolve(t)
    ns = (namespace or s.namespace) if info.namespaced else None
    root = s.request("GET", s.path(info, ns, name))
    root.setdefault("kind", info.kind)
    prefixes = {info.kind: info.name_prefix}
    children: dict[str, list[dict]] = {}
    if ns:
        for ct in CHILD_TYPES:
            try:
                ci = s.resolve(ct)
            except Exception:  # noqa: BLE001 - a type the cluster does not serve
                continue
            prefixes[ci.kind] = ci.name_prefix
            for o in s.request("GET", s.path(ci, ns)).get("items") or []:
                o.setdefault("kind", ci.kind)
                for ref in (o.get("metadata") or {}).get("ownerReferences") or []:
                    children.setdefault(ref.get("uid"), []).append(o)

    def node(obj):
        kids = sorted(children.get((obj.get("metadata") or {}).get("uid"), []),
                      key=lambda o: (o.get("kind"), o["metadata"]["name"]))
        return {"object": obj, "children": [node(k) for k in kids]}

    data = node(root)
    lines = [_label(root, prefixes.get(root["kind"], root["kind"].lower()))]

    def walk(n, indent):
        kids = n["children"]
        for i, k in enumerate(kids):
            last = i == len(kids) - 1
            obj = k["object"]
            lines.append(indent + ("└── " if last else "├── ")
                         + _label(obj, prefixes.get(obj["kind"], obj["kind"].lower())))
            walk(k, indent + ("    " if last else "│   "))

    walk(data, "")
    return TextResult("\n".join(lines), data)
