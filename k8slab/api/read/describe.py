"""``k8slab.describe``: a compact, readable summary of objects, with their recent events."""

from __future__ import annotations

from k8slab.api.args.checks import checked
from k8slab.api.output.formats import TextResult
from k8slab.api.output.secrets import mask_secret, mask_value
from k8slab.api.output.table import age, render_text
from k8slab.api.read.events import fetch_events, last_seen
from k8slab.api.read.get import split_type_names
from k8slab.client import session as _session

MAX_EVENTS = 10
_HIDDEN_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


def _kv_lines(label: str, mapping: dict | None, width: int) -> list[str]:
    items = sorted((mapping or {}).items())
    if not items:
        return [f"{label:<{width}}<none>"]
    return [f"{label if i == 0 else '':<{width}}{k}={v}" for i, (k, v) in enumerate(items)]


def _state(st: dict) -> str:
    state = st.get("state") or {}
    if "running" in state:
        return f"Running (started {age(state['running'].get('startedAt'))} ago)"
    if "waiting" in state:
        w = state["waiting"]
        return "Waiting" + (f" ({w.get('reason')})" if w.get("reason") else "") + (
            f": {w['message']}" if w.get("message") else "")
    if "terminated" in state:
        t = state["terminated"]
        return f"Terminated ({t.get('reason') or 'exit'} {t.get('exitCode')})"
    return "Unknown"


def _containers(spec: dict, statuses: list[dict], init: bool = False) -> list[str]:
    key = "initContainers" if init else "containers"
    cs = spec.get(key) or []
    if not cs:
        return []
    by_name = {s.get("name"): s for s in statuses or []}
    lines = ["Init Containers:" if init else "Containers:"]
    for c in cs:
        lines.append(f"  {c.get('name')}:")
        lines.append(f"    Image:          {c.get('image')}")
        ports = ", ".join(f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in c.get("ports") or [])
        if ports:
            lines.append(f"    Ports:          {ports}")
        st = by_name.get(c.get("name"))
        if st:
            lines.append(f"    State:          {_state(st)}")
            lines.append(f"    Ready:          {st.get('ready')}")
            lines.append(f"    Restart Count:  {st.get('restartCount', 0)}")
        res = c.get("resources") or {}
        for kind in ("requests", "limits"):
            if res.get(kind):
                lines.append(f"    {kind.capitalize() + ':':<16}"
                             + ", ".join(f"{k}={v}" for k, v in sorted(res[kind].items())))
        if c.get("env"):
            lines.append("    Env:            " + ", ".join(e.get("name", "") for e in c["env"]))
    return lines


def _conditions(status: dict) -> list[str]:
    conds = status.get("conditions") or []
    if not conds:
        return []
    rows = [[c.get("type", ""), c.get("status", ""), c.get("reason", "") or "", (c.get("message") or "")[:100]]
            for c in conds]
    return ["Conditions:"] + ["  " + line for line in
                              render_text(["Type", "Status", "Reason", "Message"], rows, max_rows=None).splitlines()]


