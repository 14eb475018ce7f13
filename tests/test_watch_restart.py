"""The lab cluster's kube-apiserver restarts during a watch: reconnect, show it, lose no update.

Stops only the apiserver component of the shared cluster and always starts it again.
"""

from __future__ import annotations

import time

import pytest
from kubernetes import client
from test_watch import Recorder

from k8slab.api.watch import FAILED, RECONNECTING, ResourceWatch
from k8slab.widgets import ScaleModel

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

CLUSTER = "k8slab"


@pytest.fixture
def sess(cluster, namespace):
    from k8slab.client import session as s

    s.reset()
    yield s.use(namespace=namespace)
    s.reset()


def _retry(fn, timeout=90):
    """Call ``fn`` until the restarted apiserver answers (there is nothing to watch while it is down)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except Exception:  # noqa: BLE001 - connection refused / 503 while it starts
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_watch_and_widget_survive_an_apiserver_restart(sess, namespace, cluster):
    from k8slab.engine.kwok import start_component, stop_component

    core, apps = client.CoreV1Api(cluster), client.AppsV1Api(cluster)
    apps.create_namespaced_deployment(namespace, {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}})
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    rec, gone = Recorder(), Recorder()
    w = ResourceWatch(path, on_event=rec.on_event, on_state=rec.on_state, session=sess).start()
    # a watch that gives up quickly: "the cluster went away" ends in a clear failed state, thread gone
    quick = ResourceWatch(path, on_state=gone.on_state, session=sess, give_up_after=2.0).start()
    m = ScaleModel("deploy/web", namespace)
    try:
        assert w.wait_synced(20) and quick.wait_synced(20)
        assert m.wait_until(lambda: m.ready == 1 and m.connection == "live", 60)
        core.create_namespaced_config_map(namespace, {"metadata": {"name": "c0"}})
        rec.wait(lambda: "c0" in rec.names("ADDED"))

        stop_component(CLUSTER, "kube-apiserver")
        try:
            rec.wait(lambda: RECONNECTING in rec.states, 30)
            assert m.wait_until(lambda: m.connection == "reconnecting…", 30), m.connection
            gone.wait(lambda: FAILED in gone.states, 30)
            quick.stop()
            assert not quick.alive
            assert "Cannot reach" in quick.error and "k8slab up" in quick.error
        finally:
            start_component(CLUSTER, "kube-apiserver")

        # writes right after the restart, possibly before the watches are back: none may be lost
        _retry(lambda: core.create_namespaced_config_map(namespace, {"metadata": {"name": "c1"}},
                                                         _request_timeout=5))
        for i in range(2, 6):
            core.create_namespaced_config_map(namespace, {"metadata": {"name": f"c{i}"}})
        core.patch_namespaced_config_map("c0", namespace, {"data": {"after": "restart"}})
        apps.patch_namespaced_deployment_scale("web", namespace, {"spec": {"replicas": 2}})

        rec.wait(lambda: all(f"c{i}" in rec.names("ADDED") for i in range(1, 6))
                 and "c0" in rec.names("MODIFIED"), 90)
        assert w.items[f"{namespace}/c0"]["data"] == {"after": "restart"}
        assert w.reconnects >= 1 and w.alive
        assert rec.states[-1] == "watching"
        assert m.wait_until(lambda: m.desired == 2 and m.ready == 2 and m.connection == "live", 90), (
            m.connection, m.summary())
        assert m.replicas == 2 and not m.error
    finally:
        w.stop()
        quick.stop()
        m.close()
    assert not w.alive and m.threads_alive == 0
