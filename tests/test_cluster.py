"""The lab cluster behaves like a real one: controllers, scheduler, KWOK stages, storage."""

from __future__ import annotations

import pytest
from kubernetes import client

from kube_wait import wait_for

from k8slab.engine import versions

pytestmark = pytest.mark.cluster

LABELS = {"app": "web"}


def _deployment(name: str, replicas: int, command=None, image="nginx:1.27") -> dict:
    container = {"name": "main", "image": image}
    if command:
        container["command"] = command
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [container]}}},
    }


def _ready(pod) -> bool:
    conds = {c.type: c.status for c in (pod.status.conditions or [])}
    return pod.status.phase == "Running" and conds.get("Ready") == "True"


def _workers(core) -> set[str]:
    return {n.metadata.name for n in core.list_node().items
            if "node-role.kubernetes.io/control-plane" not in (n.metadata.labels or {})}


def test_nodes_named_like_kind(cluster):
    """kind's names, roles, taints, pod CIDRs and node IPs on both engines. The kubelet behind
    each node: KWOK's on the kwok engine; on the local engine KWOK's for the control plane and
    real ones (containerd, the workers' Debian root) for the workers."""
    core = client.CoreV1Api(cluster)
    # the engine's own nodes (benchmarks may add fake nodes of their own beside them)
    nodes = {n.metadata.name: n for n in core.list_node().items
             if (n.metadata.annotations or {}).get("k8slab.dev/engine") in ("kwok", "local")}
    assert set(nodes) == {"k8slab-control-plane", "k8slab-worker", "k8slab-worker2"}
    cp = nodes["k8slab-control-plane"]
    assert "node-role.kubernetes.io/control-plane" in cp.metadata.labels
    assert [(t.key, t.effect) for t in cp.spec.taints] == [
        ("node-role.kubernetes.io/control-plane", "NoSchedule")]
    engines = {name: n.metadata.annotations["k8slab.dev/engine"] for name, n in nodes.items()}
    assert engines["k8slab-control-plane"] == "kwok"
    assert engines["k8slab-worker"] == engines["k8slab-worker2"]  # one engine's workers
    for index, (name, node) in enumerate(sorted(nodes.items())):
        if name != "k8slab-control-plane":
            assert not node.spec.taints and "node-role.kubernetes.io/control-plane" not in node.metadata.labels
        assert node.spec.pod_cidr == f"10.244.{index}.0/24" and node.spec.pod_cidrs == [node.spec.pod_cidr]
        assert [(a.type, a.address) for a in node.status.addresses] == [
            ("InternalIP", f"172.18.0.{index + 2}"), ("Hostname", name)]
        conds = {c.type: c.status for c in node.status.conditions}
        assert conds["Ready"] == "True", name
        info = node.status.node_info
        assert info.kubelet_version == versions.KUBERNETES, name
        if engines[name] == "kwok":
            assert node.metadata.annotations.get("kwok.x-k8s.io/node") == "fake", name
            assert info.container_runtime_version == f"kwok://{versions.KWOK}", name
            assert info.os_image == f"KWOK {versions.KWOK} simulated node", name
        else:  # the local engine's real kubelets
            assert "kwok.x-k8s.io/node" not in node.metadata.annotations, name
            assert info.container_runtime_version == f"containerd://{versions.CONTAINERD.lstrip('v')}", name
            assert info.os_image.startswith("Debian GNU/Linux "), (name, info.os_image)


