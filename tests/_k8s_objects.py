"""Helpers for the read-verb tests: create objects through the client session, wait by watching."""

from __future__ import annotations

import os
import time

from k8slab.client import session as S
from k8slab.client.kubeconfig import LAB_CONTEXTS, _Merged
from k8slab.client.reflector import Reflector
from k8slab.engine.paths import kubeconfig_path


def pin_lab_context() -> str:
    """Use the main lab context for these tests, whatever current-context other tests leave behind.

    ``K8SLAB_TEST_CONTEXT`` chooses another one.
    """
    S.reset()
    wanted = os.environ.get("K8SLAB_TEST_CONTEXT")
    if not wanted:
        defined = _Merged([str(kubeconfig_path())]).contexts
        wanted = next((c for c in LAB_CONTEXTS if c in defined), None)
    return S.use(context=wanted).context


def create(ns: str | None, obj: dict) -> dict:
    """POST ``obj`` (a dict manifest) into namespace ``ns``."""
    s = S.current()
    info = s.resolve_kind(obj["apiVersion"], obj["kind"])
    return s.request("POST", s.path(info, ns if info.namespaced else None), body=obj)


def wait_for(ns: str | None, api_version: str, kind: str, name: str, predicate, timeout: float = 60) -> dict:
    """Watch one object until ``predicate(obj)`` holds; fail after ``timeout`` seconds."""
    s = S.current()
    info = s.resolve_kind(api_version, kind)
    path = s.path(info, ns if info.namespaced else None)
    found = {}

    def seen(*_):
        for o in w.items.values():
            found["last"] = o
            if predicate(o):
                found["ok"] = o
                w.stop()

    w = Reflector(path, field_selector=f"metadata.name={name}", on_event=seen, on_sync=seen, session=s)
    w.run(time.monotonic() + timeout)
    if "ok" in found:
        return found["ok"]
    last = found.get("last")
    raise AssertionError(f"{kind} {name} did not reach the condition in {timeout}s; last: {last and last.get('status')}")


def deployment(name: str, replicas: int = 2, image: str = "nginx:1.27", labels: dict | None = None) -> dict:
    labels = labels or {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": image,
                                                           "ports": [{"containerPort": 80}]}]}}}}


def deployment_ready(replicas: int):
    def ok(o):
        st = o.get("status") or {}
        return st.get("readyReplicas") == replicas and st.get("updatedReplicas") == replicas \
            and st.get("observedGeneration") == o["metadata"]["generation"]
    return ok


def make_web(ns: str, name: str = "web", replicas: int = 2) -> dict:
    """A Deployment with ``replicas`` ready pods, plus a Service, a ConfigMap and a Secret."""
    create(ns, deployment(name, replicas))
    create(ns, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 80}]}})
    create(ns, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{name}-config", "labels": {"app": name}},
                "data": {"greeting": "hello", "multi": "a\nb\n"}})
    create(ns, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"{name}-secret"},
                "stringData": {"password": "s3cr3t-value"}})
    return wait_for(ns, "apps/v1", "Deployment", name, deployment_ready(replicas), timeout=90)


def shell():
    """The test process's in-process IPython shell with the extension loaded.

    ``globalipapp.start_ipython()`` returns the shell only on its first call
    (``None`` afterwards); other test modules call it in their fixtures, so it
    is made to return the shell every time.
    """
    from IPython.testing import globalipapp

    original = getattr(globalipapp.start_ipython, "__wrapped__", globalipapp.start_ipython)
    original()
    from IPython import get_ipython

    def start_ipython():
        original()
        return get_ipython()

    start_ipython.__wrapped__ = original
    globalipapp.start_ipython = start_ipython
    ip = get_ipython()
    if "k8s" not in ip.magics_manager.magics["line"]:
        ip.run_line_magic("load_ext", "k8slab")
    return ip


def require_real_nodes() -> None:
    """Skip unless the lab cluster runs containers; with ``K8SLAB_EXPECT_REAL_NODES=1`` (CI on the
    real-node engine) fail instead, since a skip there would hide a broken engine."""
    import pytest

    import k8slab

    pin_lab_context()
    if not k8slab.runs_containers():
        if os.environ.get("K8SLAB_EXPECT_REAL_NODES") == "1":
            pytest.fail("K8SLAB_EXPECT_REAL_NODES=1 but every node of the lab cluster is simulated")
        pytest.skip("the lab cluster simulates its pods (start it with: k8slab up --engine local)")
