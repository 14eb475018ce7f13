"""Widget models and views against the real lab cluster: scale, rollout, table, bad input."""

from __future__ import annotations

import html
import time

import pytest
from kubernetes import client

from k8slab.widgets import RolloutModel, RolloutWatcher, ScaleModel, ScaleWidget, TableModel, close_all

pytestmark = pytest.mark.cluster

T = 60  # seconds any single wait may take on the shared 2-core machine


@pytest.fixture
def sess(cluster, namespace):
    from _k8s_objects import pin_lab_context

    from k8slab.client import session as s

    pin_lab_context()  # other tests may leave another current-context behind
    yield s.use(namespace=namespace)
    assert close_all() >= 0
    s.reset()


def deployment(name="web", replicas=1, image="nginx:1.27", command=None, labels=None):
    labels = labels or {"app": name}
    container = {"name": "app", "image": image}
    if command:
        container["command"] = command
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "progressDeadlineSeconds": 600,
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}}


@pytest.fixture
def apps(cluster):
    return client.AppsV1Api(cluster)


def _ready_pods(model) -> int:
    return sum(1 for p in model.pods if p["state"] == "Ready")


def test_scale_model_replicas_scales_the_deployment(sess, namespace, apps):
    apps.create_namespaced_deployment(namespace, deployment(replicas=1))
    m = ScaleModel("deploy/web", namespace, debounce=0.05)
    try:
        assert m.wait_until(lambda: m.exists and m.replicas == 1, T)
        m.replicas = 3
        assert m.wait_until(lambda: m.desired == 3 and m.ready == 3 and _ready_pods(m) == 3, T), m.summary()
        assert apps.read_namespaced_deployment("web", namespace).spec.replicas == 3
        assert m.wait(T)
        assert m.summary() == "deployment/web scaled: 3 desired, 3 ready"
        m.replicas = 1
        assert m.wait_until(lambda: m.ready == 1 and len(m.pods) == 1, T), m.pods
        assert apps.read_namespaced_deployment("web", namespace).spec.replicas == 1
    finally:
        m.close()
    assert m.threads_alive == 0


def test_scale_widget_slider_and_box_drive_the_cluster_and_chips_follow(sess, namespace, apps):
    apps.create_namespaced_deployment(namespace, deployment(replicas=2))
    w = ScaleWidget("deploy/web", namespace, debounce=0.05)
    m = w.model
    try:
        assert m.wait_until(lambda: m.ready == 2, T)
        assert w.slider.value == 2 and w.number.value == 2
        w.slider.value = 4
        assert m.wait_until(lambda: m.ready == 4 and _ready_pods(m) == 4, T), m.summary()
        assert apps.read_namespaced_deployment("web", namespace).spec.replicas == 4
        assert w.chips.value.count('data-state="Ready"') == 4
        assert w.number.value == 4
        w.number.value = 1
        assert m.wait_until(lambda: m.ready == 1 and len(m.pods) == 1, T), m.pods
        assert w.slider.value == 1
        # a change made elsewhere (kubectl scale) moves the slider, and does not scale back
        apps.patch_namespaced_deployment_scale("web", namespace, {"spec": {"replicas": 3}})
        assert m.wait_until(lambda: m.ready == 3, T)
        assert w.slider.value == 3 and w.number.value == 3 and not m.pending
        assert apps.read_namespaced_deployment("web", namespace).spec.replicas == 3
    finally:
        w.close()
    assert m.threads_alive == 0


def test_scale_debounces_a_burst_into_one_write(sess, namespace, apps):
    apps.create_namespaced_deployment(namespace, deployment(replicas=1))
    m = ScaleModel("deploy/web", namespace, debounce=0.3)
    try:
        assert m.wait_until(lambda: m.exists, T)
        gen0 = apps.read_namespaced_deployment("web", namespace).metadata.generation
        for n in (2, 3, 4, 5):  # a slider drag
            m.replicas = n
        assert m.wait_until(lambda: m.desired == 5 and not m.pending, T)
        assert apps.read_namespaced_deployment("web", namespace).metadata.generation == gen0 + 1
    finally:
        m.close()


