"""``k8slab.apply`` sends only the requests it needs: objects the dry run shows unchanged are not
applied again, live objects are read with a LIST per type, and the all-or-nothing rule holds.

Against the real lab cluster; the session's requests are recorded, never timed.
"""

from __future__ import annotations

import pytest

import k8slab
from k8slab.api.apply import live as apply_live
from k8slab.errors import ApplyError

pytestmark = pytest.mark.cluster

CM = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  key: "{value}"
"""

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.27
"""


@pytest.fixture
def sess(cluster):
    from k8slab.client.session import current

    return current()


@pytest.fixture
def sent(sess, monkeypatch):
    """Every request of the session, as ``(method, path, query)``."""
    log: list[tuple[str, str, dict]] = []
    real = sess.request

    def request(method, path, **kw):
        log.append((method, path, dict(kw.get("query") or {})))
        return real(method, path, **kw)

    monkeypatch.setattr(sess, "request", request)
    return log


def applied(log) -> list[str]:
    """The object names of real (not dry-run) PATCH requests."""
    return sorted(path.rsplit("/", 1)[-1] for m, path, q in log if m == "PATCH" and not q.get("dryRun"))


def cms(namespace, sess) -> dict[str, dict]:
    items = sess.request("GET", f"/api/v1/namespaces/{namespace}/configmaps")["items"]
    return {i["metadata"]["name"]: i for i in items}


def cell(values: dict[str, str], deploy: bool = True) -> str:
    docs = [CM.format(name=n, value=v) for n, v in values.items()]
    return "---\n".join(docs + ([DEPLOY] if deploy else []))


def test_unchanged_objects_are_not_applied_again(namespace, sess, sent):
    text = cell({"c1": "a", "c2": "b", "c3": "c", "c4": "d"})
    first = k8slab.apply(text, namespace=namespace)
    assert {o.action for o in first} == {"created"}
    assert applied(sent) == ["c1", "c2", "c3", "c4", "web"]
    assert not [p for m, p, q in sent if m == "GET" and namespace in p], "a dry run that creates needs no read"
    before = cms(namespace, sess)
    sent.clear()

    again = k8slab.apply(text, namespace=namespace)
    assert str(again) == ("configmap/c1 unchanged\nconfigmap/c2 unchanged\nconfigmap/c3 unchanged\n"
                          "configmap/c4 unchanged\ndeployment.apps/web unchanged")
    # the Deployment too, unless its controller wrote more than its status between dry run and read
    assert [n for n in applied(sent) if n != "web"] == []
    # four ConfigMaps: one LIST; the single Deployment: one GET
    reads = [p for m, p, q in sent if m == "GET"]
    assert reads.count(f"/api/v1/namespaces/{namespace}/configmaps") == 1
    assert reads.count(f"/apis/apps/v1/namespaces/{namespace}/deployments/web") == 1
    after = cms(namespace, sess)
    for name in ("c1", "c2", "c3", "c4"):
        assert after[name]["metadata"]["resourceVersion"] == before[name]["metadata"]["resourceVersion"]
        assert after[name]["metadata"]["managedFields"] == before[name]["metadata"]["managedFields"]
    assert again.objects[0]["metadata"]["name"] == "c1" and again.objects[0]["data"] == {"key": "a"}


def test_only_the_changed_object_is_applied(namespace, sess, sent):
    k8slab.apply(cell({"c1": "a", "c2": "b", "c3": "c"}, deploy=False), namespace=namespace)
    sent.clear()
    res = k8slab.apply(cell({"c1": "a", "c2": "B", "c3": "c"}, deploy=False), namespace=namespace)
    assert str(res) == "configmap/c1 unchanged\nconfigmap/c2 configured\nconfigmap/c3 unchanged"
    assert applied(sent) == ["c2"]
    assert cms(namespace, sess)["c2"]["data"] == {"key": "B"}


