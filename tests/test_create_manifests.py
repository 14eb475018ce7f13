"""``%k8s create -f`` / ``%%k8s create`` / ``k8slab.create(manifest=…)``: kubectl's ``create -f``,
side by side with kubectl v1.37 on the lab cluster; ``apply`` refuses generateName as kubectl does."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from IPython.core.error import UsageError

import k8slab
from k8slab.client import session as S
from k8slab.engine import versions
from k8slab.engine.paths import bin_dir, kubeconfig_path
from k8slab.errors import CreateError, NotFoundError

from _k8s_objects import pin_lab_context, shell

pytestmark = pytest.mark.cluster
KUBECTL = bin_dir("kubernetes", versions.KUBERNETES) / "kubectl"

DOCS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  generateName: gen-
data: {a: b}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: fixed
data: {a: b}
"""


@pytest.fixture(scope="module")
def ip():
    return shell()


def kubectl(*args: str) -> subprocess.CompletedProcess:
    if not KUBECTL.exists():
        pytest.fail(f"kubectl is not built at {KUBECTL}; run: k8slab build")
    return subprocess.run([str(KUBECTL), "--kubeconfig", str(kubeconfig_path()), "--context", S.current().context,
                           *args], capture_output=True, text=True)


def _generated(text: str) -> str:
    return re.sub(r"gen-[a-z0-9]{5}\b", "gen-XXXXX", text)


def _names(ns: str) -> list[str]:
    items = S.current().request("GET", f"/api/v1/namespaces/{ns}/configmaps")["items"]
    return sorted(i["metadata"]["name"] for i in items if i["metadata"]["name"] != "kube-root-ca.crt")


def test_create_f_twice_is_kubectls(ip, namespace, tmp_path, cluster):
    """Each object POSTed on its own: generateName honoured, AlreadyExists reported per object,
    the others created anyway, and the command fails (kubectl: exit 1), in both tools."""
    pin_lab_context()
    path = tmp_path / "cms.yaml"
    path.write_text(DOCS)
    other = f"{namespace}-kubectl"
    S.current().request("POST", "/api/v1/namespaces", body={"metadata": {"name": other,
                                                                         "labels": {"k8slab.dev/test": "true"}}})
    try:
        first = ip.run_line_magic("k8s", f"create -f {path} -n {namespace}")
        theirs = kubectl("create", "-f", str(path), "-n", other)
        assert theirs.returncode == 0
        assert _generated(str(first)) == _generated(theirs.stdout.strip()) == "configmap/gen-XXXXX created\n" \
            "configmap/fixed created"
        with pytest.raises(UsageError) as err:
            ip.run_line_magic("k8s", f"create -f {path} -n {namespace}")
        theirs = kubectl("create", "-f", str(path), "-n", other)
        assert theirs.returncode == 1
        ours_lines = _generated(str(err.value)).splitlines()
        their_lines = _generated(theirs.stdout.strip()).splitlines() + theirs.stderr.strip().splitlines()
        assert ours_lines[0] == their_lines[0] == "configmap/gen-XXXXX created"
        assert their_lines[1] == (f'Error from server (AlreadyExists): error when creating "{path}":'
                                  ' configmaps "fixed" already exists')
        # the same line, naming the document and line where kubectl names the file
        assert ours_lines[1] == (f"Error from server (AlreadyExists): error when creating document 2 ({path},"
                                 ' line 7): configmaps "fixed" already exists')
        assert len(_names(namespace)) == len(_names(other)) == 3  # two generated, one fixed
    finally:
        S.current().request("DELETE", f"/api/v1/namespaces/{other}")


def test_create_f_directory_is_kubectls(ip, namespace, tmp_path):
    """A directory: its *.yaml/*.yml/*.json files in name order, as kubectl reads one."""
    pin_lab_context()
    d = tmp_path / "dir"
    d.mkdir()
    (d / "b.yaml").write_text(DOCS)
    (d / "a.yml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n")
    (d / "c.json").write_text('{"apiVersion": "v1", "kind": "Secret", "metadata": {"generateName": "s-"}}')
    (d / "notes.txt").write_text("not a manifest")
    ours = str(ip.run_line_magic("k8s", f"create -f {d} -n {namespace} --dry-run=client -o name"))
    theirs = kubectl("create", "-f", str(d), "-n", namespace, "--dry-run=client", "-o", "name")
    assert theirs.returncode == 0, theirs.stderr
    assert ours == theirs.stdout.strip() == "configmap/first\nconfigmap/<unknown>\nconfigmap/fixed\nsecret/<unknown>"
    out = ip.run_line_magic("k8s", f"create -f {d} -n {namespace}")
    assert _generated(re.sub(r"s-[a-z0-9]{5}\b", "s-XXXXX", str(out))) == (
        "configmap/first created\nconfigmap/gen-XXXXX created\nconfigmap/fixed created\nsecret/s-XXXXX created")


@pytest.mark.parametrize("flags", ["--dry-run=client -o yaml", "--dry-run=client -o name", "--dry-run=client",
                                   "--dry-run=client -o json"])
