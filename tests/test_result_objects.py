"""Every verb's result keeps its objects under one name, ``.objects`` (a list of dicts)."""

from __future__ import annotations

import pytest

import k8slab
from k8slab.api.output.formats import api_objects

from _k8s_objects import pin_lab_context

pytestmark = [pytest.mark.cluster]


def _kinds(result) -> list[str]:
    objs = result.objects
    assert isinstance(objs, list) and all(isinstance(o, dict) for o in objs), type(result)
    return [o["kind"] for o in objs]


def test_each_verb_result_has_objects(web):
    pin_lab_context()
    ns = web
    table = k8slab.get("deploy/web", namespace=ns)  # a plain table asks the server for its cells only
    assert table.objects is None or _kinds(table) == ["Deployment"]
    assert _kinds(k8slab.get("deploy/web", namespace=ns, sort_by=".metadata.name")) == ["Deployment"]
    assert _kinds(k8slab.get("deploy/web", namespace=ns, output="yaml")) == ["Deployment"]
    assert set(_kinds(k8slab.get("pods", namespace=ns, output="json"))) == {"Pod"}
    assert _kinds(k8slab.describe("deploy/web", namespace=ns)) == ["Deployment"]
    assert _kinds(k8slab.check("deploy/web", "spec.replicas>=1", namespace=ns)) == ["Deployment"]
    tree = _kinds(k8slab.tree("deploy/web", namespace=ns))
    assert tree[0] == "Deployment" and "ReplicaSet" in tree and "Pod" in tree
    applied = k8slab.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: objs}\ndata: {a: b}\n", namespace=ns)
    assert _kinds(applied) == ["ConfigMap"]
    made = k8slab.create("configmap", "objs2", namespace=ns, from_literal=["a=b"])
    assert _kinds(made) == ["ConfigMap"]
    # delete keeps the objects the server answers with: a pod (graceful deletion) comes back whole,
    # a ConfigMap is answered with a Status only
    assert _kinds(k8slab.delete("configmap/objs", "configmap/objs2", namespace=ns)) == []
    k8slab.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: objs-pod}\nspec:\n  terminationGracePeriodSeconds: 0\n"
                 "  containers: [{name: c, image: 'busybox:1.36', command: [sleep, '3600']}]\n", namespace=ns)
    assert _kinds(k8slab.delete("pod/objs-pod", namespace=ns, wait=False)) == ["Pod"]


def test_api_objects_finds_objects_in_any_shape():
    pod = {"kind": "Pod", "metadata": {"name": "a"}}
    assert api_objects(pod) == [pod]
    assert api_objects({"kind": "PodList", "metadata": {}, "items": [pod, pod]}) == [pod, pod]
    assert api_objects([pod, "text", 3]) == [pod]
    assert api_objects({"object": pod, "children": [{"object": pod, "children": []}]}) == [pod, pod]
    assert api_objects("plain text") == [] and api_objects(None) == []
