"""``%k8s get`` against the real lab cluster, in a real IPython shell, one namespace per test."""

from __future__ import annotations

import json

import pytest
import yaml
from IPython.core.error import UsageError

from k8slab.api.output.table import K8sTable
from k8slab.client import session as S

from _k8s_objects import create, shell

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def ip():
    return shell()


def k8s(ip, line):
    return ip.run_line_magic("k8s", line)


def test_get_pods_is_a_kubectl_like_dataframe(ip, web):
    df = k8s(ip, f"get pods -n {web}")
    assert isinstance(df, K8sTable)
    assert list(df.columns) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(df) == 2 and set(df.STATUS) == {"Running"} and set(df.READY) == {"1/1"}
    assert all(n.startswith("web-") for n in df.NAME)
    text = repr(df).splitlines()
    assert text[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] and len(text) == 3
    assert "<table" in df._repr_html_()


def test_assignment_in_a_cell(ip, web):
    ip.run_cell(f"pods = %k8s get po -n {web}", store_history=False)
    assert isinstance(ip.user_ns["pods"], K8sTable) and len(ip.user_ns["pods"]) == 2


def test_wide_all_namespaces_labels(ip, web):
    wide = k8s(ip, f"get pods -n {web} -o wide")
    assert list(wide.columns) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                                  "NOMINATED NODE", "READINESS GATES"]
    assert all(n for n in wide.NODE)
    every = k8s(ip, "get pods -A")
    assert every.columns[0] == "NAMESPACE" and (every.NAMESPACE == web).sum() == 2
    labelled = k8s(ip, f"get deploy -n {web} --show-labels")
    assert labelled.columns[-1] == "LABELS" and list(labelled.LABELS) == ["app=web"]


def test_selectors(ip, web):
    assert len(k8s(ip, f"get pods -n {web} -l app=web")) == 2
    assert len(k8s(ip, f"get pods -n {web} -l app=other")) == 0
    assert len(k8s(ip, f"get pods -n {web} --field-selector status.phase=Running")) == 2


def test_names_and_type_slash_name(ip, web):
    df = k8s(ip, f"get deploy/web -n {web}")
    assert list(df.columns) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert df.iloc[0].tolist()[:4] == ["web", "2/2", 2, 2]
    assert list(k8s(ip, f"get cm web-config kube-root-ca.crt -n {web}").NAME) == ["web-config", "kube-root-ca.crt"]


def test_output_yaml_json_name(ip, web):
    text = k8s(ip, f"get deploy web -n {web} -o yaml")
    obj = yaml.safe_load(str(text))
    assert obj["kind"] == "Deployment" and obj["apiVersion"] == "apps/v1" and obj["spec"]["replicas"] == 2
    assert "managedFields" not in obj["metadata"]
    kept = yaml.safe_load(str(k8s(ip, f"get deploy web -n {web} -o yaml --show-managed-fields")))
    assert kept["metadata"]["managedFields"]
    lst = json.loads(str(k8s(ip, f"get cm -n {web} -o json")))
    assert lst["kind"] == "List" and {i["kind"] for i in lst["items"]} == {"ConfigMap"}
    assert str(k8s(ip, f"get deploy -n {web} -o name")) == "deployment.apps/web"
    assert str(k8s(ip, f"get svc -n {web} -o name")) == "service/web"


def test_jsonpath_custom_columns_sort_by(ip, web):
    names = str(k8s(ip, f"get pods -n {web} -o jsonpath='{{.items[*].metadata.name}}'")).split()
    assert len(names) == 2 and all(n.startswith("web-") for n in names)
    ranged = str(k8s(ip, f"""get pods -n {web} -o jsonpath='{{range .items[*]}}{{.metadata.name}}={{.status.phase}}{{"\\n"}}{{end}}'"""))
    assert ranged.splitlines() == [f"{n}=Running" for n in names]
    cc = k8s(ip, f"get pods -n {web} -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image")
    assert list(cc.columns) == ["NAME", "IMAGE"] and set(cc.IMAGE) == {"nginx:1.27"}
    srt = k8s(ip, f"get cm -n {web} --sort-by=.metadata.name")
    assert list(srt.NAME) == sorted(srt.NAME)
    rev = k8s(ip, f"get cm -n {web} --sort-by=.data.greeting")
    assert list(rev.NAME)[-1] == "web-config"


def test_secret_values_masked_unless_asked(ip, web):
    masked = yaml.safe_load(str(k8s(ip, f"get secret web-secret -n {web} -o yaml")))
    assert masked["data"] == {"password": "<hidden: 12 bytes>"}
    assert "czNjcjN0" not in str(k8s(ip, f"get secrets -n {web} -o json"))
    shown = yaml.safe_load(str(k8s(ip, f"get secret web-secret -n {web} -o yaml --show-secrets")))
    import base64

    assert base64.b64decode(shown["data"]["password"]).decode() == "s3cr3t-value"