def test_deployment_pods_ready_on_workers_and_replaced(cluster, namespace):
    apps, core = client.AppsV1Api(cluster), client.CoreV1Api(cluster)
    apps.create_namespaced_deployment(namespace, _deployment("web", 3))
    sel = "app=web"
    pods = wait_for(core.list_namespaced_pod, lambda ps: len(ps) == 3 and all(map(_ready, ps)),
                    namespace=namespace, label_selector=sel)
    workers = _workers(core)
    assert {p.spec.node_name for p in pods} <= workers
    for p in pods:
        node = core.read_node(p.spec.node_name)
        assert p.status.pod_ip, p.metadata.name
        prefix = node.spec.pod_cidr.rsplit(".", 1)[0]
        assert p.status.pod_ip.startswith(prefix + "."), (p.status.pod_ip, node.spec.pod_cidr)

    victim = pods[0].metadata.name
    core.delete_namespaced_pod(victim, namespace)
    after = wait_for(core.list_namespaced_pod,
                     lambda ps: len(ps) == 3 and all(map(_ready, ps))
                     and victim not in {p.metadata.name for p in ps},
                     namespace=namespace, label_selector=sel)
    assert victim not in {p.metadata.name for p in after}


def test_job_completes(cluster, namespace):
    batch = client.BatchV1Api(cluster)
    batch.create_namespaced_job(namespace, {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
        "spec": {"completions": 2, "parallelism": 1, "template": {"spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "pi", "image": "perl:5.34", "command": ["perl", "-e", "1"]}]}}},
    })

    def complete(jobs):
        return any(c.type == "Complete" and c.status == "True"
                   for j in jobs for c in (j.status.conditions or []))

    jobs = wait_for(batch.list_namespaced_job, complete, namespace=namespace, timeout=90)
    assert jobs[0].status.succeeded == 2


def test_broken_pods_crash_loop(cluster, namespace):
    apps, core = client.AppsV1Api(cluster), client.CoreV1Api(cluster)
    dep = _deployment("broken-pods", 3, command=["sh", "-c", "exit 1"], image="busybox")
    apps.create_namespaced_deployment(namespace, dep)

    def looping(pods):
        """Each pod restarted twice and is between runs. A real kubelet reports a restarted
        container running (and Ready) for the moment before it exits again; KWOK never does."""
        if len(pods) != 3:
            return False
        for p in pods:
            cs = (p.status.container_statuses or [None])[0]
            if cs is None or cs.restart_count < 2 or cs.state.running:
                return False
        return True

    pods = wait_for(core.list_namespaced_pod, looping, namespace=namespace,
                    label_selector="app=broken-pods", timeout=90)
    for p in pods:
        cs = p.status.container_statuses[0]
        assert not cs.ready
        assert cs.last_state.terminated.exit_code == 1
        assert cs.last_state.terminated.reason == "Error"
        assert (cs.state.waiting and cs.state.waiting.reason == "CrashLoopBackOff") or \
            (cs.state.terminated and cs.state.terminated.reason == "Error")
    # the manifest is unchanged: the command is still the failing one
    live = apps.read_namespaced_deployment("broken-pods", namespace)
    assert live.spec.template.spec.containers[0].command == ["sh", "-c", "exit 1"]


def test_daemonset_one_pod_per_worker(cluster, namespace):
    apps, core = client.AppsV1Api(cluster), client.CoreV1Api(cluster)
    apps.create_namespaced_daemon_set(namespace, {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}},
                 "template": {"metadata": {"labels": {"app": "agent"}},
                              "spec": {"containers": [{"name": "a", "image": "busybox"}]}}},
    })
    workers = _workers(core)
    pods = wait_for(core.list_namespaced_pod,
                    lambda ps: len(ps) == len(workers) and all(map(_ready, ps)),
                    namespace=namespace, label_selector="app=agent")
    assert sorted(p.spec.node_name for p in pods) == sorted(workers)