@pytest.mark.parametrize("value, message", [(-1, "0 or more"), (2**31, "API's limit"), (500, "max_replicas")])
def test_scale_rejects_bad_counts_and_returns_to_the_live_value(sess, namespace, apps, value, message):
    apps.create_namespaced_deployment(namespace, deployment(replicas=2))
    w = ScaleWidget("deploy/web", namespace, debounce=0.05)
    m = w.model
    try:
        assert m.wait_until(lambda: m.desired == 2 and m.exists, T)
        w.number.value = value
        assert message in m.error
        assert m.replicas == 2 and w.number.value == 2 and w.slider.value == 2
        assert html.escape(message) in w.message.value
        assert apps.read_namespaced_deployment("web", namespace).spec.replicas == 2
    finally:
        w.close()


@pytest.mark.parametrize("target, message", [
    ("deploy/nope", "deployment/nope not found"),
    ("deploymnets/web", 'did you mean "deployments"'),
    ("configmap/web", "scale works on deployments, replicasets, statefulsets, not on configmaps"),
    ("web", "expected TYPE/NAME"),
])
def test_scale_bad_targets_show_a_clear_state(sess, namespace, target, message):
    w = ScaleWidget(target, namespace)
    m = w.model
    try:
        assert m.wait_until(lambda: bool(m.error), 10), m.connection
        assert message in m.error
        assert html.escape(message) in w.message.value
        assert w.slider.disabled
        assert m.error in m.summary()
        m.replicas = 3  # no traceback, nothing sent
        assert m.error
    finally:
        w.close()
    assert m.threads_alive == 0


def test_scale_object_deleted_during_watch(sess, namespace, apps):
    apps.create_namespaced_deployment(namespace, deployment(replicas=1))
    m = ScaleModel("deploy/web", namespace)
    try:
        assert m.wait_until(lambda: m.exists, T)
        apps.delete_namespaced_deployment("web", namespace)
        assert m.wait_until(lambda: not m.exists, T)
        assert "was deleted" in m.error
        m.replicas = 2
        assert "was deleted" in m.error and m.replicas == m.desired
    finally:
        m.close()
    assert m.threads_alive == 0


def test_scale_statefulset(sess, namespace, apps):
    sts = deployment("db", replicas=1)
    sts["kind"] = "StatefulSet"
    sts["spec"]["serviceName"] = "db"
    del sts["spec"]["progressDeadlineSeconds"]
    apps.create_namespaced_stateful_set(namespace, sts)
    m = ScaleModel("sts/db", namespace, debounce=0.05)
    try:
        assert m.wait_until(lambda: m.ready == 1, T)
        m.replicas = 2
        assert m.wait(T), m.summary()
        assert m.summary() == "statefulset/db scaled: 2 desired, 2 ready"
        assert sorted(p["name"] for p in m.pods) == ["db-0", "db-1"]
    finally:
        m.close()


def test_scale_replicaset_counts_only_its_own_pods(sess, namespace, apps, cluster):
    rs = deployment("front", replicas=1)
    rs["kind"] = "ReplicaSet"
    del rs["spec"]["progressDeadlineSeconds"]
    apps.create_namespaced_replica_set(namespace, rs)
    # a pod with the same labels but another controller is not the ReplicaSet's: no chip for it
    core = client.CoreV1Api(cluster)
    owner = core.create_namespaced_config_map(namespace, {"metadata": {"name": "owner"}})
    core.create_namespaced_pod(namespace, {
        "metadata": {"name": "stray", "labels": {"app": "front"}, "ownerReferences": [
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid, "controller": True}]},
        "spec": {"containers": [{"name": "c", "image": "x"}]}})
    m = ScaleModel("rs/front", namespace, debounce=0.05)
    try:
        assert m.wait_until(lambda: m.ready == 1, T)
        m.replicas = 2
        assert m.wait(T), m.summary()
        assert m.summary() == "replicaset/front scaled: 2 desired, 2 ready"
        assert len(m.pods) == 2 and "stray" not in [p["name"] for p in m.pods]
    finally:
        m.close()


