"""label, annotate, patch and set image against the real lab cluster, and side by side with kubectl."""

from __future__ import annotations

import subprocess

import pytest

import k8slab
from k8slab.client import session as S
from k8slab.engine import versions
from k8slab.engine.paths import bin_dir
from k8slab.errors import InvalidError, K8sLabError, NotFoundError, UsageError

from _k8s_objects import create, deployment, pin_lab_context, shell

pytestmark = pytest.mark.cluster
KUBECTL = bin_dir("kubernetes", versions.KUBERNETES) / "kubectl"


@pytest.fixture
def ns(namespace):
    pin_lab_context()
    for name in ("a", "b"):
        create(namespace, {"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": name, "labels": {"app": "demo", "tier": "web"}}, "data": {"k": "v"}})
    return namespace


def meta(ns, name, field="labels"):
    obj = S.current().request("GET", f"/api/v1/namespaces/{ns}/configmaps/{name}")
    return obj["metadata"].get(field) or {}


def kubectl(*args) -> subprocess.CompletedProcess:
    from k8slab.engine.paths import kubeconfig_path

    return subprocess.run([str(KUBECTL), "--kubeconfig", str(kubeconfig_path()), "--context", S.current().context,
                           *args], capture_output=True, text=True, timeout=60)


# -- label / annotate ----------------------------------------------------------------------------------------


def test_label_lines_match_kubectl_step_by_step(ns):
    """The same edits on two equal objects, one by kubectl v1.37 and one by k8slab: the same lines."""
    if not KUBECTL.exists():
        pytest.fail(f"kubectl is not built at {KUBECTL}; run: k8slab build kubectl")
    steps = [["env=lab"], ["env=lab"], ["env=prod", "--overwrite"], ["env-"], ["env-"], ["tier-", "x=1"]]
    for step in steps:
        theirs = kubectl("label", "-n", ns, "configmap", "a", *step)
        assert theirs.returncode == 0, theirs.stderr
        words = [w for w in step if not w.startswith("--")]
        ours = k8slab.label("configmap", "b", *words, namespace=ns, overwrite="--overwrite" in step)
        assert str(ours) == theirs.stdout.rstrip("\n").replace("configmap/a", "configmap/b"), step
    assert meta(ns, "a") == meta(ns, "b") == {"app": "demo", "x": "1"}


def test_label_refuses_to_overwrite_and_changes_no_object(ns):
    k8slab.label("cm/b", "tier=db", namespace=ns, overwrite=True)
    with pytest.raises(K8sLabError) as err:
        k8slab.label("cm/a", "cm/b", "tier=cache", "new=1", namespace=ns)
    assert "'tier' already has a value (web) on configmap/a" in str(err.value)
    assert "'tier' already has a value (db) on configmap/b" in str(err.value)
    assert "nothing was labeled" in str(err.value)
    assert "new" not in meta(ns, "a") and "new" not in meta(ns, "b")
    res = k8slab.label("cm/a", "cm/b", "tier=cache", namespace=ns, overwrite=True)
    assert str(res) == "configmap/a labeled\nconfigmap/b labeled"
    assert meta(ns, "a")["tier"] == meta(ns, "b")["tier"] == "cache"


def test_label_by_selector_dry_run_and_list(ns):
    res = k8slab.label("configmaps", "seen=yes", namespace=ns, selector="app=demo", dry_run="server")
    assert str(res) == "configmap/a labeled (server dry run)\nconfigmap/b labeled (server dry run)"
    assert res.objects[0]["metadata"]["labels"]["seen"] == "yes"
    assert "seen" not in meta(ns, "a")  # a dry run stores nothing
    assert str(k8slab.label("cm/a", "tier-", namespace=ns, dry_run="client")) == "configmap/a unlabeled (dry run)"
    assert meta(ns, "a")["tier"] == "web"
    assert str(k8slab.label("cm/a", namespace=ns, list=True)) == "app=demo\ntier=web"


def test_label_bad_input_says_what(ns):
    with pytest.raises(UsageError, match="at least one label update is required"):
        k8slab.label("cm/a", namespace=ns)
    with pytest.raises(UsageError, match="can not both modify and remove 'x'"):
        k8slab.label("cm/a", "x=1", "x-", namespace=ns)
    with pytest.raises(UsageError, match="invalid label spec: a=b=c"):
        k8slab.label("cm/a", "a=b=c", namespace=ns)
    with pytest.raises(InvalidError, match='Invalid value: "Bad_"'):
        k8slab.label("cm/a", "Bad_=x", namespace=ns)
    with pytest.raises(NotFoundError, match='configmaps "nope" not found'):
        k8slab.label("cm/nope", "x=1", namespace=ns)


def test_annotate_values_may_hold_equals_and_removal(ns):
    assert str(k8slab.annotate("cm/a", "note=a=b c", namespace=ns)) == "configmap/a annotated"
    assert meta(ns, "a", "annotations")["note"] == "a=b c"
    with pytest.raises(K8sLabError, match="nothing was annotated"):
        k8slab.annotate("cm/a", "note=other", namespace=ns)
    k8slab.annotate("cm/a", "note-", namespace=ns)
    assert "note" not in meta(ns, "a", "annotations")


# -- patch ---------------------------------------------------------------------------------------------------


