"""``k8slab.logs``: a pod's container logs."""

from __future__ import annotations

from k8slab.api.args.checks import checked
from k8slab.api.output.formats import TextResult
from k8slab.api.read.runtime import simulated_pod_hint
from k8slab.client import session as _session
from k8slab.errors import ApiError, BadRequestError, NotFoundError, UsageError


def pod_for(s, target: str, namespace: str) -> str:
    """A pod name for ``target``: ``NAME``, ``pod/NAME``, or ``TYPE/NAME`` of a workload (its first pod)."""
    t, sep, name = target.partition("/")
    if not sep:
        return target
    if not t or not name:
        raise UsageError(f"{target!r} is not POD or TYPE/NAME (e.g. web-1, pod/web-1, deploy/web).")
    info = s.resolve(t)
    if info.kind == "Pod":
        return name
    obj = s.request("GET", s.path(info, namespace, name))
    labels = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels")
    if not labels:
        raise UsageError(f"{target}: cannot find its pods (no spec.selector.matchLabels); give a pod name.")
    sel = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    pods = s.request("GET", f"/api/v1/namespaces/{namespace}/pods", query={"labelSelector": sel})
    names = sorted(p["metadata"]["name"] for p in pods.get("items") or [])
    if not names:
        raise NotFoundError(f"{target} has no pods (selector {sel}).", status=404, reason="NotFound")
    return names[0]


@checked
def logs(pod: str, *, container: str | None = None, namespace: str | None = None, tail: int | None = None,
         previous: bool = False, timestamps: bool = False, since_seconds: int | None = None) -> TextResult:
    """A container's logs, like ``kubectl logs``.

    Args:
        pod: a pod name, ``pod/NAME``, or ``deploy/NAME`` (its first pod, by name).
        container: the container (required when the pod has several).
        namespace: defaults to the session's namespace.
        tail: only the last ``tail`` lines.
        previous: the previous, terminated instance of the container.
        timestamps: prefix each line with its timestamp.
        since_seconds: only lines newer than this many seconds.

    Returns:
        The log text as a :class:`TextResult`.

    Raises:
        NotFoundError: The pod, or the workload's pods, do not exist.
        BadRequestError: The server refused, e.g. the pod has several containers and none was named.

    Example:
        >>> print(k8slab.logs("deploy/web", tail=20))  # doctest: +SKIP
    """
    if tail is not None and tail < 0:
        tail = None  # kubectl's --tail=-1 means all lines
    s = _session.current()
    ns = namespace or s.namespace
    name = pod_for(s, pod, ns)
    from k8slab.client.discovery import check_segment

    check_segment("namespace", ns)
    check_segment("resource name", name)
    q = {"container": container, "tailLines": tail, "previous": previous or None,
         "timestamps": timestamps or None, "sinceSeconds": since_seconds}
    try:
        text = s.request_text("GET", f"/api/v1/namespaces/{ns}/pods/{name}/log", query=q)
    except (BadRequestError, NotFoundError):
        raise  # e.g. "a container name must be specified for pod x, choose one of: [a b]"
    except ApiError as e:
        try:
            obj = s.request("GET", f"/api/v1/namespaces/{ns}/pods/{name}")
        except ApiError:
            obj = {}
        hint = simulated_pod_hint(obj)
        if not hint:  # a real kubelet's answer (container not started yet, ...) says enough
            raise
        raise type(e)(f"no logs of pod {name}: {hint}\n({e})", status=e.status, reason=e.reason,
                      causes=e.causes) from e
    return TextResult(text, text)
