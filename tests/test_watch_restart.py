"""Connection loss during a watch, against the real lab cluster: reconnect, show it, lose no update.

Two outages:

- a TCP proxy of our own between the watches and the API server is cut, the cluster
  changes meanwhile (writes go straight to the server), then the proxy comes back;
- the lab cluster's kube-apiserver itself is stopped and started again
  (``k8slab.engine.kwok.stop_component``/``start_component``; always restarted).
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import yaml
from kubernetes import client
from test_watch import Recorder

from k8slab.api.watch.informer import FAILED, RECONNECTING, ResourceWatch
from k8slab.errors import EngineError
from k8slab.widgets import ScaleModel

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

CLUSTER = "k8slab"


class Proxy:
    """A TCP forwarder on a fixed local port; ``cut()`` drops every connection and refuses new ones."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = None
        self._lsock = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port or 0))
        ls.listen(16)
        self.port = ls.getsockname()[1]
        self._lsock = ls
        threading.Thread(target=self._accept, args=(ls,), daemon=True).start()

    def _accept(self, ls) -> None:
        while True:
            try:
                c, _ = ls.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(self.upstream, timeout=5)
                u.settimeout(None)
            except OSError:
                c.close()
                continue
            with self._lock:
                self._conns += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a, b) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        try:
            self._lsock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self._lsock.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


@pytest.fixture
def proxied(cluster, namespace, kubeconfig, tmp_path, monkeypatch):
    """A session whose connections go through a :class:`Proxy` to the lab API server."""
    from urllib.parse import urlparse

    from k8slab.client import session as S

    kc = yaml.safe_load(open(kubeconfig))
    ctx = next(c for c in kc["contexts"] if c["name"] == "kwok-k8slab")["context"]
    cl = next(c for c in kc["clusters"] if c["name"] == ctx["cluster"])["cluster"]
    u = urlparse(cl["server"])
    proxy = Proxy((u.hostname, u.port))
    proxy.start()
    cl["server"] = f"{u.scheme}://{u.hostname}:{proxy.port}"  # same IP: the certificate still matches
    kc["current-context"] = "kwok-k8slab"
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(kc))
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(path))
    S.reset()
    sess = S.use(context="kwok-k8slab", namespace=namespace)
    assert sess.server.endswith(f":{proxy.port}")
    yield sess, proxy
    proxy.cut()
    S.reset()


def _deployment():
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}


