"""Cluster objects the cases need: labelled ``bench-…`` namespaces, fake nodes, many pods.

Everything created here carries the ``k8slab.dev/bench`` label and is deleted
after its case (and again by :func:`cleanup_leftovers` at the start of a run,
in case an earlier run was killed).
"""

from __future__ import annotations

import contextlib
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

from .common import BENCH_LABEL

NODE_TAINT = {"key": BENCH_LABEL, "value": "true", "effect": "NoSchedule"}
PAUSE = "registry.k8s.io/pause:3.10"


def session():
    from k8slab.client.session import current

    return current()


def ns_name(prefix: str) -> str:
    return f"bench-{prefix}-{secrets.token_hex(2)}"


def create_namespace(name: str) -> str:
    session().request("POST", "/api/v1/namespaces",
                      body={"apiVersion": "v1", "kind": "Namespace",
                            "metadata": {"name": name, "labels": {BENCH_LABEL: "true"}}})
    return name


def delete_namespace(name: str, *, pods_now: bool = True) -> None:
    """Delete a namespace; its pods first with grace period 0 (no kubelet to wait for)."""
    from k8slab.errors import NotFoundError

    s = session()
    with contextlib.suppress(NotFoundError):
        if pods_now:
            s.request("DELETE", f"/api/v1/namespaces/{name}/pods", query={"gracePeriodSeconds": 0},
                      timeout=(5.0, 120.0))
        s.request("DELETE", f"/api/v1/namespaces/{name}", query={"propagationPolicy": "Background"})


@contextlib.contextmanager
def namespace(prefix: str):
    name = create_namespace(ns_name(prefix))
    try:
        yield name
    finally:
        delete_namespace(name)


def node_object(name: str, pods: int) -> dict:
    """A fake node (KWOK manages every node) with room for ``pods`` pods, tainted so that
    nothing but the bench's own pods lands on it."""
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {BENCH_LABEL: "true", "kubernetes.io/hostname": name,
                                              "kubernetes.io/os": "linux", "type": "kwok"},
                     "annotations": {"kwok.x-k8s.io/node": "fake"}},
        "spec": {"taints": [NODE_TAINT]},
        "status": {"allocatable": {"cpu": "1000", "memory": "4Ti", "pods": str(pods)},
                   "capacity": {"cpu": "1000", "memory": "4Ti", "pods": str(pods)}},
    }


@contextlib.contextmanager
def fake_nodes(count: int, pods_per_node: int):
    """``bench-node-1..count``, deleted after."""
    s = session()
    names = [f"bench-node-{i}" for i in range(1, count + 1)]
    for n in names:
        s.request("POST", "/api/v1/nodes", body=node_object(n, pods_per_node))
    try:
        yield names
    finally:
        for n in names:
            with contextlib.suppress(Exception):
                s.request("DELETE", f"/api/v1/nodes/{n}")


def pod_object(name: str, node: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {BENCH_LABEL: "true", "app": "bench-many"}},
            "spec": {"nodeName": node, "tolerations": [{"key": BENCH_LABEL, "operator": "Exists"}],
                     "containers": [{"name": "app", "image": PAUSE}]}}


def create_pods(namespace: str, count: int, nodes: list[str], *, workers: int = 8, start: int = 0) -> None:
    """Create ``count`` bare pods bound to ``nodes`` (round robin), ``workers`` requests at a time."""
    s = session()
    path = f"/api/v1/namespaces/{namespace}/pods"

    def one(i: int) -> None:
        s.request("POST", path, body=pod_object(f"many-{i:05d}", nodes[i % len(nodes)]))

    with ThreadPoolExecutor(workers) as ex:
        list(ex.map(one, range(start, start + count)))


def count_running(namespaces: list[str]) -> tuple[int, int]:
    """(running, total) pods in ``namespaces``."""
    s = session()
    run = total = 0
    for ns in namespaces:
        cont = None
        while True:
            page = s.request("GET", f"/api/v1/namespaces/{ns}/pods",
                             query={"limit": 1000, "continue": cont}, timeout=(5.0, 60.0))
            for p in page.get("items") or []:
                total += 1
                run += (p.get("status") or {}).get("phase") == "Running"
            cont = (page.get("metadata") or {}).get("continue")
            if not cont:
                break
    return run, total


def wait_running(namespaces: list[str], want: int, timeout: float) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    while True:
        run, total = count_running(namespaces)
        if run >= want or time.monotonic() > deadline:
            return run, total
        time.sleep(2)


def wait_deleted(namespaces: list[str], timeout: float = 120) -> bool:
    """Wait until the namespaces are gone (so a case's load does not leak into the next)."""
    from k8slab.errors import NotFoundError

    s = session()
    deadline = time.monotonic() + timeout
    for ns in namespaces:
        while time.monotonic() < deadline:
            try:
                s.request("GET", f"/api/v1/namespaces/{ns}")
            except NotFoundError:
                break
            time.sleep(1)
        else:
            return False
    return True


def wait_healthy(timeout: float = 180) -> bool:
    """Wait until the lab cluster answers ``/readyz`` (other engineers' tests restart it).

    Never starts or recreates it: the shared cluster is not the bench's to manage.
    """
    from k8slab.errors import K8sLabError

    deadline = time.monotonic() + timeout
    while True:
        try:
            session().request_text("GET", "/readyz", timeout=(2.0, 5.0))
            return True
        except (K8sLabError, ValueError):
            if time.monotonic() > deadline:
                return False
            time.sleep(2)


def cleanup_leftovers() -> list[str]:
    """Delete bench namespaces and nodes an earlier (killed) run left behind."""
    s = session()
    sel = {"labelSelector": f"{BENCH_LABEL}=true"}
    gone = []
    for ns in s.request("GET", "/api/v1/namespaces", query=sel).get("items") or []:
        name = ns["metadata"]["name"]
        if not (ns["metadata"].get("deletionTimestamp")):
            delete_namespace(name)
            gone.append(f"namespace/{name}")
    for node in s.request("GET", "/api/v1/nodes", query=sel).get("items") or []:
        s.request("DELETE", f"/api/v1/nodes/{node['metadata']['name']}")
        gone.append(f"node/{node['metadata']['name']}")
    return gone
