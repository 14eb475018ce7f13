"""The write verbs as magics, in a real in-process IPython shell (most tests against the lab cluster)."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output
from k8slab.errors import CheckFailedError


@pytest.fixture(scope="module")
def ip():
    from IPython import get_ipython
    from IPython.testing.globalipapp import start_ipython

    # start_ipython() returns the shell only the first time it is called in a process
    shell = start_ipython() or get_ipython()
    shell.run_line_magic("load_ext", "k8slab")
    return shell


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  v: {value}\n"


# -- without a cluster: the YAML is read before anything is sent ----------------------------

def test_yaml_error_is_a_usage_error_with_location(ip):
    with pytest.raises(UsageError) as exc:
        ip.run_cell_magic("k8s", "apply", CM.format(name="a", value="x") + "---\nkind: Pod\nmetadata:\n  name: [x\n")
    msg = str(exc.value)
    assert msg.startswith("YAML syntax error in document 2 (cell, line")
    assert "name: [x" in msg


def test_missing_kind_is_a_usage_error(ip):
    with pytest.raises(UsageError, match=r"document 1 \(cell, line 1\): the object has no kind"):
        ip.run_cell_magic("k8s", "apply", "apiVersion: v1\nmetadata: {name: x}\n")


def test_undefined_placeholder_names_the_variable(ip):
    ip.user_ns["replicas"] = 3
    with pytest.raises(UsageError) as exc:
        ip.run_cell_magic("k8s", "apply", CM.format(name="a", value="{{ replica }}"))
    assert "name 'replica' is not defined. Did you mean {{ replicas }}?" in str(exc.value)


def test_apply_without_yaml_or_with_both(ip, tmp_path):
    with pytest.raises(UsageError, match="needs YAML"):
        ip.run_line_magic("k8s", "apply")
    with pytest.raises(UsageError, match="not both"):
        ip.run_cell_magic("k8s", f"apply -f {tmp_path}", CM.format(name="a", value="x"))


def test_unknown_flag_shows_apply_usage(ip):
    with pytest.raises(UsageError, match=r"usage: %k8s apply"):
        ip.run_cell_magic("k8s", "apply --bogus", CM.format(name="a", value="x"))


def test_help_has_examples(ip):
    for verb in ("apply", "delete", "scale", "rollout", "wait", "check"):
        with capture_output() as cap:
            ip.run_line_magic("k8s", f"help {verb}")
        assert f"usage: %k8s {verb}" in cap.stdout and "Examples:" in cap.stdout


# -- against the cluster ----------------------------------------------------------------

@pytest.mark.cluster
def test_cell_apply_returns_a_result_kept_in_underscore(ip, namespace):
    ip.run_cell(f"%%k8s apply -n {namespace}\n" + CM.format(name="a", value="x"), store_history=True)
    res = ip.user_ns["_"]
    assert str(res) == "configmap/a created"
    assert res.objects[0]["data"] == {"v": "x"}
    with capture_output() as cap:
        ip.run_cell(f"%%k8s apply -n {namespace}\n" + CM.format(name="a", value="x"), store_history=True)
    assert cap.stdout.strip().endswith("configmap/a unchanged")


@pytest.mark.cluster
def test_ipython_expansion_never_touches_yaml_but_placeholders_do(ip, namespace):
    ip.user_ns.update({"x": "EXPANDED", "VAR": "EXPANDED", "evil": "y\nkind: Secret\nmetadata: {name: z}"})
    cell = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\ndata:\n"
            "  shell: 'echo $(VAR) ${HOME} {x} $x'\n  evil: {{ evil }}\n  name: cm-{{ x }}\n")
    res = ip.run_cell_magic("k8s", f"apply -n {namespace}", cell)
    data = res.objects[0]["data"]
    assert data["shell"] == "echo $(VAR) ${HOME} {x} $x"
    assert data["evil"] == "y\nkind: Secret\nmetadata: {name: z}"
    assert data["name"] == "cm-EXPANDED"
    assert res.objects[0]["kind"] == "ConfigMap" and len(res) == 1


@pytest.mark.cluster
def test_bad_apply_is_a_usage_error_and_applies_nothing(ip, namespace):
    cell = CM.format(name="ok", value="x") + "---\n" + CM.format(name="Bad_Name", value="x")
    with pytest.raises(UsageError) as exc:
        ip.run_cell_magic("k8s", f"apply -n {namespace}", cell)
    msg = str(exc.value)
    assert msg.startswith("Nothing was applied: 1 of 2 objects failed the server dry run.")
    assert 'document 2 (cell, line 8): ConfigMap "Bad_Name":' in msg
    assert "metadata.name (line 11)" in msg
    from k8slab.errors import NotFoundError
    from k8slab.client.session import current

    with pytest.raises(NotFoundError):
        current().request("GET", f"/api/v1/namespaces/{namespace}/configmaps/ok")


@pytest.mark.cluster
def test_dry_run_and_diff_flags(ip, namespace):
    res = ip.run_cell_magic("k8s", f"apply -n {namespace} --dry-run=server", CM.format(name="d", value="one"))
    assert str(res) == "configmap/d created (server dry run)"
    ip.run_cell_magic("k8s", f"apply -n {namespace}", CM.format(name="d", value="one"))
    res = ip.run_cell_magic("k8s", f"apply -n {namespace} --diff", CM.format(name="d", value="two"))
    assert "-  v: one\n+  v: two" in str(res)
    same = ip.run_cell_magic("k8s", f"diff -n {namespace}", CM.format(name="d", value="two"))
    assert str(same) == str(res)  # %%k8s diff is apply --diff
    assert "No changes" in str(ip.run_cell_magic("k8s", f"diff -n {namespace}", CM.format(name="d", value="one")))
    from k8slab.client.session import current

    assert current().request("GET", f"/api/v1/namespaces/{namespace}/configmaps/d")["data"] == {"v": "one"}


@pytest.mark.cluster
def test_apply_files_wait_and_the_other_verbs(ip, namespace, tmp_path):
    (tmp_path / "web.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: app, image: nginx}]}\n")
    with capture_output() as cap:
        res = ip.run_line_magic("k8s", f"apply -f {tmp_path} -n {namespace} --wait=60s")
    assert str(res) == "deployment.apps/web created"
    # one line rewritten with \r: a notebook (and nbval) keep only the final text
    assert cap.stdout.startswith("\r[0/1 ready] deployment.apps/web: ")
    assert cap.stdout.endswith("\r✓ the object is ready\n")
    assert not cap.outputs
    assert str(ip.run_line_magic("k8s", f"scale deploy/web --replicas 2 -n {namespace}")) == \
        "deployment.apps/web scaled"
    with capture_output():
        res = ip.run_line_magic("k8s", f"rollout status deploy/web -n {namespace} --timeout 60s")
    assert str(res) == 'deployment "web" successfully rolled out'
    assert str(ip.run_line_magic("k8s", f"wait deploy/web --for=condition=Available -n {namespace}")) == \
        "deployment.apps/web condition met"
    assert str(ip.run_line_magic("k8s", f"check deploy/web replicas=2 ready=2 -n {namespace} --timeout 60s")) == \
        "✓ deployment.apps/web: replicas=2, ready=2"
    assert str(ip.run_line_magic("k8s", f"check pods -l app=web -n {namespace} count=2 phase=Running --timeout 60s")) \
        == "✓ pods -l app=web: count=2, phase=Running (2 found)"
    with pytest.raises(CheckFailedError) as exc:  # the cluster is not as expected: the cell fails
        ip.run_line_magic("k8s", f"check deploy/web --timeout 0 replicas=5 -n {namespace}")
    assert str(exc.value).startswith("✗ deployment.apps/web: replicas: expected 5, found 2")
    assert str(ip.run_line_magic("k8s", f"delete deploy/web -n {namespace}")) == 'deployment.apps "web" deleted'
    with pytest.raises(UsageError, match="--ignore-not-found"):
        ip.run_line_magic("k8s", f"delete deploy/web -n {namespace}")


@pytest.mark.cluster
def test_cell_delete_removes_the_cells_objects(ip, namespace):
    cell = CM.format(name="a", value="x") + "---\n" + CM.format(name="b", value="y")
    ip.run_cell_magic("k8s", f"apply -n {namespace}", cell)
    res = ip.run_cell_magic("k8s", f"delete -n {namespace}", cell)
    assert str(res) == 'configmap "b" deleted\nconfigmap "a" deleted'
    with pytest.raises(UsageError, match="not found"):
        ip.run_cell_magic("k8s", f"delete -n {namespace}", cell)
    assert str(ip.run_cell_magic("k8s", f"delete -n {namespace} --ignore-not-found", cell)) == ""
