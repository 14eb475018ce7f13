"""Does the cluster run containers? ``k8slab.runs_containers()``; does a given pod?

On the kwok engine (and on the local engine's simulated control-plane node) KWOK plays
the kubelet: pods go through their whole lifecycle, but no process runs, so logs,
``exec`` and HTTP to such a pod have nothing behind them. Notebook steps that need
real processes ask this first (``%%k8s_needs containers``); ``exec`` and ``logs`` ask
about the node of the pod at hand (:func:`simulated_pod_hint`).
"""

from __future__ import annotations

from k8slab.client import session as _session

NO_RUNTIME_HINT = ("this cluster simulates its pods (KWOK nodes of the kwok engine): no process runs, so "
                   "there is nothing to exec into, no log and no HTTP answer. Run this step on real "
                   "nodes: k8slab down && k8slab up --engine local (root needed), or k8slab up --engine kind "
                   "(Docker needed).")


def simulated(node: dict) -> bool:
    """A node whose kubelet is KWOK's (annotation ``kwok.x-k8s.io/node`` or a ``kwok://`` runtime)."""
    meta, status = node.get("metadata") or {}, node.get("status") or {}
    runtime = ((status.get("nodeInfo") or {}).get("containerRuntimeVersion") or "")
    return "kwok.x-k8s.io/node" in (meta.get("annotations") or {}) or runtime.startswith("kwok")


def _nodes() -> list[dict]:
    return _session.current().request("GET", "/api/v1/nodes").get("items") or []


def runs_containers() -> bool:
    """True when at least one node of the cluster has a real container runtime (the local
    and kind engines, any real cluster); False on the kwok engine, whose nodes are all simulated.

    Returns:
        Whether a pod's containers really run (``exec`` and ``logs`` need it).

    Example:
        >>> k8slab.runs_containers()  # doctest: +SKIP
        True
    """
    return any(not simulated(n) for n in _nodes())


def simulated_pod_hint(pod: dict) -> str | None:
    """Why no process runs behind ``pod`` when a simulated node holds it; None when a real one does.

    Decided per pod, since one cluster can have both kinds of node (the local engine's
    control-plane node is simulated, its workers run containers). On a cluster whose
    nodes are all simulated the hint names the engines with real nodes; otherwise it
    names the pod's node and the nodes that would run it.

    Args:
        pod: the Pod object (its ``spec.nodeName`` is what counts).
    """
    nodes = _nodes()
    real = sorted(n["metadata"]["name"] for n in nodes if not simulated(n))
    if not real:
        return NO_RUNTIME_HINT
    where = (pod.get("spec") or {}).get("nodeName")
    node = next((n for n in nodes if n["metadata"]["name"] == where), None)
    if node is None or not simulated(node):
        return None  # unscheduled, or a real kubelet: its own error says enough
    return (f"node {where} simulates its pods (a KWOK node): no process runs there, so there is nothing "
            f"to exec into, no log and no HTTP answer. This cluster's nodes {', '.join(real)} run "
            f"containers: run the pod there (without the nodeName, nodeSelector or toleration that "
            f"puts it on {where}).")