def test_rollout_image_change_completes_with_the_new_revision(sess, namespace, apps):
    apps.create_namespaced_deployment(namespace, deployment(replicas=3))
    w = RolloutWatcher("deploy/web", namespace, timeout=T)
    m = w.model
    try:
        assert m.wait(T) == "complete"
        assert m.revision == 1
        apps.patch_namespaced_deployment("web", namespace, {"spec": {"template": {"spec": {
            "containers": [{"name": "app", "image": "nginx:1.28"}]}}}})
        assert m.wait(T) == "complete", (m.state, m.reason)
        assert m.revision == 2
        assert m.summary() == "deployment/web rolled out: revision 2, 3/3 updated, 3 ready, 3 available"
        new = [r for r in m.rows if r["new"]]
        assert len(new) == 1 and new[0]["revision"] == 2 and new[0]["images"] == ["nginx:1.28"]
        assert m.progress == 1.0
        assert "complete" in w.state.value and "nginx:1.28" in w.table.value
        assert any(c["type"] == "Available" and c["status"] == "True" for c in m.conditions)
        assert m.wait_until(lambda: any("ScalingReplicaSet" in e for e in m.events), T), m.events
    finally:
        w.close()
    assert m.threads_alive == 0


def test_rollout_crashlooping_new_pods_fail_with_the_reason(sess, namespace, apps):
    apps.create_namespaced_deployment(namespace, deployment(replicas=2))
    m = RolloutModel("deploy/web", namespace)
    try:
        assert m.wait(T) == "complete"
        # A real kubelet shows a crashing container running, and its pod Ready, for the moment
        # before it exits: without minReadySeconds those moments make the new pods available and
        # the rollout complete. KWOK's crash stages never make them ready.
        apps.patch_namespaced_deployment("web", namespace, {"spec": {"minReadySeconds": 10, "template": {"spec": {
            "containers": [{"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "exit 1"]}]}}}})
        assert m.wait(T) == "failed", (m.state, m.reason)
        assert m.revision == 2
        assert "CrashLoopBackOff" in m.reason or "Error" in m.reason
        assert "container app" in m.reason
        assert m.summary().startswith("deployment/web rollout failed: revision 2, a new pod is failing: container app ")
    finally:
        m.close()


def test_rollout_progress_deadline_exceeded_fails(sess, namespace, apps):
    d = deployment(replicas=1)
    d["spec"]["progressDeadlineSeconds"] = 1
    d["spec"]["template"]["spec"]["nodeSelector"] = {"k8slab.dev/no-such-node": "x"}  # Pending forever
    apps.create_namespaced_deployment(namespace, d)
    w = RolloutWatcher("deploy/web", namespace)
    m = w.model
    try:
        assert m.wait(T) == "failed", (m.state, m.reason)
        assert 'deployment "web" exceeded its progress deadline' in m.reason
        assert "failed" in w.state.value and "#c62828" in w.state.value  # in red
        assert m.summary().startswith("deployment/web rollout failed: revision 1")
    finally:
        w.close()


def test_rollout_bad_targets_and_deletion(sess, namespace, apps):
    for target, message in (("deploy/nope", "not found"), ("configmap/x", "works on deployments"),
                            ("pods", "expected TYPE/NAME")):
        m = RolloutModel(target, namespace)
        try:
            assert m.wait(10) == "failed"
            assert message in m.reason
        finally:
            m.close()
    apps.create_namespaced_deployment(namespace, deployment(replicas=1))
    m = RolloutModel("deploy/web", namespace)
    try:
        assert m.wait(T) == "complete"
        apps.delete_namespaced_deployment("web", namespace)
        assert m.wait_until(lambda: m.state == "failed", T)
        assert "deleted" in m.reason
    finally:
        m.close()
    assert m.threads_alive == 0


def test_rollout_statefulset_and_daemonset(sess, namespace, apps):
    sts = deployment("db", replicas=2)
    sts["kind"] = "StatefulSet"
    sts["spec"]["serviceName"] = "db"
    del sts["spec"]["progressDeadlineSeconds"]
    apps.create_namespaced_stateful_set(namespace, sts)
    ds = deployment("agent")
    ds["kind"] = "DaemonSet"
    del ds["spec"]["replicas"], ds["spec"]["progressDeadlineSeconds"]
    apps.create_namespaced_daemon_set(namespace, ds)
    ms, md = RolloutModel("sts/db", namespace), RolloutModel("ds/agent", namespace)
    try:
        assert ms.wait(T) == "complete", ms.reason
        assert md.wait(T) == "complete", md.reason
        apps.patch_namespaced_stateful_set("db", namespace, {"spec": {"template": {"spec": {
            "containers": [{"name": "app", "image": "nginx:1.28"}]}}}})
        assert ms.wait(T) == "complete", ms.reason
        assert ms.revision == 2
        assert [r["images"] for r in ms.rows if r["new"]] == [["nginx:1.28"]]
        assert ms.summary() == "statefulset/db rolled out: revision 2, 2/2 updated, 2 ready, 2 available"
        assert md.desired >= 1 and md.summary().startswith("daemonset/agent rolled out: revision 1")
    finally:
        ms.close()
        md.close()


def test_table_model_updates_rows_in_place(sess, namespace, cluster):
    core = client.CoreV1Api(cluster)
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "one"}, "data": {"a": "1"}})
    m = TableModel("cm", namespace=namespace)
    try:
        assert m.wait_until(lambda: any(r[0] == "one" for r in m.rows), T)
        assert m.columns[:2] == ["NAME", "DATA"]
        core.create_namespaced_config_map(namespace, {"metadata": {"name": "two"}, "data": {"a": "1", "b": "2"}})
        assert m.wait_until(lambda: any(r[:2] == ["two", 2] for r in m.rows), T), m.rows
        core.delete_namespaced_config_map("one", namespace)
        assert m.wait_until(lambda: not any(r[0] == "one" for r in m.rows), T)
        assert "two" in m.text() and m.text().startswith("NAME")
    finally:
        m.close()
    assert m.threads_alive == 0


def test_idle_watching_widget_uses_no_cpu(sess, namespace, apps, record_property):
    apps.create_namespaced_deployment(namespace, deployment(replicas=2))
    w = RolloutWatcher("deploy/web", namespace)
    s = ScaleWidget("deploy/web", namespace)
    try:
        assert w.model.wait(T) == "complete" and s.model.wait(T)
        time.sleep(1)  # let the last status events drain before measuring
        c0, t0 = time.process_time(), time.monotonic()
        time.sleep(5)  # measuring idle time is the point of this test
        cpu = time.process_time() - c0
        wall = time.monotonic() - t0
        record_property("idle_cpu_percent", round(100 * cpu / wall, 3))
        print(f"idle CPU of two watching widgets: {cpu * 1000:.1f} ms over {wall:.1f} s")
        assert cpu / wall < 0.01
    finally:
        w.close()
        s.close()


def test_model_update_latency_under_200ms(sess, namespace, apps, record_property):
    """Scale write answered → ScaleModel.desired updated (watch event → trait)."""
    import statistics

    apps.create_namespaced_deployment(namespace, deployment(replicas=0))
    m = ScaleModel("deploy/web", namespace)
    lat = []
    try:
        assert m.wait_until(lambda: m.exists, T)
        for n in (1, 0) * 5:
            t0 = time.monotonic()
            apps.patch_namespaced_deployment_scale("web", namespace, {"spec": {"replicas": n}})
            t1 = time.monotonic()
            assert m.wait_until(lambda: m.desired == n, 5)
            lat.append(max(0.0, m.last_update - t1) + (t1 - t0) / 2)
    finally:
        m.close()
    med = statistics.median(lat)
    record_property("model_update_latency_median_ms", round(med * 1000, 1))
    print(f"API event → model latency: median {med * 1000:.1f} ms, max {max(lat) * 1000:.1f} ms")
    assert med < 0.2
