"""Pure parts of the write side: diff rendering, error explanations, wait/check conditions."""

from __future__ import annotations

import copy

import pytest

from k8slab.api.apply import diff
from k8slab.api.apply.server_side import AppliedObject, ApplyResult
from k8slab.api.apply.errors import explain
from k8slab.api.watch.check import Condition as CheckCondition
from k8slab.api.args.duration import parse_duration
from k8slab.api.watch.wait import Condition as WaitCondition
from k8slab.errors import ApiError, ConflictError, InvalidError, UsageError
from k8slab.manifest import load_text

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx
"""


def live(**spec):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "n", "uid": "u-1", "resourceVersion": "7",
                         "creationTimestamp": "2026-01-01T00:00:00Z",
                         "managedFields": [{"manager": "k8slab"}]},
            "data": spec}


def test_diff_drops_bookkeeping_and_shows_the_change():
    old, new = live(a="1", b="2"), live(a="1", b="3")
    new["metadata"]["resourceVersion"] = "8"
    text = diff.render(old, new, "configmap/c")
    assert text.splitlines()[:2] == ["--- live/configmap/c", "+++ merged/configmap/c"]
    assert "-  b: '2'" in text and "+  b: '3'" in text
    for noise in ("uid", "resourceVersion", "managedFields", "creationTimestamp"):
        assert noise not in text


def test_diff_of_identical_objects_is_empty_and_new_objects_diff_from_dev_null():
    assert diff.render(live(a="1"), live(a="1"), "configmap/c") == ""
    assert diff.render(None, live(a="1"), "configmap/c").startswith("--- /dev/null\n+++ merged/configmap/c")
    assert not diff.changed(live(a="1"), live(a="1"))
    assert diff.changed(None, live(a="1"))


def test_diff_masks_secret_values_but_shows_which_changed():
    old = {"kind": "Secret", "metadata": {"name": "s"}, "data": {"pw": "b2xk", "user": "dXNlcg=="}}
    new = {"kind": "Secret", "metadata": {"name": "s"}, "data": {"pw": "bmV3", "user": "dXNlcg=="}}
    text = diff.render(old, new, "secret/s")
    assert "b2xk" not in text and "bmV3" not in text and "dXNlcg" not in text
    assert "+  pw: '*** (changed)'" in text
    assert "user: '***'" in text


def test_apply_result_lines_and_diff_summary():
    items = [AppliedObject("deployment.apps/web", "created"), AppliedObject("service/web", "unchanged", dry_run=True)]
    assert str(ApplyResult(items)) == "deployment.apps/web created\nservice/web unchanged (server dry run)"
    assert repr(ApplyResult(items)) == str(ApplyResult(items))
    d = ApplyResult([AppliedObject("configmap/c", "configured", diff="--- a\n+++ b"),
                     AppliedObject("configmap/d", "unchanged")], diff_mode=True)
    assert str(d) == "--- a\n+++ b\n\n1 of 2 objects would change; nothing was applied."
    assert str(ApplyResult([AppliedObject("configmap/d", "unchanged")], diff_mode=True)) == \
        "No changes: all 1 objects match the cluster."


def test_explain_validation_causes_with_lines():
    (m,) = load_text(DEPLOY)
    exc = InvalidError("x", status=422, reason="Invalid", causes=[
        {"field": "spec.selector", "message": "Required value"},
        {"field": "spec.template.spec.containers[0].image", "message": "Required value"}])
    assert explain(exc, m) == ("spec.selector (line 7): Required value\n"
                               "spec.template.spec.containers[0].image (line 15): Required value")


def test_explain_immutable_selector_says_delete_and_reapply():
    (m,) = load_text(DEPLOY)
    exc = InvalidError("x", status=422, causes=[{"field": "spec.selector", "message":
                       'Invalid value: v1.LabelSelector{...}: field is immutable'}])
    text = explain(exc, m, namespace="lab")
    assert "field is immutable" in text
    assert "delete it and apply again (%k8s delete deployment/web -n lab)" in text


def test_explain_shortens_huge_invalid_values():
    (m,) = load_text(DEPLOY.replace("kind: Deployment", "kind: Job").replace("apps/v1", "batch/v1"))
    exc = InvalidError("x", status=422, causes=[{"field": "spec.template", "message":
                       "Invalid value: {" + '"x": 1, ' * 100 + "}: field is immutable"}])
    first, hint = explain(exc, m).splitlines()
    assert first.endswith("…: field is immutable") and len(first) <= 120
    assert "delete it and apply again (%k8s delete job/web)" in hint


def test_explain_terminating_namespace_says_to_wait():
    (m,) = load_text(DEPLOY)
    exc = ApiError("x", status=403, causes=[{"field": "metadata.namespace",
                                             "message": "namespace lab is being terminated"}])
    assert explain(exc, m).splitlines()[1] == ("  it is being deleted: wait until it is gone"
                                               " (%k8s wait namespace/lab --for=delete --timeout 2m), then apply again.")


def test_explain_conflict_names_manager_fields_and_force():
    (m,) = load_text(DEPLOY)
    exc = ConflictError("Apply failed with 1 conflict", status=409, reason="Conflict", causes=[
        {"reason": "FieldManagerConflict", "message": 'conflict with "kubectl-scale" using apps/v1',
         "field": ".spec.replicas"}])
    text = explain(exc, m)
    assert '"kubectl-scale" owns spec.replicas (line 6)' in text
    assert "--force-conflicts" in text


def test_explain_missing_namespace_shows_how_to_create_it():
    (m,) = load_text(DEPLOY)
    exc = ApiError('Error from server (NotFound): namespaces "nope" not found', status=404)
    text = explain(exc, m)
    assert text.startswith('namespace "nope" does not exist.')
    assert "kind: Namespace" in text and "name: nope" in text


def test_explain_strict_field_validation():
    (m,) = load_text(DEPLOY.replace("replicas: 3", "replica: 3"))
    exc = ApiError("Error from server (BadRequest): failed to create typed patch object (n/web; apps/v1,"
                   " Kind=Deployment): .spec.replica: field not declared in schema", status=400)
    assert explain(exc, m).startswith("spec.replica (line 6): field not declared in schema (a typo?")


@pytest.mark.parametrize("text, seconds", [("30", 30), ("30s", 30), ("2m", 120), ("1m30s", 90), ("1h", 3600), (5, 5)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_parse_duration_rejects_garbage():
    with pytest.raises(UsageError, match="not a duration"):
        parse_duration("soon")


POD = {"kind": "Pod", "metadata": {"name": "p", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "a", "image": "nginx:1.27"}], "nodeName": "k8slab-worker"},
       "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                  "containerStatuses": [{"name": "a", "restartCount": 2}]}}


@pytest.mark.parametrize("spec, holds", [
    ("condition=Ready", True), ("condition=ready=false", False), ("jsonpath={.status.phase}=Running", True),
    ("jsonpath='{.status.phase}'=Pending", False), ("jsonpath={.spec.nodeName}", True),
    ("jsonpath={.status.podIP}", False), ("create", True), ("delete", False),
    ('jsonpath={.status.conditions[?(@.type=="Ready")].status}=True', True),
])
def test_wait_conditions(spec, holds):
    assert WaitCondition(spec).holds(POD) is holds


def test_wait_condition_delete_holds_when_gone_and_bad_spec():
    assert WaitCondition("delete").holds(None)
    with pytest.raises(UsageError, match="--for="):
        WaitCondition("ready")


@pytest.mark.parametrize("text, holds", [
    ("phase=Running", True), ("phase=Pending", False), ("ready", True), ("ready=true", True),
    ("restarts<3", True), ("restarts>=3", False), ("image=nginx:1.27", True), ("image!=nginx:1.27", False),
    ("labels.app=web", True), ("node=k8slab-worker", True), ("condition.Ready=True", True),
    ("spec.containers[0].name=a", True), ("{.status.phase}=Running", True), ("exists", True), ("absent", False),
])
def test_check_conditions(text, holds):
    assert CheckCondition(text).holds(POD) is holds


def test_check_condition_on_missing_object_and_bad_syntax():
    assert CheckCondition("absent").holds(None)
    assert not CheckCondition("exists").holds(None)
    with pytest.raises(UsageError, match="KEY=VALUE"):
        CheckCondition("replicas")


def test_check_replica_keys_on_a_deployment():
    d = {"kind": "Deployment", "spec": {"replicas": 3}, "status": {"readyReplicas": 1}}
    assert CheckCondition("replicas=3").holds(d)
    assert not CheckCondition("ready=3").holds(d)
    assert CheckCondition("ready=3").found(d) == 1
    assert CheckCondition("available=0").holds(d)  # a missing status count is 0


@pytest.mark.parametrize("name", ["apply", "delete", "scale", "rollout", "wait", "check"])
def test_public_write_names_resolve_to_functions(name):
    import k8slab

    fn = getattr(k8slab, name)
    assert callable(fn) and fn.__module__ == k8slab._LAZY[name] and fn.__module__.startswith("k8slab.api.")
    assert "Example" in fn.__doc__


def test_check_status_keys_wait_for_the_controller_to_see_the_spec():
    d = {"kind": "Deployment", "metadata": {"generation": 3}, "spec": {"replicas": 2},
         "status": {"observedGeneration": 2, "readyReplicas": 2, "updatedReplicas": 2}}
    assert not CheckCondition("ready=2").holds(d)
    assert not CheckCondition("updated=2").holds(d)
    assert CheckCondition("replicas=2").holds(d)  # spec: no controller needed
    d["status"]["observedGeneration"] = 3
    assert CheckCondition("ready=2").holds(d) and CheckCondition("updated=2").holds(d)
    assert not CheckCondition("ready=2").holds({"kind": "Deployment", "metadata": {"generation": 1},
                                                "spec": {}, "status": {"readyReplicas": 2}})


def test_check_type_of_a_secret_and_a_service():
    assert CheckCondition("type=Opaque").holds({"kind": "Secret", "type": "Opaque"})
    assert CheckCondition("type=NodePort").holds({"kind": "Service", "spec": {"type": "NodePort"}})


def _stored(rv="7", status=None, managed=None, **data):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "resourceVersion": rv,
                         "managedFields": managed or [{"manager": "k8slab", "operation": "Apply"}]},
            "data": data, **({"status": status} if status is not None else {})}


def test_a_dry_run_without_resource_version_creates():
    from k8slab.api.apply import live as apply_live

    assert apply_live.would_create({"metadata": {"name": "c", "uid": "u"}})
    assert not apply_live.would_create(_stored())


def test_noop_only_when_nothing_but_the_status_moved():
    from k8slab.api.apply import live as apply_live

    assert apply_live.is_noop(_stored(a="1"), _stored(a="1"))
    assert not apply_live.is_noop(None, _stored(a="1"))
    assert not apply_live.is_noop(_stored(a="1"), _stored(a="2"))
    # a controller wrote the status after the dry run: the apply still changes nothing
    status_mgr = {"manager": "kcm", "operation": "Update", "subresource": "status"}
    newer = _stored("9", {"ready": 1}, [{"manager": "k8slab", "operation": "Apply"}, status_mgr], a="1")
    assert apply_live.is_noop(newer, _stored(a="1"))
    # the apply would take ownership of fields: not a no-op, even with equal values
    other = _stored(managed=[{"manager": "someone", "operation": "Update"}], a="1")
    assert not apply_live.is_noop(other, _stored(a="1"))
    # someone else changed metadata meanwhile: apply for real
    labelled = _stored("9", a="1")
    labelled["metadata"]["labels"] = {"x": "y"}
    assert not apply_live.is_noop(labelled, _stored(a="1"))


def test_clean_leaves_the_object_alone():
    obj = {"kind": "Deployment", "status": {"ready": 1},
           "metadata": {"name": "w", "resourceVersion": "3", "managedFields": [{"manager": "k8slab"}],
                        "annotations": {"deployment.kubernetes.io/revision": "1", "team": "a"}},
           "spec": {"replicas": 2}}
    before = copy.deepcopy(obj)
    out = diff.clean(obj)
    assert out == {"kind": "Deployment", "metadata": {"name": "w", "annotations": {"team": "a"}},
                   "spec": {"replicas": 2}}
    assert obj == before
    obj["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "1"}
    assert "annotations" not in diff.clean(obj)["metadata"]
    obj["metadata"]["annotations"] = None
    assert "annotations" not in diff.clean(obj)["metadata"]