def test_empty_and_errors(ip, web):
    empty = k8s(ip, f"get cm -n {web} -l nothing=here")
    assert repr(empty) == f"No resources found in {web} namespace."
    with pytest.raises(UsageError, match=r'Error from server \(NotFound\): pods "nope" not found'):
        k8s(ip, f"get pod nope -n {web}")
    with pytest.raises(UsageError, match='resource type "deploymnet"; did you mean "deployment"'):
        k8s(ip, f"get deploymnet -n {web}")


def test_pagination_reads_every_page(ip, web, monkeypatch):
    from k8slab.api.read import fetch as F

    for i in range(5):
        create(web, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"page-{i}", "labels": {"page": "y"}}})
    monkeypatch.setattr(F, "CHUNK_SIZE", 2)
    df = k8s(ip, f"get cm -n {web} -l page=y")
    assert list(df.NAME) == [f"page-{i}" for i in range(5)]
    assert len(str(k8s(ip, f"get cm -n {web} -l page=y -o name")).splitlines()) == 5


def test_sticky_namespace_with_use(ip, web):
    try:
        k8s(ip, f"use -n {web}")
        assert S.current().namespace == web
        assert len(k8s(ip, "get deploy")) == 1
    finally:
        S.use(namespace="default")


def test_python_api_matches_the_magic(ip, web):
    import k8slab

    df = k8slab.get("pods", namespace=web)
    assert list(df.NAME) == list(k8s(ip, f"get pods -n {web}").NAME)


def test_several_types_and_all(ip, web):
    from k8slab.api.output.table import MultiTable

    res = k8s(ip, f"get all -n {web}")
    assert isinstance(res, MultiTable)
    text = repr(res)
    for prefix in ("pod/web-", "service/web", "deployment.apps/web", "replicaset.apps/web-"):
        assert prefix in text
    assert list(res["deployments"].NAME) == ["deployment.apps/web"]
    names = str(k8s(ip, f"get deploy,svc -n {web} -o name")).splitlines()
    assert names == ["deployment.apps/web", "service/web"]
    with pytest.raises(UsageError, match="one resource type"):
        k8s(ip, f"get deploy,svc web -n {web}")


def test_config_namespace_traitlet(ip, web):
    ip.run_line_magic("config", f"K8sMagics.namespace = '{web}'")
    try:
        assert list(k8s(ip, "get deploy").NAME) == ["web"]
        assert S.current().namespace == web
    finally:
        ip.run_line_magic("config", "K8sMagics.namespace = None")
        k8s(ip, "use -n default")
    assert S.current().namespace == "default"


def test_raw_and_ignore_not_found(ip, web):
    ready = k8s(ip, "get --raw /readyz?verbose")
    assert "readyz check passed" in str(ready)
    groups = k8s(ip, "get --raw /apis/apps/v1")
    assert groups.data["groupVersion"] == "apps/v1"
    with pytest.raises(UsageError, match="absolute API path"):
        k8s(ip, "get --raw apis")
    with pytest.raises(UsageError, match="a resource type is required"):
        k8s(ip, "get")
    df = k8s(ip, f"get deploy web nope -n {web} --ignore-not-found")
    assert list(df.NAME) == ["web"]
    assert str(k8s(ip, f"get deploy nope -n {web} --ignore-not-found -o yaml")) == ""


def test_rows_carry_only_what_the_table_shows(ip, web, monkeypatch):
    # a plain table needs the server's cells only; metadata is asked for when rows show labels
    # or namespaces, whole objects for --sort-by
    sess = S.current()
    asked: list[str | None] = []
    real = sess.request

    def request(method, path, **kw):
        asked.append((kw.get("query") or {}).get("includeObject"))
        return real(method, path, **kw)

    monkeypatch.setattr(sess, "request", request)
    plain = k8s(ip, f"get pods -n {web}")
    assert asked == ["None"] and plain.objects is None
    assert all(a and a[-1] in "smhdy" for a in plain.AGE), list(plain.AGE)
    asked.clear()
    labelled = k8s(ip, f"get pods -n {web} -L app")
    assert asked == ["Metadata"] and list(labelled.APP) == ["web", "web"]
    assert [o["metadata"]["name"] for o in labelled.objects] == list(labelled.NAME)
    asked.clear()
    k8s(ip, f"get pods -n {web} --sort-by=.metadata.name")
    assert asked == ["Object"]