def test_create_f_client_dry_run_is_kubectls_and_sends_nothing(ip, namespace, tmp_path, flags):
    pin_lab_context()
    path = tmp_path / "cms.yaml"
    path.write_text(DOCS)
    ours = str(ip.run_line_magic("k8s", f"create -f {path} -n {namespace} {flags}"))
    theirs = kubectl("create", "-f", str(path), "-n", namespace, *flags.split())
    assert theirs.returncode == 0, theirs.stderr
    if "-o yaml" in flags:
        assert list(yaml.safe_load_all(ours)) == list(yaml.safe_load_all(theirs.stdout))
    else:
        assert ours == theirs.stdout.strip()
    assert _names(namespace) == []


def test_create_f_server_dry_run_stores_nothing(ip, namespace, tmp_path):
    pin_lab_context()
    path = tmp_path / "cms.yaml"
    path.write_text(DOCS)
    ours = str(ip.run_line_magic("k8s", f"create -f {path} -n {namespace} --dry-run=server"))
    assert _generated(ours) == ("configmap/gen-XXXXX created (server dry run)\n"
                                "configmap/fixed created (server dry run)")
    assert _names(namespace) == []


def test_cell_and_python_create(ip, namespace):
    """``%%k8s create`` with the YAML in the cell ({{ }} templating as in apply), and
    ``k8slab.create(manifest=…)`` for dicts, raising CreateError with what was created."""
    pin_lab_context()
    ip.user_ns["who"] = "cell"
    out = ip.run_cell_magic("k8s", f"create -n {namespace}",
                            "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: job-}\ndata: {by: '{{ who }}'}\n")
    name = out.data[0]["metadata"]["name"]
    assert str(out) == f"configmap/{name} created" and name.startswith("job-")
    assert S.current().request("GET", f"/api/v1/namespaces/{namespace}/configmaps/{name}")["data"] == {"by": "cell"}
    objs = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py"}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "py-"}}]
    res = k8slab.create(manifest=objs, namespace=namespace)
    assert str(res).splitlines()[0] == "configmap/py created" and len(res.data) == 2
    with pytest.raises(CreateError) as err:
        k8slab.create(manifest=objs, namespace=namespace)
    assert len(err.value.failures) == 1 and 'configmaps "py" already exists' in err.value.failures[0]
    assert len(err.value.result.data) == 1  # the generateName one went through
    assert len(_names(namespace)) == 4


def test_apply_refuses_generate_name_like_kubectl(ip, namespace, tmp_path):
    """kubectl: ``error: from gen-: cannot use generate name with apply``; the kit's apply is all
    or nothing, so nothing at all is applied, and the message says to create it instead."""
    pin_lab_context()
    with pytest.raises(UsageError, match=r"document 1 \(cell, line 1\): cannot use generate name with apply .*"
                                         r"%%k8s create"):
        ip.run_cell_magic("k8s", f"apply -n {namespace}", DOCS)
    with pytest.raises(k8slab.errors.UsageError, match="cannot use generate name with apply"):
        k8slab.apply(DOCS, namespace=namespace)
    assert _names(namespace) == []
    path = tmp_path / "cms.yaml"
    path.write_text(DOCS)
    assert "cannot use generate name with apply" in kubectl("apply", "-f", str(path), "-n", namespace,
                                                           "--dry-run=client").stderr


def test_create_yaml_bad_inputs(ip, namespace, tmp_path):
    pin_lab_context()
    path = tmp_path / "cms.yaml"
    path.write_text(DOCS.replace("name: fixed", "name: fixed\n  namespace: elsewhere"))
    cases = [
        (f"create -f {path} -n {namespace}", None,
         'document 2 (' + str(path) + ', line 7): the namespace from the provided object "elsewhere" does not'
         f' match the namespace "{namespace}"'),
        (f"create -f {path} --image nginx", None, "--image only apply to create TYPE NAME"),
        (f"create configmap x -f {path}", None, "give TYPE NAME or -f FILE, not both"),
        ("create configmap x", DOCS, "takes YAML from the cell, or TYPE NAME with flags, not both"),
        ("create", None, "give TYPE and NAME"),
        (f"create -n {namespace}", "apiVersion: v1\nkind: Widget\nmetadata: {name: w}\n", "document 1 (cell, line 1)"),
        (f"create -f {path} --dry-run=maybe", None, "invalid choice: 'maybe'"),
    ]
    for line, cell, expected in cases:
        with pytest.raises(UsageError) as err:
            ip.run_cell_magic("k8s", line, cell) if cell else ip.run_line_magic("k8s", line)
        assert expected in str(err.value), (line, str(err.value))
    assert _names(namespace) == []
    with pytest.raises(k8slab.errors.UsageError, match="not both"):
        k8slab.create("configmap", "x", manifest=DOCS)
    with pytest.raises(NotFoundError):
        S.current().request("GET", f"/api/v1/namespaces/{namespace}/configmaps/x")