def test_service_cluster_ip_endpoints_and_nodeport(cluster, namespace):
    apps, core = client.AppsV1Api(cluster), client.CoreV1Api(cluster)
    disc = client.DiscoveryV1Api(cluster)
    apps.create_namespaced_deployment(namespace, _deployment("web", 2))
    pods = wait_for(core.list_namespaced_pod, lambda ps: len(ps) == 2 and all(map(_ready, ps)),
                    namespace=namespace, label_selector="app=web")
    svc = core.create_namespaced_service(namespace, {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})
    assert svc.spec.cluster_ip and svc.spec.cluster_ip.startswith("10.96.")
    want = {p.status.pod_ip for p in pods}

    def has_ips(slices):
        got = {a for s in slices for e in (s.endpoints or []) if e.conditions.ready
               for a in e.addresses}
        return got == want

    wait_for(disc.list_namespaced_endpoint_slice, has_ips, namespace=namespace,
             label_selector="kubernetes.io/service-name=web")
    np = core.create_namespaced_service(namespace, {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-np"},
        "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]}})
    assert 30000 <= np.spec.ports[0].node_port <= 32767


def test_default_storage_class_binds_pvc(cluster, namespace):
    core = client.CoreV1Api(cluster)
    storage = client.StorageV1Api(cluster)
    sc = storage.read_storage_class("standard")
    assert sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"] == "true"
    core.create_namespaced_persistent_volume_claim(namespace, {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    # WaitForFirstConsumer, as on kind: the claim binds once a pod uses it
    core.create_namespaced_pod(namespace, {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "user"},
        "spec": {"containers": [{"name": "c", "image": "busybox",
                                 "volumeMounts": [{"name": "d", "mountPath": "/data"}]}],
                 "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}})
    pvcs = wait_for(core.list_namespaced_persistent_volume_claim,
                    lambda cs: cs and cs[0].status.phase == "Bound", namespace=namespace)
    assert pvcs[0].spec.storage_class_name == "standard"
    wait_for(core.list_namespaced_pod, lambda ps: ps and _ready(ps[0]), namespace=namespace)


def test_static_pv_binds_through_pv_controller(cluster, namespace):
    core = client.CoreV1Api(cluster)
    pv_name = f"{namespace}-pv"
    core.create_persistent_volume({
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": pv_name},
        "spec": {"capacity": {"storage": "2Gi"}, "accessModes": ["ReadWriteMany"],
                 "storageClassName": "manual", "persistentVolumeReclaimPolicy": "Retain",
                 "hostPath": {"path": "/tmp/" + pv_name},
                 "claimRef": None}})
    try:
        core.create_namespaced_persistent_volume_claim(namespace, {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "manual"},
            "spec": {"storageClassName": "manual", "accessModes": ["ReadWriteMany"],
                     "resources": {"requests": {"storage": "1Gi"}}}})
        pvcs = wait_for(core.list_namespaced_persistent_volume_claim,
                        lambda cs: cs and cs[0].status.phase == "Bound", namespace=namespace)
        assert pvcs[0].spec.volume_name == pv_name
    finally:
        core.delete_persistent_volume(pv_name)


def test_statefulset_claim_per_replica(cluster, namespace):
    apps, core = client.AppsV1Api(cluster), client.CoreV1Api(cluster)
    apps.create_namespaced_stateful_set(namespace, {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {"serviceName": "db", "replicas": 2, "selector": {"matchLabels": {"app": "db"}},
                 "template": {"metadata": {"labels": {"app": "db"}},
                              "spec": {"containers": [{"name": "db", "image": "nginx:1.27",
                                       "volumeMounts": [{"name": "data", "mountPath": "/d"}]}]}},
                 "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                     "accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}}]}})
    pvcs = wait_for(core.list_namespaced_persistent_volume_claim,
                    lambda cs: len(cs) == 2 and all(c.status.phase == "Bound" for c in cs),
                    namespace=namespace, timeout=120)
    assert sorted(c.metadata.name for c in pvcs) == ["data-db-0", "data-db-1"]
    pods = wait_for(core.list_namespaced_pod, lambda ps: len(ps) == 2 and all(map(_ready, ps)),
                    namespace=namespace, label_selector="app=db")
    assert sorted(p.metadata.name for p in pods) == ["db-0", "db-1"]
