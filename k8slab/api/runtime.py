"""Does the cluster run containers? ``k8slab.runs_containers()``.

On the kwok engine (and on its simulated control-plane node) KWOK plays the kubelet: pods go through their whole
lifecycle, but no process runs, so logs, ``exec`` and HTTP to a pod have
nothing behind them. Notebook steps that need real processes ask this first
(``%%k8s_needs containers``).
"""

from __future__ import annotations

from ..client import session as _session

NO_RUNTIME_HINT = ("this cluster simulates its pods (KWOK nodes of the kwok engine): no process runs, so "
                   "there is nothing to exec into, no log and no HTTP answer. Run this step on real "
                   "nodes: k8slab down && k8slab up --engine local (root needed), or k8slab up --engine kind "
                   "(Docker needed).")


def simulated(node: dict) -> bool:
    """A node whose kubelet is KWOK's (annotation ``kwok.x-k8s.io/node`` or a ``kwok://`` runtime)."""
    meta, status = node.get("metadata") or {}, node.get("status") or {}
    runtime = ((status.get("nodeInfo") or {}).get("containerRuntimeVersion") or "")
    return "kwok.x-k8s.io/node" in (meta.get("annotations") or {}) or runtime.startswith("kwok")


def runs_containers() -> bool:
    """True when at least one node of the cluster has a real container runtime (kind,
    any real cluster); False on the kwok engine, whose nodes are all simulated."""
    nodes = _session.current().request("GET", "/api/v1/nodes").get("items") or []
    return any(not simulated(n) for n in nodes)
