"""``k8slab.apply`` against the real lab cluster: lines, dry run, diff, prune, wait, and every bad input.

Each test runs in its own namespace; the bad-input tests assert the message and
that nothing was applied.
"""

from __future__ import annotations

import secrets

import pytest

import k8slab
from k8slab.errors import ApplyError, NotFoundError, WaitTimeoutError

pytestmark = pytest.mark.cluster

CM = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  labels: {{app: web, k8slab.dev/test: "true"}}
data:
  key: {value}
"""

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: app
        image: {image}
"""

SVC = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
"""


def deploy(replicas=2, image="nginx:1.27"):
    return DEPLOY.format(replicas=replicas, image=image)


@pytest.fixture
def sess(cluster):
    from k8slab.client.session import current

    return current()


def exists(sess, path: str) -> bool:
    try:
        sess.request("GET", path)
        return True
    except NotFoundError:
        return False


def test_created_unchanged_configured(namespace, sess):
    cell = "---\n".join([CM.format(name="cfg", value="a"), deploy(), SVC])
    res = k8slab.apply(cell, namespace=namespace)
    assert str(res) == "configmap/cfg created\ndeployment.apps/web created\nservice/web created"
    assert [o["metadata"]["namespace"] for o in res.objects] == [namespace] * 3
    again = k8slab.apply(cell, namespace=namespace)
    assert str(again) == "configmap/cfg unchanged\ndeployment.apps/web unchanged\nservice/web unchanged"
    changed = k8slab.apply(cell.replace("replicas: 2", "replicas: 3"), namespace=namespace)
    assert str(changed) == "configmap/cfg unchanged\ndeployment.apps/web configured\nservice/web unchanged"
    live = sess.request("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/web")
    assert live["spec"]["replicas"] == 3
    assert any(f["manager"] == "k8slab" and f["operation"] == "Apply" for f in live["metadata"]["managedFields"])


def test_dry_run_applies_nothing(namespace, sess):
    res = k8slab.apply(CM.format(name="dry", value="a") + "---\n" + deploy(), namespace=namespace, dry_run=True)
    assert str(res) == ("configmap/dry created (server dry run)\n"
                        "deployment.apps/web created (server dry run)")
    assert not exists(sess, f"/api/v1/namespaces/{namespace}/configmaps/dry")
    assert not exists(sess, f"/apis/apps/v1/namespaces/{namespace}/deployments/web")


def test_list_kind_is_expanded(namespace, sess):
    items = "".join("- " + CM.format(name=n, value="v").replace("\n", "\n  ").rstrip() + "\n" for n in "ab")
    res = k8slab.apply("apiVersion: v1\nkind: List\nitems:\n" + items, namespace=namespace)
    assert str(res) == "configmap/a created\nconfigmap/b created"


def test_all_or_nothing_reports_every_failure(namespace, sess):
    bad_deploy = deploy().replace("  selector:\n    matchLabels: {app: web}\n", "")
    typo = deploy().replace("kind: Deployment", "kind: Deploymnet").replace("name: web", "name: web2")
    cell = "---\n".join([CM.format(name="first", value="a"), bad_deploy, typo])
    with pytest.raises(ApplyError) as exc:
        k8slab.apply(cell, namespace=namespace)
    msg = str(exc.value)
    assert msg.startswith("Nothing was applied: 2 of 3 objects failed the server dry run.")
    assert 'document 2 (cell, line 9): Deployment "web":' in msg
    assert "spec.selector" in msg and "Required value" in msg
    assert 'document 3 (cell, line 23): Deploymnet "web2":' in msg
    assert "did you mean 'Deployment' (apps/v1)?" in msg
    assert len(exc.value.failures) == 2
    assert not exists(sess, f"/api/v1/namespaces/{namespace}/configmaps/first")


def test_version_not_served_names_the_served_one(namespace, sess):
    ingress = ("apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n"
               "  defaultBackend:\n    service: {name: web, port: {number: 80}}\n")
    with pytest.raises(ApplyError) as exc:
        k8slab.apply(ingress, namespace=namespace)
    assert "networking.k8s.io/v1" in str(exc.value)
    assert 'no matches for kind "Ingress" in version "extensions/v1beta1"' in str(exc.value)


def test_unknown_field_is_reported_with_its_line(namespace, sess):
    with pytest.raises(ApplyError) as exc:
        k8slab.apply(deploy().replace("replicas: 2", "replica: 2"), namespace=namespace)
    assert "spec.replica (line 6)" in str(exc.value)
    assert not exists(sess, f"/apis/apps/v1/namespaces/{namespace}/deployments/web")


def test_immutable_selector_says_delete_and_reapply(namespace, sess):
    k8slab.apply(deploy(), namespace=namespace)
    changed = deploy().replace("{app: web}", "{app: web2}")
    with pytest.raises(ApplyError) as exc:
        k8slab.apply(changed, namespace=namespace)
    msg = str(exc.value)
    assert "field is immutable" in msg
    assert f"delete it and apply again (%k8s delete deployment.apps/web -n {namespace})" in msg
    live = sess.request("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/web")
    assert live["spec"]["selector"] == {"matchLabels": {"app": "web"}}


def test_missing_namespace_says_how_to_create_it(cluster, sess):
    ns = f"k8slab-test-missing-{secrets.token_hex(3)}"
    with pytest.raises(ApplyError) as exc:
        k8slab.apply(CM.format(name="x", value="a"), namespace=ns)
    msg = str(exc.value)
    assert f'namespace "{ns}" does not exist' in msg
    assert f"kind: Namespace\n    metadata:\n      name: {ns}" in msg
    assert not exists(sess, f"/api/v1/namespaces/{ns}")


def _ns_doc(name):
    return f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels: {{k8slab.dev/test: 'true'}}\n"


@pytest.fixture
def extra_namespace(sess):
    name = f"k8slab-test-{secrets.token_hex(3)}"
    yield name
    try:
        sess.request("DELETE", f"/api/v1/namespaces/{name}")
    except NotFoundError:
        pass


def test_namespace_declared_in_the_same_cell_goes_first(extra_namespace, sess):
    ns = extra_namespace
    cell = CM.format(name="inside", value="a").replace("metadata:\n", f"metadata:\n  namespace: {ns}\n") \
        + "---\n" + _ns_doc(ns)
    res = k8slab.apply(cell)
    assert str(res) == f"configmap/inside created\nnamespace/{ns} created"
    assert exists(sess, f"/api/v1/namespaces/{ns}/configmaps/inside")


def test_dry_run_with_a_namespace_of_the_same_cell(extra_namespace, sess):
    ns = extra_namespace
    cell = _ns_doc(ns) + "---\n" + CM.format(name="inside", value="a").replace(
        "metadata:\n", f"metadata:\n  namespace: {ns}\n")
    res = k8slab.apply(cell, dry_run=True)
    assert str(res) == (f"namespace/{ns} created (server dry run)\n"
                        f'configmap/inside created (server dry run) (not checked: namespace "{ns}" is created'
                        " by this apply)")
    assert not exists(sess, f"/api/v1/namespaces/{ns}")


def test_failure_inside_a_new_namespace_rolls_the_namespace_back(extra_namespace, sess):
    ns = extra_namespace
    bad = deploy().replace("  selector:\n    matchLabels: {app: web}\n", "").replace(
        "metadata:\n  name: web", f"metadata:\n  name: web\n  namespace: {ns}")
    with pytest.raises(ApplyError) as exc:
        k8slab.apply(_ns_doc(ns) + "---\n" + bad)
    msg = str(exc.value)
    assert "spec.selector" in msg and f"namespace/{ns} deleted again (this apply had created it)" in msg
    try:
        live = sess.request("GET", f"/api/v1/namespaces/{ns}")
        assert live["status"]["phase"] == "Terminating"
    except NotFoundError:
        pass


def test_conflict_names_the_other_manager_and_force_takes_over(namespace, sess):
    k8slab.apply(deploy(replicas=2), namespace=namespace)
    assert str(k8slab.scale("deploy/web", replicas=4, namespace=namespace)) == "deployment.apps/web scaled"
    with pytest.raises(ApplyError) as exc:
        k8slab.apply(deploy(replicas=3), namespace=namespace)
    msg = str(exc.value)
    assert '"k8slab-scale" owns spec.replicas (line 6)' in msg
    assert "--force-conflicts" in msg
    live = sess.request("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/web")
    assert live["spec"]["replicas"] == 4
    res = k8slab.apply(deploy(replicas=3), namespace=namespace, force_conflicts=True)
    assert str(res) == "deployment.apps/web configured"
    assert res.objects[0]["spec"]["replicas"] == 3


def test_diff_shows_changes_without_applying(namespace, sess):
    k8slab.apply(deploy(image="nginx:1.27"), namespace=namespace)
    res = k8slab.apply(deploy(image="nginx:1.28") + "---\n" + SVC, namespace=namespace, diff=True)
    text = str(res)
    assert f"--- live/deployment.apps/web\n+++ merged/deployment.apps/web" in text
    assert "-      - image: nginx:1.27\n+      - image: nginx:1.28" in text
    assert "--- /dev/null\n+++ merged/service/web" in text
    assert "resourceVersion" not in text and "managedFields" not in text and "uid:" not in text
    assert text.endswith("2 of 2 objects would change; nothing was applied.")
    live = sess.request("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/web")
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert not exists(sess, f"/api/v1/namespaces/{namespace}/services/web")


def test_secret_values_are_never_shown(namespace, sess):
    secret = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2-{v}\n")
    res = k8slab.apply(secret.format(v="a"), namespace=namespace)
    assert "hunter2" not in str(res) and "hunter2" not in repr(res)
    d = k8slab.apply(secret.format(v="b"), namespace=namespace, diff=True)
    assert "hunter2" not in str(d) and "aHVudGVy" not in str(d)
    assert "*** (changed)" in str(d)


def test_prune_deletes_what_the_cell_no_longer_declares(namespace, sess):
    k8slab.apply(CM.format(name="a", value="one") + "---\n" + CM.format(name="b", value="one"), namespace=namespace)
    d = k8slab.apply(CM.format(name="a", value="one"), namespace=namespace, prune=True,
                     selector="k8slab.dev/test=true", diff=True)
    assert "--- live/configmap/b\n+++ /dev/null" in str(d)
    assert str(d).endswith("1 of 2 objects would change; nothing was applied.")
    res = k8slab.apply(CM.format(name="a", value="one"), namespace=namespace, prune=True,
                       selector="k8slab.dev/test=true")
    assert str(res) == "configmap/a unchanged\nconfigmap/b pruned"
    assert not exists(sess, f"/api/v1/namespaces/{namespace}/configmaps/b")
    assert exists(sess, f"/api/v1/namespaces/{namespace}/configmaps/a")


def test_a_number_where_a_string_belongs_says_to_quote_it(namespace, sess):
    with pytest.raises(ApplyError) as exc:
        k8slab.apply(CM.format(name="n", value="1"), namespace=namespace)
    assert 'data.key (line 7): expected a string, got 1: quote it ("1")' in str(exc.value)


def test_prune_without_selector_is_refused(namespace):
    from k8slab.errors import UsageError

    with pytest.raises(UsageError, match="--prune needs a label selector"):
        k8slab.apply(CM.format(name="a", value="one"), namespace=namespace, prune=True)


def test_wait_blocks_until_ready(namespace, sess):
    seen = []
    res = k8slab.apply(deploy(replicas=2) + "---\n" + SVC, namespace=namespace, wait=60, progress=seen.append)
    live = sess.request("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/web")
    assert live["status"].get("availableReplicas") == 2
    assert str(res) == "deployment.apps/web created\nservice/web created"
    assert seen[-1] == "✓ all 2 objects are ready"


def test_wait_timeout_names_what_is_not_ready_and_why(namespace, sess):
    # A real kubelet shows a crashing container running, and its pod Ready, for the moment before
    # it exits: without minReadySeconds that moment makes the pod available and the rollout
    # complete. KWOK's crash stages never make it ready; minReadySeconds changes nothing there.
    crash = deploy(replicas=1, image="busybox").replace(
        "        image: busybox\n", '        image: busybox\n        command: ["sh", "-c", "exit 1"]\n').replace(
        "spec:\n  replicas:", "spec:\n  minReadySeconds: 10\n  replicas:")
    assert "minReadySeconds: 10" in crash
    with pytest.raises(WaitTimeoutError) as exc:
        k8slab.apply(crash + "---\n" + SVC, namespace=namespace, wait=8, progress=lambda s: None)
    msg = str(exc.value)
    assert msg.startswith("Timed out after 8s waiting for 1 of 2 objects to be ready:")
    assert 'deployment.apps/web: Waiting for deployment "web" rollout to finish' in msg
    assert "pod web-" in msg and "container app: " in msg
    assert "exit code 1" in msg or "CrashLoopBackOff" in msg, msg
    assert "Ready: service/web" in msg
    assert msg.endswith("The apply itself went through:\ndeployment.apps/web created\nservice/web created")


def test_files_and_directories(namespace, sess, tmp_path):
    (tmp_path / "b.yaml").write_text(CM.format(name="b", value="one"))
    (tmp_path / "a.yaml").write_text(CM.format(name="a", value="one"))
    (tmp_path / "other").mkdir()
    one = tmp_path / "other" / "one.yml"
    one.write_text(CM.format(name="c", value="one"))
    res = k8slab.apply(files=[str(tmp_path)], namespace=namespace)
    assert str(res) == "configmap/a created\nconfigmap/b created"
    assert str(k8slab.apply(files=str(one), namespace=namespace)) == "configmap/c created"


def test_namespace_flag_conflicting_with_the_object(namespace, sess):
    doc = CM.format(name="a", value="one").replace("metadata:\n", "metadata:\n  namespace: other\n")
    with pytest.raises(ApplyError, match='sets namespace "other" but -n/namespace= is'):
        k8slab.apply(doc, namespace=namespace)


def test_crd_and_its_objects_in_one_cell(namespace, sess):
    group = f"t{secrets.token_hex(3)}.k8slab.dev"
    crd = f"""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.{group}
  labels: {{k8slab.dev/test: "true"}}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: widgets, singular: widget, kind: Widget}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {{type: object, properties: {{size: {{type: integer}}}}}}
