"""``%unload_ext k8slab`` stops the watches of every widget it started."""

from __future__ import annotations

import threading

import pytest
from kubernetes import client

from _k8s_objects import pin_lab_context, shell

pytestmark = pytest.mark.cluster


def _k8slab_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if "k8slab" in t.name and t.is_alive()]


def test_unload_ext_closes_widget_watches(cluster, namespace):
    client.AppsV1Api(cluster).create_namespaced_deployment(namespace, {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "w", "image": "nginx"}]}}}})
    ip = shell()
    ip.run_line_magic("load_ext", "k8slab")
    pin_lab_context()
    w = ip.run_line_magic("k8s", f"scale deploy/web -n {namespace} --widget")
    assert w.model.wait_until(lambda: w.model.connection == "live", 30), w.model.connection
    assert _k8slab_threads(), "the widget should be watching"
    ip.run_line_magic("unload_ext", "k8slab")
    for t in [t for t in threading.enumerate() if "k8slab" in t.name]:
        t.join(timeout=5)
    assert _k8slab_threads() == []
    assert w.model.closed
    ip.run_line_magic("load_ext", "k8slab")  # leave the shell as the other tests expect it
