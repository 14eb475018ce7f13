"""k8slab.api.watch.informer.ResourceWatch against the real lab cluster: list+watch, 410 relist, stop, latency."""

from __future__ import annotations

import statistics
import threading
import time

import pytest
from kubernetes import client

from k8slab.api.watch.informer import FAILED, RECONNECTING, ResourceWatch

pytestmark = pytest.mark.cluster


@pytest.fixture
def sess(cluster, namespace):
    from _k8s_objects import pin_lab_context

    from k8slab.client import session as s

    pin_lab_context()  # other tests may leave another current-context behind
    yield s.use(namespace=namespace)
    s.reset()


class Recorder:
    """Collects events and states; lets a test wait for a condition on them."""

    def __init__(self):
        self.events: list[tuple[float, str, dict]] = []
        self.states: list[str] = []
        self.cond = threading.Condition()

    def on_event(self, type_, obj):
        with self.cond:
            self.events.append((time.monotonic(), type_, obj))
            self.cond.notify_all()

    def on_state(self, state, detail):
        with self.cond:
            self.states.append(state)
            self.cond.notify_all()

    def names(self, type_=None):
        return [o["metadata"]["name"] for _, t, o in self.events if type_ is None or t == type_]

    def wait(self, pred, timeout=20):
        with self.cond:
            assert self.cond.wait_for(pred, timeout), (
                f"condition not met in {timeout}s; states={self.states} events={[(t, o['metadata']['name']) for _, t, o in self.events]}")


def _cm(name, value="1"):
    return {"metadata": {"name": name}, "data": {"v": value}}


def test_lists_then_streams_changes_in_order(sess, namespace, cluster):
    core = client.CoreV1Api(cluster)
    core.create_namespaced_config_map(namespace, _cm("before"))
    rec = Recorder()
    w = ResourceWatch(f"/api/v1/namespaces/{namespace}/configmaps", on_event=rec.on_event,
                      on_state=rec.on_state, label_selector=None, session=sess).start()
    try:
        assert w.wait_synced(10)
        assert "before" in rec.names("ADDED")
        core.create_namespaced_config_map(namespace, _cm("after"))
        core.patch_namespaced_config_map("after", namespace, {"data": {"v": "2"}})
        core.delete_namespaced_config_map("before", namespace)
        rec.wait(lambda: "before" in rec.names("DELETED"))
        seq = [(t, o["metadata"]["name"]) for _, t, o in rec.events if o["metadata"]["name"] != "kube-root-ca.crt"]
        assert seq == [("ADDED", "before"), ("ADDED", "after"), ("MODIFIED", "after"), ("DELETED", "before")]
        assert set(w.items) - {f"{namespace}/kube-root-ca.crt"} == {f"{namespace}/after"}
        assert w.items[f"{namespace}/after"]["data"] == {"v": "2"}
        assert rec.states[:2] == ["listing", "watching"]
    finally:
        w.stop()
    assert not w.alive


def test_stop_closes_the_connection_at_once(sess, namespace):
    w = ResourceWatch(f"/api/v1/namespaces/{namespace}/configmaps", session=sess, window=290).start()
    assert w.wait_synced(10)
    time.sleep(0.2)  # let the thread block in the watch read: that is the case stop() must unblock
    t0 = time.monotonic()
    w.stop()
    assert time.monotonic() - t0 < 1.0
    assert not w.alive and w.state == "stopped"


def test_resuming_from_a_resource_version_replays_what_happened_since(sess, namespace, cluster):
    """What a reconnect relies on: watching from the last RV seen delivers every later change.

    (410 Gone needs a compacted etcd, which a young lab cluster does not have: test_watch_unit.py
    covers the relist with a scripted server.)
    """
    core = client.CoreV1Api(cluster)
    rv = core.list_namespaced_config_map(namespace).metadata.resource_version
    core.create_namespaced_config_map(namespace, _cm("a"))
    core.patch_namespaced_config_map("a", namespace, {"data": {"v": "2"}})
    core.create_namespaced_config_map(namespace, _cm("b"))
    rec = Recorder()
    w = ResourceWatch(f"/api/v1/namespaces/{namespace}/configmaps", on_event=rec.on_event,
                      on_state=rec.on_state, session=sess, resource_version=rv)
    w.start()
    try:
        rec.wait(lambda: "b" in rec.names("ADDED"))
        # (the namespace's kube-root-ca.crt may be published after our snapshot: not ours)
        assert [(t, o["metadata"]["name"]) for _, t, o in rec.events if o["metadata"]["name"] != "kube-root-ca.crt"
                ] == [("ADDED", "a"), ("MODIFIED", "a"), ("ADDED", "b")]
        assert w.relists == 0 and "listing" not in rec.states
    finally:
        w.stop()