def test_patch_types_and_no_change(ns):
    assert str(k8slab.patch("cm/a", patch='{"data": {"k": "w"}}', namespace=ns)) == "configmap/a patched"
    assert str(k8slab.patch("cm/a", patch="data: {k: w}", namespace=ns)) == "configmap/a patched (no change)"
    k8slab.patch("cm/a", patch={"data": {"k": None, "m": "1"}}, type="merge", namespace=ns)
    k8slab.patch("cm/a", patch=[{"op": "add", "path": "/data/j", "value": "2"}], type="json", namespace=ns)
    obj = S.current().request("GET", f"/api/v1/namespaces/{ns}/configmaps/a")
    assert obj["data"] == {"m": "1", "j": "2"}


def test_patch_server_dry_run_changes_nothing_but_says_what_it_would(ns):
    res = k8slab.patch("cm/a", patch={"data": {"k": "dry"}}, namespace=ns, dry_run="server")
    assert str(res) == "configmap/a patched (server dry run)"
    assert res.objects[0]["data"]["k"] == "dry"
    assert S.current().request("GET", f"/api/v1/namespaces/{ns}/configmaps/a")["data"]["k"] == "v"


def test_patch_of_several_objects_is_all_or_nothing(ns):
    with pytest.raises(NotFoundError) as err:
        k8slab.patch("cm/a", "cm/nope", patch={"data": {"k": "x"}}, namespace=ns)
    assert "Nothing was patched" in str(err.value)
    assert S.current().request("GET", f"/api/v1/namespaces/{ns}/configmaps/a")["data"]["k"] == "v"


def test_patch_bad_input_says_what(ns):
    with pytest.raises(UsageError, match="is not valid JSON"):
        k8slab.patch("cm/a", patch='{"data": [', namespace=ns)
    with pytest.raises(UsageError, match="neither JSON nor YAML"):
        k8slab.patch("cm/a", patch='data: [', namespace=ns)
    with pytest.raises(UsageError, match="a json patch is a list of operations"):
        k8slab.patch("cm/a", patch={"data": {}}, type="json", namespace=ns)
    with pytest.raises(UsageError, match="one of them"):
        k8slab.patch("cm/a", namespace=ns)
    with pytest.raises(InvalidError, match="remove, replace and test need their path to exist"):
        k8slab.patch("cm/a", patch=[{"op": "remove", "path": "/data/zz"}], type="json", namespace=ns)


# -- set image -----------------------------------------------------------------------------------------------


def test_set_image_rolls_out_and_checks_container_names(ns):
    create(ns, deployment("web", replicas=1, image="nginx:1.27"))
    with pytest.raises(K8sLabError) as err:
        k8slab.set_image("deploy/web", "cm/a", "web=nginx:1.28", namespace=ns)
    text = str(err.value)
    assert "deployment.apps/web: unable to find container named 'web' (its containers: app)" in text
    assert "configmap/a: a ConfigMap is not a pod and has no pod template" in text
    assert text.endswith("Nothing was changed.")
    assert str(k8slab.set_image("deploy/web", "app=nginx:1.28", namespace=ns)) == "deployment.apps/web image updated"
    assert str(k8slab.set_image("deploy/web", "*=nginx:1.28", namespace=ns)) == "deployment.apps/web image unchanged"
    live = S.current().request("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert live["metadata"]["generation"] == 2  # a new rollout


def test_magics_label_patch_set_image(ns):
    ip = shell()
    create(ns, deployment("web", replicas=1, image="nginx:1.27"))
    assert str(ip.run_line_magic("k8s", f"label -n {ns} cm a b env=lab")) == \
        "configmap/a labeled\nconfigmap/b labeled"
    assert str(ip.run_line_magic("k8s", f"annotate -n {ns} cm/a 'note=hello world'")) == "configmap/a annotated"
    assert str(ip.run_cell_magic("k8s", f"patch -n {ns} deploy/web", "spec:\n  replicas: 2\n")) == \
        "deployment.apps/web patched"
    assert str(ip.run_line_magic("k8s", f"set image -n {ns} deploy/web app=nginx:1.28 -o name")) == \
        "deployment.apps/web"
    from IPython.core.error import UsageError as MagicUsage

    with pytest.raises(MagicUsage, match="only 'set image' is here"):
        ip.run_line_magic("k8s", f"set env -n {ns} deploy/web A=1")
    live = S.current().request("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    assert live["spec"]["replicas"] == 2
    assert meta(ns, "a", "annotations")["note"] == "hello world"


def test_set_image_reaches_a_cronjobs_template_and_init_containers(ns):
    k8slab.apply({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cj"},
                  "spec": {"schedule": "0 0 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                      "restartPolicy": "Never", "initContainers": [{"name": "init", "image": "busybox:1.36"}],
                      "containers": [{"name": "main", "image": "busybox:1.36"},
                                     {"name": "side", "image": "busybox:1.36"}]}}}}}}, namespace=ns)
    assert str(k8slab.set_image("cronjob/cj", "main=busybox:1.37", namespace=ns)) == "cronjob.batch/cj image updated"
    k8slab.set_image("cronjob/cj", "*=busybox:1.38", "main=busybox:1.37", namespace=ns)  # a name wins over *
    live = S.current().request("GET", f"/apis/batch/v1/namespaces/{ns}/cronjobs/cj")
    spec = live["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert [c["image"] for c in spec["initContainers"]] == ["busybox:1.38"]
    assert [c["image"] for c in spec["containers"]] == ["busybox:1.37", "busybox:1.38"]