def _kind_specific(obj: dict, show_secrets: bool) -> list[str]:
    kind = obj.get("kind")
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    lines: list[str] = []
    if kind == "Pod":
        lines += [f"Status:       {status.get('phase', '')}",
                  f"Node:         {spec.get('nodeName') or '<none>'}",
                  f"IP:           {status.get('podIP') or '<none>'}"]
        lines += _containers(spec, status.get("initContainerStatuses"), init=True)
        lines += _containers(spec, status.get("containerStatuses"))
    elif kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"):
        sel = (spec.get("selector") or {}).get("matchLabels")
        if sel is not None:
            lines.append("Selector:     " + ",".join(f"{k}={v}" for k, v in sorted(sel.items())))
        if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
            lines.append(f"Replicas:     {spec.get('replicas', 1)} desired | "
                         f"{status.get('updatedReplicas', 0)} updated | {status.get('replicas', 0)} total | "
                         f"{status.get('readyReplicas', 0)} ready | {status.get('availableReplicas', 0)} available")
        if kind == "Deployment":
            strat = spec.get("strategy") or {}
            lines.append(f"Strategy:     {strat.get('type', 'RollingUpdate')}")
        if kind == "DaemonSet":
            lines.append(f"Pods:         {status.get('numberReady', 0)} ready of "
                         f"{status.get('desiredNumberScheduled', 0)} desired")
        if kind == "Job":
            lines.append(f"Completions:  {status.get('succeeded', 0)}/{spec.get('completions', 1)} succeeded, "
                         f"{status.get('active', 0)} active, {status.get('failed', 0)} failed")
        if kind == "CronJob":
            lines.append(f"Schedule:     {spec.get('schedule')}   Suspend: {spec.get('suspend', False)}")
        tmpl = ((spec.get("jobTemplate") or {}).get("spec") or spec).get("template") or {}
        if tmpl.get("spec"):
            lines += ["Pod Template:"] + ["  " + x for x in _containers(tmpl["spec"], [])]
    elif kind == "Service":
        ports = ", ".join(f"{p.get('name') + ' ' if p.get('name') else ''}{p.get('port')}"
                          f"->{p.get('targetPort', p.get('port'))}/{p.get('protocol', 'TCP')}"
                          + (f" (nodePort {p['nodePort']})" if p.get("nodePort") else "")
                          for p in spec.get("ports") or [])
        lines += [f"Type:         {spec.get('type', 'ClusterIP')}",
                  f"Cluster IP:   {spec.get('clusterIP') or '<none>'}",
                  f"Ports:        {ports or '<none>'}",
                  "Selector:     " + (",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items()))
                                      or "<none>")]
    elif kind == "Secret":
        lines.append(f"Type:         {obj.get('type', '')}")
        lines.append("Data:")
        for k, v in sorted((obj.get("data") or {}).items()):
            lines.append(f"  {k}:  {mask_value(v) if not show_secrets else v}")
    elif kind == "ConfigMap":
        lines.append("Data:")
        for k, v in sorted((obj.get("data") or {}).items()):
            text = str(v)
            lines.append(f"  {k}:  {text if len(text) <= 80 and chr(10) not in text else text[:77].replace(chr(10), ' ') + '...'}")
    elif kind == "Node":
        addrs = ", ".join(f"{a.get('type')}={a.get('address')}" for a in status.get("addresses") or [])
        cap = status.get("capacity") or {}
        lines += [f"Addresses:    {addrs or '<none>'}",
                  "Capacity:     " + ", ".join(f"{k}={v}" for k, v in sorted(cap.items())),
                  "Taints:       " + (", ".join(f"{t.get('key')}{'=' + t['value'] if t.get('value') else ''}:"
                                                f"{t.get('effect')}" for t in spec.get("taints") or []) or "<none>"),
                  f"Unschedulable: {spec.get('unschedulable', False)}"]
    elif kind == "PersistentVolumeClaim":
        lines += [f"Status:       {status.get('phase', '')}",
                  f"Volume:       {spec.get('volumeName') or '<none>'}",
                  f"StorageClass: {spec.get('storageClassName') or '<none>'}"]
    elif isinstance(status.get("phase"), str):
        lines.append(f"Status:       {status['phase']}")
    lines += _conditions(status)
    return lines


def replicaset_lines(deployment: dict, replicasets: list[dict]) -> list[str]:
    """kubectl's ``OldReplicaSets``/``NewReplicaSet`` lines for a Deployment."""
    meta = deployment.get("metadata") or {}
    rev_key = "deployment.kubernetes.io/revision"
    rev = (meta.get("annotations") or {}).get(rev_key)
    owned = [r for r in replicasets
             if any(o.get("uid") == meta.get("uid") for o in (r.get("metadata") or {}).get("ownerReferences") or [])]
    new = [r for r in owned if ((r["metadata"].get("annotations") or {}).get(rev_key)) == rev]
    old = [r for r in owned if r not in new and ((r.get("spec") or {}).get("replicas") or 0) > 0]

    def fmt(r):
        return (f"{r['metadata']['name']} ({(r.get('status') or {}).get('replicas', 0)}/"
                f"{(r.get('spec') or {}).get('replicas', 0)} replicas created)")

    return [f"OldReplicaSets: {', '.join(fmt(r) for r in old) or '<none>'}",
            f"NewReplicaSet:  {fmt(new[0]) if new else '<none>'}"]


