"""A value given to a widget before its first list answered is kept and applied (issue 12):
``w = ScaleWidget("deployment/web", namespace=ns); w.model.replicas = 4`` in one cell scales to 4."""

from __future__ import annotations

import pytest
from kubernetes import client

from k8slab.widgets import ScaleModel, ScaleWidget, close_all

pytestmark = pytest.mark.cluster

T = 60


@pytest.fixture
def sess(cluster, namespace):
    from _k8s_objects import pin_lab_context

    from k8slab.client import session as s

    pin_lab_context()
    yield s.use(namespace=namespace)
    close_all()
    s.reset()


@pytest.fixture
def held_lists(monkeypatch):
    """Every watch's first list waits until the test releases it: the value is then surely set
    before the first list answers (on a quiet machine it would be anyway; this makes it certain)."""
    import threading

    from k8slab.api.watch import informer as watch

    gate = threading.Event()
    real = watch.ResourceWatch._list

    def held(self, *args, **kwargs):
        gate.wait(10)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(watch.ResourceWatch, "_list", held)
    yield gate
    gate.set()


def _deployment(name: str, replicas: int) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}


def test_replicas_set_in_the_same_instant_as_the_widget_scales(sess, namespace, cluster, held_lists):
    apps = client.AppsV1Api(cluster)
    apps.create_namespaced_deployment(namespace, _deployment("web", 1))
    w = ScaleWidget("deployment/web", namespace=namespace); loaded = not getattr(w.model, "_first_list_pending", True); w.model.replicas = 4  # noqa: E702
    m = w.model
    try:
        assert not loaded, "the first list answered before the value was set: this test proves nothing"
        assert m.replicas == 4 and m.pending  # kept, not replaced by the live value
        held_lists.set()
        assert m.wait_until(lambda: m.desired == 4 and not m.pending, T), m.summary()
        assert apps.read_namespaced_deployment("web", namespace).spec.replicas == 4
        assert m.replicas == 4 and w.slider.value == 4 and m.error == ""
    finally:
        w.close()
    assert m.threads_alive == 0


def test_replicas_set_before_the_first_list_of_a_missing_object_says_not_found(sess, namespace, held_lists):
    m = ScaleModel("deployment/nope", namespace); loaded = not getattr(m, "_first_list_pending", True); m.replicas = 2  # noqa: E702
    try:
        assert not loaded
        held_lists.set()
        assert m.wait_until(lambda: bool(m.error) and not m.pending, T), m.connection
        assert m.error == f"deployment/nope not found in namespace {namespace}."
        assert m.replicas == 0 and not m.exists
    finally:
        m.close()


def test_a_bad_count_before_the_first_list_is_refused_at_once(sess, namespace, cluster):
    client.AppsV1Api(cluster).create_namespaced_deployment(namespace, _deployment("web", 2))
    m = ScaleModel("deployment/web", namespace, max_replicas=5); m.replicas = 9  # noqa: E702
    try:
        assert "more than this widget allows (5)" in m.error
        assert m.wait_until(lambda: m.exists and m.replicas == 2, T)  # back to the live value
    finally:
        m.close()