def test_same_values_written_by_another_manager_are_still_applied(namespace, sess):
    # the values match, but k8slab does not own the fields yet: only a real apply records that
    sess.request("POST", f"/api/v1/namespaces/{namespace}/configmaps", query={"fieldManager": "someone"},
                 body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c1"}, "data": {"key": "a"}})
    res = k8slab.apply(cell({"c1": "a"}, deploy=False), namespace=namespace)
    assert str(res) == "configmap/c1 unchanged"
    managers = {f["manager"] for f in cms(namespace, sess)["c1"]["metadata"]["managedFields"]}
    assert managers == {"someone", "k8slab"}


def test_objects_past_the_listed_page_are_read_one_by_one(namespace, sess, sent, monkeypatch):
    monkeypatch.setattr(apply_live, "LIST_PAGE", 1)  # a page of 2 * 3 objects
    for i in range(8):  # listed before ours (names sort first), filling the page
        sess.request("POST", f"/api/v1/namespaces/{namespace}/configmaps",
                     body={"metadata": {"name": f"a-{i}"}, "data": {"n": str(i)}})
    text = cell({"z1": "a", "z2": "b", "z3": "c"}, deploy=False)
    k8slab.apply(text, namespace=namespace)
    sent.clear()
    res = k8slab.apply(text.replace('"c"', '"C"'), namespace=namespace)
    assert str(res) == "configmap/z1 unchanged\nconfigmap/z2 unchanged\nconfigmap/z3 configured"
    assert applied(sent) == ["z3"]
    reads = [p for m, p, q in sent if m == "GET"]
    assert sorted(p.rsplit("/", 1)[-1] for p in reads) == ["configmaps", "z1", "z2", "z3"]


def test_new_and_existing_objects_of_one_type(namespace, sess, sent):
    k8slab.apply(cell({"c1": "a", "c2": "b", "c3": "c"}, deploy=False), namespace=namespace)
    sent.clear()
    res = k8slab.apply(cell({"c0": "n", "c1": "a", "c2": "b", "c3": "c", "c4": "n"}, deploy=False),
                       namespace=namespace)
    assert str(res) == ("configmap/c0 created\nconfigmap/c1 unchanged\nconfigmap/c2 unchanged\n"
                        "configmap/c3 unchanged\nconfigmap/c4 created")
    assert applied(sent) == ["c0", "c4"]


def test_a_failing_document_applies_nothing_even_among_existing_objects(namespace, sess, sent):
    k8slab.apply(cell({"c1": "a", "c2": "b", "c3": "c"}), namespace=namespace)
    sent.clear()
    bad = DEPLOY.replace("name: web", "name: web2").replace("replicas: 1", "replicas: many")
    with pytest.raises(ApplyError) as exc:
        k8slab.apply(cell({"c1": "A", "c2": "b", "c3": "C", "c4": "new"}) + "---\n" + bad, namespace=namespace)
    assert str(exc.value).startswith("Nothing was applied: 1 of 6 objects failed the server dry run.")
    assert applied(sent) == []
    now = cms(namespace, sess)
    assert "c4" not in now
    assert {n: now[n]["data"]["key"] for n in ("c1", "c2", "c3")} == {"c1": "a", "c2": "b", "c3": "c"}


def test_diff_and_dry_run_read_the_live_objects(namespace, sess):
    k8slab.apply(cell({"c1": "a", "c2": "b", "c3": "c"}, deploy=False), namespace=namespace)
    text = cell({"c1": "a", "c2": "B", "c3": "c", "c4": "n"}, deploy=False)
    dry = k8slab.apply(text, namespace=namespace, dry_run=True)
    assert [o.action for o in dry] == ["unchanged", "configured", "unchanged", "created"]
    d = k8slab.apply(text, namespace=namespace, diff=True)
    assert "--- live/configmap/c2\n+++ merged/configmap/c2" in d.diff
    assert "-  key: b\n+  key: B" in d.diff
    assert "--- /dev/null\n+++ merged/configmap/c4" in d.diff
    assert "configmap/c1" not in d.diff
    assert cms(namespace, sess)["c2"]["data"] == {"key": "b"}


def test_workloads_are_sent_after_what_their_pods_use(namespace, sess, sent):
    uses = DEPLOY.replace("        image: nginx:1.27\n",
                          "        image: nginx:1.27\n        envFrom: [{configMapRef: {name: c1}}]\n")
    res = k8slab.apply(uses + "---\n" + CM.format(name="c1", value="a"), namespace=namespace)
    assert str(res) == "deployment.apps/web created\nconfigmap/c1 created"  # the YAML's order
    real = [p.rsplit("/", 1)[-1] for m, p, q in sent if m == "PATCH" and not q.get("dryRun")]
    assert real == ["c1", "web"]
