"""Faults on the real-node engine: each part killed in turn, and one ``k8slab up`` mends it.

A running pod is watched through every fault: its container must still be the same
process afterwards (same container ID, no restart), as on a real node whose kubelet or
containerd restarts.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import k8slab
from k8slab.client import session as S

from _k8s_objects import pin_lab_context, wait_for

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

PROGRAMS = ["k8slab-worker/kubelet", "k8slab-worker2/containerd", "k8slab-worker/kube-proxy",
            "control-plane/registry", "control-plane/api-forwarder", "kube-scheduler",
            "kube-controller-manager", "kube-apiserver", "etcd", "kwok-controller"]


@pytest.fixture(scope="module")
def engine(cluster):
    from k8slab.engine import cluster as lifecycle

    if lifecycle.recorded_engine("k8slab") != "local":
        if os.environ.get("K8SLAB_EXPECT_REAL_NODES") == "1":
            pytest.fail("K8SLAB_EXPECT_REAL_NODES=1 but the lab cluster is not on the local engine")
        pytest.skip("the lab cluster is not on the real-node engine")
    from k8slab.engine import local

    return local


def _k8slab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "k8slab", *args], capture_output=True, text=True,
                          timeout=600)


def _container(ns: str) -> tuple[str, int]:
    pod = S.current().request("GET", f"/api/v1/namespaces/{ns}/pods/steady")
    cs = pod["status"]["containerStatuses"][0]
    return cs["containerID"], cs["restartCount"]


@pytest.mark.parametrize("program", PROGRAMS)
def test_one_up_mends_a_killed_part_and_running_pods_keep_running(engine, namespace, program):
    pin_lab_context()
    k8slab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: steady}
spec:
  nodeName: k8slab-worker2
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: "busybox:1.36", command: ["sleep", "3600"]}]
""", namespace=namespace, wait=60)
    before = _container(namespace)
    engine.stop_program("k8slab", program)
    st = _k8slab("status")
    assert st.returncode == 1, st.stdout
    assert f"{program:<28} NOT RUNNING" in st.stdout or "not running: " in st.stdout, st.stdout
    assert program in st.stdout
    up = _k8slab("up")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "restarting" in up.stdout, up.stdout
    assert _k8slab("status").returncode == 0
    pin_lab_context()
    assert _container(namespace) == before
    # and the cluster still does new work on real nodes, through every part
    k8slab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: after}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: "busybox:1.36", command: ["sh", "-c", "echo after-fault; sleep 3600"]}]
""", namespace=namespace, wait=60)
    assert "after-fault" in str(k8slab.logs("after", namespace=namespace))


def test_a_deleted_coredns_pod_comes_back_and_names_resolve(engine, namespace):
    pin_lab_context()
    pods = S.current().request("GET", "/api/v1/namespaces/kube-system/pods",
                               query={"labelSelector": "k8s-app=kube-dns"})["items"]
    k8slab.delete(f"pod/{pods[0]['metadata']['name']}", namespace="kube-system", wait=True)
    wait_for("kube-system", "apps/v1", "Deployment", "coredns",
             lambda d: (d.get("status") or {}).get("availableReplicas") == d["spec"]["replicas"],
             timeout=90)
    k8slab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: asker}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: "busybox:1.36", command: ["sleep", "3600"]}]
""", namespace=namespace, wait=60)
    out = str(k8slab.exec("asker", ["nslookup", "kubernetes.default.svc.cluster.local"], namespace=namespace))
    assert "10.96.0.1" in out


def test_nodes_that_lost_everything_come_back_and_up_waits_for_fresh_dns(engine, namespace):
    """Both workers' namespaces gone, as after a reboot (every container with them): one ``up`` brings
    the nodes back, and returns only once CoreDNS has become Ready again *after* the restart. The
    status the API still shows from before the restart is stale until the kubelets report, so ``up``
    once returned while the cluster's DNS was still down."""
    import datetime
    import time

    pin_lab_context()
    k8slab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: survivor}
spec:
  nodeName: k8slab-worker2
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: "busybox:1.36", command: ["sleep", "3600"]}]
""", namespace=namespace, wait=60)
    killed_at = time.time()
    for node in ("k8slab-worker", "k8slab-worker2"):
        engine.stop_program("k8slab", f"{node}/holder")
    up = _k8slab("up")
    assert up.returncode == 0, up.stdout + up.stderr
    # restarted with its objects, not recreated (a node's old link once made the restart fail)
    assert "is up again with its objects" in up.stdout and "recreating" not in up.stdout, up.stdout
    pin_lab_context()
    pods = S.current().request("GET", "/api/v1/namespaces/kube-system/pods",
                               query={"labelSelector": "k8s-app=kube-dns"})["items"]
    ready_at = []
    for pod in pods:
        cond = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
        assert cond["status"] == "True", (pod["metadata"]["name"], cond)
        ready_at.append(datetime.datetime.fromisoformat(cond["lastTransitionTime"].replace("Z", "+00:00")))
    assert len(ready_at) >= 2 and all(t.timestamp() >= int(killed_at) - 1 for t in ready_at), ready_at
    # the node's pod comes back in a new container (its sandbox died with the namespaces)
    wait_for(namespace, "v1", "Pod", "survivor",
             lambda p: any(cs.get("restartCount", 0) >= 1 and cs.get("ready")
                           for cs in (p.get("status") or {}).get("containerStatuses") or []), timeout=120)
    k8slab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: asker-after-reboot}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: "busybox:1.36", command: ["sleep", "3600"]}]
""", namespace=namespace, wait=60)
    out = str(k8slab.exec("asker-after-reboot", ["nslookup", "kubernetes.default.svc.cluster.local"],
                          namespace=namespace))
    assert "10.96.0.1" in out
