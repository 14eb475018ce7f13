"""delete, scale, rollout and wait against the real lab cluster."""

from __future__ import annotations

import pytest

import k8slab
from k8slab.errors import K8sLabError, NotFoundError, UsageError, WaitTimeoutError

pytestmark = pytest.mark.cluster

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: app
        image: {image}
"""


def deploy(name="web", replicas=1, image="nginx:1.27"):
    return DEPLOY.format(name=name, replicas=replicas, image=image)


@pytest.fixture
def sess(cluster):
    from k8slab.client.session import current

    return current()


def live_deploy(sess, ns, name="web"):
    return sess.request("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/{name}")


def gone(sess, path):
    try:
        sess.request("GET", path)
        return False
    except NotFoundError:
        return True


def test_delete_by_name_waits_until_gone(namespace, sess):
    k8slab.apply(deploy() + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", namespace=namespace)
    res = k8slab.delete("deploy/web", "cm/c", namespace=namespace)
    assert str(res) == 'deployment.apps "web" deleted\nconfigmap "c" deleted'
    assert gone(sess, f"/apis/apps/v1/namespaces/{namespace}/deployments/web")
    assert gone(sess, f"/api/v1/namespaces/{namespace}/configmaps/c")


def test_delete_waits_for_the_deleted_object_not_its_name(namespace, sess, monkeypatch):
    """A StatefulSet makes pod web-0 again at once: the wait must accept a same-named pod with
    another uid (kubectl waits for the uid). The watch is shown the replacement first, as when
    it starts after the controller already made it."""
    import k8slab.api.write.delete as D

    k8slab.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: web-0}\n"
                 "spec: {containers: [{name: app, image: nginx:1.27}]}\n", namespace=namespace)
    old_uid = sess.request("GET", f"/api/v1/namespaces/{namespace}/pods/web-0")["metadata"]["uid"]
    seen = []

    def replacement_first(info, ns, name, check, deadline, on_change=None):
        other = {"metadata": {"name": name, "uid": "the-replacement"}}
        seen.append((check(other), check({"metadata": {"name": name, "uid": old_uid}}), check(None)))
        return seen[-1][0], other

    monkeypatch.setattr(D, "watch_until", replacement_first)
    assert str(k8slab.delete("pod/web-0", namespace=namespace, timeout="5s")) == 'pod "web-0" deleted'
    assert seen == [(True, False, True)]


def test_delete_by_label_and_from_yaml(namespace, sess):
    cms = "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {n}, labels: {{grp: x}}}}\n"
                  for n in ("a", "b"))
    k8slab.apply(cms + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\n", namespace=namespace)
    assert str(k8slab.delete("configmaps", selector="grp=x", namespace=namespace)) == \
        'configmap "a" deleted\nconfigmap "b" deleted'
    assert not gone(sess, f"/api/v1/namespaces/{namespace}/configmaps/keep")
    res = k8slab.delete(text="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\n", namespace=namespace)
    assert str(res) == 'configmap "keep" deleted'


def test_delete_missing_object(namespace):
    with pytest.raises(NotFoundError) as exc:
        k8slab.delete("cm/nope", namespace=namespace)
    assert 'configmaps "nope"' in str(exc.value) and "--ignore-not-found" in str(exc.value)
    assert str(k8slab.delete("cm/nope", namespace=namespace, ignore_not_found=True)) == ""


def test_scale_and_current_replicas_precondition(namespace, sess):
    k8slab.apply(deploy(replicas=1), namespace=namespace)
    assert str(k8slab.scale("deploy/web", replicas=3, namespace=namespace)) == "deployment.apps/web scaled"
    assert live_deploy(sess, namespace)["spec"]["replicas"] == 3
    with pytest.raises(K8sLabError, match=r"has 3 replicas, not 2 \(--current-replicas\)"):
        k8slab.scale("deploy/web", replicas=1, current_replicas=2, namespace=namespace)
    assert live_deploy(sess, namespace)["spec"]["replicas"] == 3
    k8slab.scale("deployment", "web", replicas=0, current_replicas=3, namespace=namespace)
    assert live_deploy(sess, namespace)["spec"]["replicas"] == 0


def test_scale_refuses_types_without_scale(namespace):
    k8slab.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", namespace=namespace)
    with pytest.raises(UsageError, match="cannot be scaled"):
        k8slab.scale("cm/c", replicas=2, namespace=namespace)


def test_rollout_status_history_undo(namespace, sess):
    k8slab.apply(deploy(image="nginx:1.26"), namespace=namespace)
    assert str(k8slab.rollout("status", "deploy/web", namespace=namespace, timeout=60,
                              progress=lambda s: None)) == 'deployment "web" successfully rolled out'
    k8slab.apply(deploy(image="nginx:1.27"), namespace=namespace, wait=60, progress=lambda s: None)
    hist = k8slab.rollout("history", "deploy/web", namespace=namespace)
    assert str(hist) == "deployment.apps/web\nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>"
    rev1 = k8slab.rollout("history", "deploy/web", namespace=namespace, revision=1)
    assert "with revision #1" in str(rev1) and "image: nginx:1.26" in str(rev1)
    assert str(k8slab.rollout("undo", "deploy/web", namespace=namespace)) == "deployment.apps/web rolled back"
    image = live_deploy(sess, namespace)["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "nginx:1.26"
    k8slab.rollout("status", "deploy/web", namespace=namespace, timeout=60, progress=lambda s: None)
    assert str(k8slab.rollout("undo", "deploy/web", namespace=namespace, to_revision=3)) == \
        "deployment.apps/web skipped rollback (current template already matches revision 3)"
    with pytest.raises(NotFoundError, match="unable to find the specified revision 9"):
        k8slab.rollout("undo", "deploy/web", namespace=namespace, to_revision=9)


def test_rollout_restart_pause_resume(namespace, sess):
    k8slab.apply(deploy(), namespace=namespace)
    assert str(k8slab.rollout("restart", "deploy/web", namespace=namespace)) == "deployment.apps/web restarted"
    ann = live_deploy(sess, namespace)["spec"]["template"]["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/restartedAt" in ann
    assert str(k8slab.rollout("pause", "deploy/web", namespace=namespace)) == "deployment.apps/web paused"
    assert live_deploy(sess, namespace)["spec"]["paused"] is True
    with pytest.raises(K8sLabError, match="already paused"):
        k8slab.rollout("pause", "deploy/web", namespace=namespace)
    with pytest.raises(K8sLabError, match="cannot roll back a paused deployment"):
        k8slab.rollout("undo", "deploy/web", namespace=namespace)
    assert str(k8slab.rollout("resume", "deploy/web", namespace=namespace)) == "deployment.apps/web resumed"
    assert not live_deploy(sess, namespace)["spec"].get("paused")


def test_rollout_refuses_other_kinds(namespace):
    with pytest.raises(UsageError, match="rollout pause works on deployments"):
        k8slab.rollout("pause", "sts/db", namespace=namespace)


def test_wait_for_condition_jsonpath_and_delete(namespace, sess):
    k8slab.apply(deploy(replicas=2), namespace=namespace)
    assert str(k8slab.wait("deploy/web", for_="condition=Available", namespace=namespace, timeout="60s")) == \
        "deployment.apps/web condition met"
    res = k8slab.wait("deploy/web", for_="jsonpath={.status.readyReplicas}=2", namespace=namespace, timeout=60)
    assert str(res) == "deployment.apps/web condition met"
    pods = k8slab.wait("pods", for_="condition=Ready", selector="app=web", namespace=namespace, timeout=60)
    assert len(pods) == 2 and all(line.endswith("condition met") for line in pods)
    k8slab.delete("deploy/web", namespace=namespace, wait=False)
    assert str(k8slab.wait("deploy/web", for_="delete", namespace=namespace, timeout=60)) == \
        "deployment.apps/web condition met"


def test_wait_timeout_says_what_was_found(namespace):
    k8slab.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n", namespace=namespace)
    with pytest.raises(WaitTimeoutError) as exc:
        k8slab.wait("cm/c", for_="jsonpath={.data.k}=w", namespace=namespace, timeout=1)
    assert str(exc.value) == ("timed out after 1s waiting for configmap/c (jsonpath={.data.k}=w):"
                              " found 'v', expected 'w'.")
    with pytest.raises(WaitTimeoutError, match="it has no Ready condition"):
        k8slab.wait("cm/c", for_="condition=Ready", namespace=namespace, timeout=1)


# images of the lab's local set, so real nodes (local engine) pull them too
STS_DS = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: "nginx:1.26"}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: "registry.k8s.io/pause:3.9"}]}
"""