def test_connection_cut_resumes_from_resource_version_and_loses_no_update(proxied, namespace, cluster):
    sess, proxy = proxied
    core, apps = client.CoreV1Api(cluster), client.AppsV1Api(cluster)
    apps.create_namespaced_deployment(namespace, _deployment())
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    rec, gone = Recorder(), Recorder()
    w = ResourceWatch(path, on_event=rec.on_event, on_state=rec.on_state, session=sess).start()
    quick = ResourceWatch(path, on_state=gone.on_state, session=sess, give_up_after=1.0).start()
    m = ScaleModel("deploy/web", namespace, session=sess)
    lost = ScaleModel("deploy/web", namespace, session=sess, give_up_after=1.0)
    try:
        assert w.wait_synced(20) and quick.wait_synced(20)
        assert m.wait_until(lambda: m.ready == 1 and m.connection == "live", 60), m.connection
        assert lost.wait_until(lambda: lost.connection == "live", 60)
        core.create_namespaced_config_map(namespace, {"metadata": {"name": "c0"}})
        rec.wait(lambda: "c0" in rec.names("ADDED"))

        proxy.cut()
        rec.wait(lambda: RECONNECTING in rec.states, 30)
        assert m.wait_until(lambda: m.connection == "reconnecting…", 30), m.connection
        # the cluster changes while the watches are cut off
        for i in range(1, 6):
            core.create_namespaced_config_map(namespace, {"metadata": {"name": f"c{i}"}})
        core.patch_namespaced_config_map("c0", namespace, {"data": {"during": "outage"}})
        core.delete_namespaced_config_map("c1", namespace)
        apps.patch_namespaced_deployment_scale("web", namespace, {"spec": {"replicas": 2}})
        # "the cluster is gone" for longer than give_up_after: a clear final state, no thread left
        gone.wait(lambda: FAILED in gone.states, 30)
        assert not quick.alive and "Cannot reach" in quick.error and "k8slab up" in quick.error
        # …and a widget model says so, then lets all its threads end
        assert lost.wait_until(lambda: lost.connection == "lost", 30), lost.connection
        assert "Cannot reach" in lost.error and lost.error in lost.summary()
        for t in [x._thread for x in lost._watches.values()]:
            t.join(5)
        assert lost.threads_alive == 0

        proxy.start()
        rec.wait(lambda: all(f"c{i}" in rec.names("ADDED") for i in range(1, 6))
                 and "c0" in rec.names("MODIFIED") and "c1" in rec.names("DELETED"), 60)
        assert w.items[f"{namespace}/c0"]["data"] == {"during": "outage"}
        assert f"{namespace}/c1" not in w.items
        assert w.reconnects >= 1 and w.relists == 0  # resumed from its resourceVersion, no relist
        rec.wait(lambda: rec.states[-1] == "watching")
        assert m.wait_until(lambda: m.desired == 2 and m.ready == 2 and m.connection == "live", 60), (
            m.connection, m.summary())
        assert m.replicas == 2 and not m.error
    finally:
        w.stop()
        quick.stop()
        m.close()
        lost.close()
    assert not w.alive and m.threads_alive == 0


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


def test_apiserver_restart_during_a_watch(cluster, namespace):
    from k8slab.client import session as S
    from k8slab.engine.kwok import start_component, stop_component

    from _k8s_objects import pin_lab_context

    pin_lab_context()
    sess = S.use(namespace=namespace)
    core, apps = client.CoreV1Api(cluster), client.AppsV1Api(cluster)
    apps.create_namespaced_deployment(namespace, _deployment())
    rec = Recorder()
    w = ResourceWatch(f"/api/v1/namespaces/{namespace}/configmaps", on_event=rec.on_event,
                      on_state=rec.on_state, session=sess).start()
    m = ScaleModel("deploy/web", namespace, session=sess)
    try:
        assert w.wait_synced(20)
        assert m.wait_until(lambda: m.ready == 1 and m.connection == "live", 60)
        try:
            stop_component(CLUSTER, "kube-apiserver")
        except EngineError as e:
            pytest.skip(f"the engine cannot stop one component of the lab cluster, so the apiserver "
                        f"was not restarted ({str(e)[:160]}); the proxy test covers the reconnect")
        try:
            rec.wait(lambda: RECONNECTING in rec.states, 30)
            assert m.wait_until(lambda: m.connection == "reconnecting…", 30), m.connection
        finally:
            try:
                start_component(CLUSTER, "kube-apiserver")
            except EngineError:  # leave a working cluster for the tests after this one
                from k8slab.engine import cluster as lab

                lab.up(CLUSTER, echo=lambda _line: None)
                raise
        _retry(lambda: core.create_namespaced_config_map(namespace, {"metadata": {"name": "c1"}},
                                                         _request_timeout=5))
        for i in range(2, 6):
            core.create_namespaced_config_map(namespace, {"metadata": {"name": f"c{i}"}})
        apps.patch_namespaced_deployment_scale("web", namespace, {"spec": {"replicas": 2}})
        rec.wait(lambda: all(f"c{i}" in rec.names("ADDED") for i in range(1, 6)), 90)
        assert w.reconnects >= 1 and w.alive
        assert m.wait_until(lambda: m.desired == 2 and m.ready == 2 and m.connection == "live", 90), (
            m.connection, m.summary())
    finally:
        w.stop()
        m.close()
        S.reset()