def test_bookmarks_only_advance_the_resource_version(sess, namespace):
    w = ResourceWatch(f"/api/v1/namespaces/{namespace}/configmaps", session=sess)
    w.resource_version = "5"
    w._handle_line(b'{"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"99"}}}')
    assert w.resource_version == "99" and w.events_seen == 0 and w.items == {}


def test_event_latency_under_200ms(sess, namespace, cluster, record_property):
    """API write answered → on_event called: the median must stay under 200 ms."""
    core = client.CoreV1Api(cluster)
    core.create_namespaced_config_map(namespace, _cm("lat"))
    rec = Recorder()
    w = ResourceWatch(f"/api/v1/namespaces/{namespace}/configmaps", on_event=rec.on_event,
                      field_selector="metadata.name=lat", session=sess).start()
    lat = []
    try:
        assert w.wait_synced(10)
        for i in range(15):
            n = len(rec.events)
            t0 = time.monotonic()
            core.patch_namespaced_config_map("lat", namespace, {"data": {"v": str(i)}})
            t1 = time.monotonic()
            rec.wait(lambda: len(rec.events) > n, timeout=5)
            # the event cannot be observed before the write was sent; count from the answer
            lat.append(max(0.0, rec.events[n][0] - t1) + (t1 - t0) / 2)
    finally:
        w.stop()
    med = statistics.median(lat)
    record_property("watch_event_latency_median_ms", round(med * 1000, 1))
    print(f"watch event latency: median {med * 1000:.1f} ms, max {max(lat) * 1000:.1f} ms")
    assert med < 0.2


def test_not_found_path_fails_without_retrying(sess, namespace):
    rec = Recorder()
    w = ResourceWatch(f"/apis/nope.example.com/v1/namespaces/{namespace}/things", on_state=rec.on_state,
                      session=sess).start()
    rec.wait(lambda: FAILED in rec.states, timeout=10)
    w.stop()
    assert RECONNECTING not in rec.states
    assert "NotFound" in w.error or "not found" in w.error.lower()
    assert not w.alive


def test_run_relists_when_the_server_answers_410_for_a_compacted_resource_version(sess, namespace, cluster):
    """The real API server's 410 Gone: a resourceVersion older than etcd's compaction is relisted."""
    from k8slab.client.reflector import Reflector

    client.CoreV1Api(cluster).create_namespaced_config_map(namespace, _cm("r"))
    syncs = []

    def on_sync(items):
        syncs.append(sorted(items))
        w.stop()

    w = Reflector(f"/api/v1/namespaces/{namespace}/configmaps", on_sync=on_sync, session=sess, resource_version="1")
    w.run(time.monotonic() + 20)
    if w.relists == 0:
        pytest.skip("etcd has not compacted yet (a young cluster keeps resourceVersion 1)")
    assert w.relists == 1 and f"{namespace}/r" in syncs[0]


def test_run_waits_in_the_callers_thread_for_a_change(sess, namespace, cluster):
    from k8slab.client.reflector import Reflector

    core = client.CoreV1Api(cluster)
    core.create_namespaced_config_map(namespace, _cm("w"))
    threading.Timer(0.5, lambda: core.patch_namespaced_config_map("w", namespace, {"data": {"v": "2"}})).start()

    def on_event(t, o):
        if t == "MODIFIED" and o["data"]["v"] == "2":
            w.stop()

    w = Reflector(f"/api/v1/namespaces/{namespace}/configmaps", field_selector="metadata.name=w",
                  on_event=on_event, session=sess)
    t0 = time.monotonic()
    w.run(time.monotonic() + 20)
    assert time.monotonic() - t0 < 10 and w.items[f"{namespace}/w"]["data"] == {"v": "2"}


def test_the_provisioner_watches_with_the_same_loop(cluster, namespace):
    """The engine's volume provisioner runs the client's Reflector on its own ApiClient."""
    from k8slab.client.reflector import Reflector
    from k8slab.engine.provisioner import Provisioner

    prov = Provisioner(cluster, "lab")
    got = threading.Event()
    seen = []

    def handler(pvc):
        seen.append(pvc["metadata"]["name"])
        got.set()

    w = prov.watch(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims", handler)
    try:
        assert isinstance(w, Reflector) and w.wait_synced(10)
        client.CoreV1Api(cluster).create_namespaced_persistent_volume_claim(namespace, {
            "metadata": {"name": "claim"}, "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "none",
                                                    "resources": {"requests": {"storage": "1Mi"}}}})
        assert got.wait(10) and seen[0] == "claim" and w.give_up_after == float("inf")
    finally:
        w.stop()