def summarize(obj: dict, events: list[dict] | None, show_secrets: bool = False,
              related: list[str] | None = None) -> str:
    """The describe text of one object (``events`` of that object, oldest first; ``related`` lines before them)."""
    meta = obj.get("metadata") or {}
    lines = [f"Name:         {meta.get('name')}"]
    if meta.get("namespace"):
        lines.append(f"Namespace:    {meta['namespace']}")
    lines.append(f"Kind:         {obj.get('kind')} ({obj.get('apiVersion')})")
    lines += _kv_lines("Labels:", meta.get("labels"), 14)
    ann = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in _HIDDEN_ANNOTATIONS}
    lines += _kv_lines("Annotations:", {k: (v if len(v) < 60 else v[:57] + "...") for k, v in ann.items()}, 14)
    lines.append(f"Created:      {meta.get('creationTimestamp')} ({age(meta.get('creationTimestamp'))} ago)")
    owners = [o for o in meta.get("ownerReferences") or [] if o.get("controller")]
    if owners:
        lines.append(f"Controlled By: {owners[0].get('kind')}/{owners[0].get('name')}")
    if meta.get("deletionTimestamp"):
        lines.append(f"Deleting:     since {meta['deletionTimestamp']}")
    lines += _kind_specific(obj, show_secrets)
    lines += related or []
    if events is not None:
        if not events:
            lines.append("Events:       <none>")
        else:
            rows = [[e.get("type", ""), e.get("reason", ""), last_seen(e),
                     (e.get("source") or {}).get("component") or e.get("reportingComponent") or "",
                     (e.get("message") or "").strip()] for e in events[-MAX_EVENTS:]]
            lines.append("Events:")
            lines += ["  " + x for x in render_text(["Type", "Reason", "Age", "From", "Message"], rows,
                                                    max_rows=None).splitlines()]
    return "\n".join(lines)


@checked
def describe(type: str, *names: str, namespace: str | None = None, selector: str | None = None,
             show_events: bool = True, show_secrets: bool = False) -> TextResult:
    """Summarize objects like ``kubectl describe``: status, conditions, containers, recent events.

    Args:
        type: a type (``pod``, ``deploy``…) or ``TYPE/NAME``.
        *names: object names; none means every object of the type (or matching ``selector``).
        namespace: defaults to the session's namespace.
        selector: label selector when no names are given.
        show_events: include the object's recent events.
        show_secrets: show Secret values instead of their sizes.

    Returns:
        A :class:`TextResult`; ``.data`` holds the objects.

    Raises:
        NotFoundError: The type or a named object does not exist.

    Example:
        >>> print(k8slab.describe("deploy/web", namespace="lab-01"))  # doctest: +SKIP
    """
    type_, obj_names = split_type_names(type, names)
    s = _session.current()
    info = s.resolve(type_)
    ns = (namespace or s.namespace) if info.namespaced else None
    if obj_names:
        objs = [s.request("GET", s.path(info, ns, n)) for n in obj_names]
    else:
        data = s.request("GET", s.path(info, ns), query={"labelSelector": selector})
        objs = [{"apiVersion": info.api_version, "kind": info.kind, **o} for o in data.get("items") or []]
        if not objs:
            return TextResult(f"No resources found in {ns} namespace." if ns else "No resources found", [])
    parts = []
    rs_cache: list | None = None
    for o in objs:
        related = None
        if o.get("kind") == "Deployment":
            if rs_cache is None:
                rs_cache = s.request("GET", f"/apis/apps/v1/namespaces/{o['metadata']['namespace']}/replicasets"
                                     ).get("items") or []
            related = replicaset_lines(o, rs_cache)
        evs = None
        if show_events:
            meta = o.get("metadata") or {}
            ev_ns = meta.get("namespace") if info.namespaced else None
            evs = fetch_events(ev_ns, uid=meta.get("uid"))
        parts.append(summarize(o, evs, show_secrets, related))
    return TextResult("\n\n".join(parts), objs if show_secrets else [mask_secret(o) for o in objs])