---
apiVersion: {group}/v1
kind: Widget
metadata:
  name: w1
spec:
  size: 3
"""
    try:
        res = k8slab.apply(crd, namespace=namespace)
        assert str(res) == (f"customresourcedefinition.apiextensions.k8s.io/widgets.{group} created\n"
                            f"widget.{group}/w1 created")
        w = sess.request("GET", f"/apis/{group}/v1/namespaces/{namespace}/widgets/w1")
        assert w["spec"] == {"size": 3}
    finally:
        try:
            sess.request("DELETE", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.{group}")
        except NotFoundError:
            pass


def test_duplicate_objects_are_refused(namespace, sess):
    from k8slab.errors import ManifestError

    with pytest.raises(ManifestError, match="declared twice"):
        k8slab.apply(CM.format(name="a", value="one") + "---\n" + CM.format(name="a", value="2"), namespace=namespace)
    assert not exists(sess, f"/api/v1/namespaces/{namespace}/configmaps/a")


def test_objects_read_back_from_the_cluster_can_be_applied_again(namespace, sess, tmp_path):
    res = k8slab.apply(deploy(replicas=1), namespace=namespace)
    obj = res.objects[0]
    obj["spec"]["replicas"] = 2
    assert "managedFields" in obj["metadata"] and "resourceVersion" in obj["metadata"]
    assert str(k8slab.apply(obj)) == "deployment.apps/web configured"
    path = tmp_path / "cm.yaml"
    path.write_text(CM.format(name="p", value="one"))
    assert str(k8slab.apply(path, namespace=namespace)) == "configmap/p created"


def test_conflict_with_kubectl_names_each_manager(namespace, sess, kubeconfig):
    import subprocess

    from k8slab.engine import versions
    from k8slab.engine.paths import bin_dir

    kubectl = bin_dir("kubernetes", versions.KUBERNETES) / "kubectl"
    if not kubectl.exists():
        pytest.fail(f"kubectl is not built at {kubectl}; run: k8slab build kubectl")
    k8slab.apply(deploy(replicas=2), namespace=namespace)
    for args in (["set", "image", "deploy/web", "app=nginx:1.29"], ["scale", "deploy/web", "--replicas", "5"]):
        subprocess.run([str(kubectl), "--kubeconfig", kubeconfig, "-n", namespace, *args], check=True,
                       capture_output=True, timeout=60)
    with pytest.raises(ApplyError) as exc:
        k8slab.apply(deploy(replicas=2, image="nginx:1.30"), namespace=namespace)
    msg = str(exc.value)
    assert 'Apply conflict: other field managers own fields this YAML sets:' in msg
    assert '"kubectl-set" owns spec.template.spec.containers[name="app"].image (line 15)' in msg
    assert '"kubectl" owns spec.replicas (line 6)' in msg
    live = sess.request("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/web")
    assert live["spec"]["replicas"] == 5


COURSE = sorted(p.name for p in (__import__("pathlib").Path(__file__).parent.parent / "manifests").iterdir() if p.is_dir())


@pytest.mark.parametrize("directory", COURSE)
def test_course_manifests_pass_a_server_dry_run(namespace, directory):
    from pathlib import Path

    path = Path(__file__).parent.parent / "manifests" / directory
    try:
        res = k8slab.apply(files=[path], namespace=namespace, dry_run=True)
    except ApplyError as exc:  # a fixed nodePort is cluster-wide: a notebook may hold it right now
        if all("already allocated" in p.error for p in exc.failures):
            pytest.skip(f"a fixed nodePort of {directory} is in use elsewhere on the cluster")
        raise
    assert len(res) >= 1
    assert all(str(line).endswith("(server dry run)") for line in res)  # cluster-scoped ones may exist


def test_wait_for_a_job_a_pvc_and_the_pod_using_it(namespace, sess):
    cell = """\
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: pi, image: perl}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: user}
spec:
  containers: [{name: c, image: busybox}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
"""
    res = k8slab.apply(cell, namespace=namespace, wait=90, progress=lambda s: None)
    assert str(res) == "job.batch/pi created\npersistentvolumeclaim/data created\npod/user created"
    job = sess.request("GET", f"/apis/batch/v1/namespaces/{namespace}/jobs/pi")
    assert any(c["type"] == "Complete" and c["status"] == "True" for c in job["status"]["conditions"])
    pvc = sess.request("GET", f"/api/v1/namespaces/{namespace}/persistentvolumeclaims/data")
    assert pvc["status"]["phase"] == "Bound"
