"""Unit tests of describe's text, from canned objects."""

from __future__ import annotations

from k8slab.api.read.describe import replicaset_lines, summarize

DEPLOY = {"kind": "Deployment", "apiVersion": "apps/v1",
          "metadata": {"name": "web", "namespace": "lab", "uid": "d1", "labels": {"app": "web"},
                       "annotations": {"deployment.kubernetes.io/revision": "2"},
                       "creationTimestamp": "2026-11-26T01:00:00Z"},
          "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}},
          "status": {"replicas": 4, "updatedReplicas": 2, "readyReplicas": 3, "availableReplicas": 3,
                     "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}]}}


def _rs(name, rev, replicas, created, owner="d1"):
    return {"metadata": {"name": name, "annotations": {"deployment.kubernetes.io/revision": rev},
                         "ownerReferences": [{"uid": owner, "controller": True}]},
            "spec": {"replicas": replicas}, "status": {"replicas": created}}


def test_replicaset_lines_mid_rollout():
    lines = replicaset_lines(DEPLOY, [_rs("web-new", "2", 2, 2), _rs("web-old", "1", 2, 2),
                                      _rs("web-older", "0", 0, 0), _rs("other", "2", 1, 1, owner="x")])
    assert lines == ["OldReplicaSets: web-old (2/2 replicas created)",
                     "NewReplicaSet:  web-new (2/2 replicas created)"]


def test_summary_sections_in_order():
    text = summarize(DEPLOY, [], related=["NewReplicaSet:  web-new (2/2 replicas created)"])
    lines = text.splitlines()
    assert lines[0] == "Name:         web" and lines[1] == "Namespace:    lab"
    assert "Replicas:     3 desired | 2 updated | 4 total | 3 ready | 3 available" in lines
    assert lines.index("Conditions:") < lines.index("NewReplicaSet:  web-new (2/2 replicas created)") \
        < lines.index("Events:       <none>")
    assert "      Image:          nginx:1.27" in lines


def test_secret_summary_masks_unless_asked():
    secret = {"kind": "Secret", "apiVersion": "v1", "type": "Opaque",
              "metadata": {"name": "s", "namespace": "lab"}, "data": {"pw": "c2VjcmV0"}}
    assert "pw:  <hidden: 6 bytes>" in summarize(secret, None)
    assert "pw:  c2VjcmV0" in summarize(secret, None, show_secrets=True)