def test_statefulset_and_daemonset_rollouts(namespace, sess):
    quiet = {"progress": lambda s: None}
    k8slab.apply(STS_DS, namespace=namespace, wait=60, **quiet)
    k8slab.apply(STS_DS.replace("nginx:1.26", "nginx:1.27").replace("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.10"),
                 namespace=namespace, wait=60, **quiet)
    assert str(k8slab.rollout("history", "sts/db", namespace=namespace)).splitlines()[2:] == \
        ["1         <none>", "2         <none>"]
    assert str(k8slab.rollout("undo", "sts/db", "ds/agent", namespace=namespace)) == \
        "statefulset.apps/db rolled back\ndaemonset.apps/agent rolled back"
    status = k8slab.rollout("status", "sts/db", "ds/agent", namespace=namespace, timeout=60, **quiet)
    assert str(status).splitlines()[1] == 'daemon set "agent" successfully rolled out'
    assert str(status).startswith("statefulset rolling update complete 2 pods at revision db-")
    sts = sess.request("GET", f"/apis/apps/v1/namespaces/{namespace}/statefulsets/db")
    ds = sess.request("GET", f"/apis/apps/v1/namespaces/{namespace}/daemonsets/agent")
    assert sts["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert ds["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.k8s.io/pause:3.9"
    assert str(k8slab.scale("sts/db", replicas=1, namespace=namespace, wait=60)) == "statefulset.apps/db scaled"
    pods = sess.request("GET", f"/api/v1/namespaces/{namespace}/pods", query={"labelSelector": "app=db"})
    assert [p["metadata"]["name"] for p in pods["items"] if not p["metadata"].get("deletionTimestamp")] == ["db-0"]
