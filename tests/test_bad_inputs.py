"""Hostile and mistaken input, by class: each is a clear k8slab error naming the problem, said at
once, and the cluster is left as it was (or put back, and the error says so).

Classes: the YAML reader at the boundary; argument types of the public API; values JSON
cannot hold; half-applied applies; Secret values on every output path; patch/taint/cell
bodies; mistakes that can be known without waiting.
"""

from __future__ import annotations

import random
import time

import pytest
from IPython.core.error import UsageError as IPythonUsageError

import k8slab
from k8slab.errors import (ApplyError, CheckFailedError, ExpectationError, K8sLabError, ManifestError, MissingObjectError,
                           TemplateError, UsageError)
from k8slab.manifest import load_text

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n"


def _laughs(levels: int = 9) -> str:
    lines = ["lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        lines.append(f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return HEAD.replace("data:\n", "") + "\n".join(lines) + "\n"


_SELF: list = []
_SELF.append(_SELF)
_DEEP: list = []
_node = _DEEP
for _ in range(5000):
    _node.append([])
    _node = _node[0]

# (id, YAML text, the error type, words the message must contain)
YAML_CASES = [
    ("nul", HEAD + "  a: b\x00c\n", ManifestError, ["line 5, column 7", "U+0000", "NUL"]),
    ("control-char", HEAD + "  a: \x07\n", ManifestError, ["line 5", "U+0007", "control character"]),
    ("lone-surrogate", HEAD + "  a: \ud800\n", ManifestError, ["line 5", "U+D800", "surrogate"]),
    ("non-character", HEAD + "  a: \ufffe\n", ManifestError, ["line 5", "U+FFFE"]),
    ("binary-garbage", bytes(range(256)).decode("latin-1") * 4, ManifestError, ["line 1", "U+0000"]),
    ("bad-char-in-doc-3", HEAD + "  a: x\n---\n" + HEAD + "  a: y\n---\n" + HEAD + "  a: \x1b\n",
     ManifestError, ["document 3", "line 17"]),
    ("flow-depth-150", HEAD + "  a: " + "[" * 150 + "]" * 150 + "\n", ManifestError, ["more than 100 levels"]),
    ("flow-depth-3000", HEAD + "  a: " + "[" * 3000 + "]" * 3000 + "\n", ManifestError, ["more than 100 levels"]),
    ("block-depth-3000", HEAD + "  a:\n    " + "- " * 3000 + "x\n", ManifestError, ["more than 100 levels"]),
    ("block-depth-150", HEAD + "".join(" " * (i + 2) + f"k{i}:\n" for i in range(150)) + " " * 153 + "x: 1\n",
     ManifestError, ["more than 100 levels"]),
    ("json-depth-5000", '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": '
     + '{"a":' * 5000 + "1" + "}" * 5000 + "}", ManifestError, ["more than 100 levels"]),
    ("billion-laughs", _laughs(9), ManifestError, ["aliases", "100,000"]),
    ("billion-laughs-in-data", HEAD + "  x: &x [a, a, a, a, a, a, a, a, a, a]\n"
     + "".join(f"  x{i}: &x{i} [{', '.join(['*x' if i == 0 else f'*x{i - 1}'] * 10)}]\n" for i in range(6)),
     ManifestError, ["aliases"]),
    ("too-big", HEAD + "  a: " + "x" * (9 * 2**20) + "\n", ManifestError, ["MiB", "Split"]),
    ("binary-not-utf8", HEAD + "  a: !!binary /w==\n", ManifestError, ["data.a", "line 5", "not UTF-8"]),
    ("set", HEAD + "  a: !!set {x, y}\n", ManifestError, ["data.a", "line 5", "!!set"]),
    ("nan", HEAD + "  a: .nan\n", ManifestError, ["data.a", "NaN"]),
    ("infinity", HEAD + "  a: -.inf\n", ManifestError, ["data.a", "infinity"]),
    ("float-overflow", HEAD + "  a: 1.0e+400\n", ManifestError, ["data.a", "inf"]),
    ("nan-in-a-list-item", "apiVersion: v1\nkind: List\nitems:\n- " + HEAD.replace("\n", "\n  ") + "  a: .NaN\n",
     ManifestError, ["item 1", "data.a", "NaN"]),
    ("python-object", HEAD + "  a: !!python/object:os.system x\n", ManifestError,
     ["line 5", "!!python/object:os.system", "remove the tag"]),
    ("python-name", HEAD + "  a: !!python/name:os.system ''\n", ManifestError, ["!!python/name:os.system"]),
    ("python-tuple", HEAD + "  a: !!python/tuple [1, 2]\n", ManifestError, ["!!python/tuple"]),
    ("name-int", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 123}\n", ManifestError,
     ["metadata.name", "line 3", "must be a string", "int"]),
    ("name-list", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [a, b]}\n", ManifestError,
     ["metadata.name", "list"]),
    ("name-map", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {a: b}\n", ManifestError,
     ["metadata.name", "line 4", "dict"]),
    ("namespace-int", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: 7}\n", ManifestError,
     ["metadata.namespace", "int"]),
    ("namespace-bool", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: yes}\n", ManifestError,
     ["metadata.namespace", "bool"]),
    ("kind-list", "apiVersion: v1\nkind: [ConfigMap]\nmetadata: {name: c}\n", ManifestError,
     ["kind must be a string"]),
    ("self-reference-template", HEAD + "  a: {{ me }}\n", ManifestError, ["contains itself"]),
    ("deep-template", HEAD + "  a: {{ deep }}\n", TemplateError, ["{{ deep }}", "nested too deeply"]),
]


@pytest.mark.parametrize("text,error,words", [c[1:] for c in YAML_CASES], ids=[c[0] for c in YAML_CASES])
def test_yaml_at_the_boundary(text, error, words):
    start = time.monotonic()
    with pytest.raises(error) as info:
        load_text(text, variables={"me": _SELF, "deep": _DEEP})
    took = time.monotonic() - start
    message = str(info.value)
    for word in words:
        assert word in message, message
    assert took < 1.0, f"took {took:.2f}s"
    assert len(message.splitlines()) <= 4
    assert all(len(line) <= 400 for line in message.splitlines())  # a long line is shown around the column


def test_yaml_read_as_kubectl_reads_it():
    objs = load_text(HEAD + "  emoji: 😀 party 🎉\n  bin: !!binary aGVsbG8=\n"
                            "  when: 2001-12-14t21:59:43.10-05:00\n  day: 2024-01-31\n"
                            "  pairs: !!omap [x: 1, y: 2]\n  eq: =\n")
    data = objs[0].obj["data"]
    assert data["emoji"] == "😀 party 🎉"
    assert data["bin"] == "hello"  # kubectl stores the decoded text
    assert data["when"] == "2001-12-14t21:59:43.10-05:00"  # the text written, not a Python datetime
    assert data["day"] == "2024-01-31"
    assert data["pairs"] == [{"x": 1}, {"y": 2}]
    assert data["eq"] == "="


def test_bytes_and_other_things_that_are_not_text():
    with pytest.raises(ManifestError, match="not UTF-8"):
        load_text(b"kind: ConfigMap\n\xff\xfe")
    assert load_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n".encode())[0].name == "c"
    with pytest.raises(ManifestError, match="expected YAML text"):
        load_text(12)
    with pytest.raises(ManifestError, match="not UTF-8"):
        k8slab.apply(b"apiVersion: v1\nkind: ConfigMap\n\xff")  # bytes are read as text, before any request


@pytest.mark.parametrize("obj,words", [
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": b"\xff"}},
     ["data.a", "bytes"]),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": object()}},
     ["data.a", "object"]),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": {1, 2}}},
     ["data.a", "set"]),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": float("nan")}},
     ["data.a", "NaN"]),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": 5}}, ["metadata.name", "int"]),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": _SELF}, ["contains itself"]),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": _DEEP}},
     ["more than 100 levels"]),
], ids=["bytes", "object", "set", "nan", "name-int", "circular", "deep"])
def test_python_objects_that_json_cannot_hold(obj, words):
    with pytest.raises(ManifestError) as info:
        k8slab.apply(obj)  # refused while reading: no request is made
    for word in words:
        assert word in str(info.value), str(info.value)


# -- the public API's arguments, checked before any request ------------------------------------------


@pytest.fixture
def no_requests(monkeypatch):
    """Fail the test if anything asks for the cluster session."""
    from k8slab.client import session as S

    def refuse(*a, **k):
        raise AssertionError("a request was about to be made")

    monkeypatch.setattr(S, "current", refuse)


API_CASES = [
    ("get-int", lambda: k8slab.get(123), ["k8slab.get", "type", "int"]),
    ("get-names-int", lambda: k8slab.get("pods", 1), ["names[0]", "int"]),
    ("get-namespace-int", lambda: k8slab.get("pods", namespace=123), ["namespace", "int"]),
    ("get-unknown-keyword", lambda: k8slab.get("pods", nmespace="x"), ["nmespace"]),
    ("get-output-list", lambda: k8slab.get("pods", output=["yaml"]), ["output", "list"]),
    ("scale-int-target", lambda: k8slab.scale(123, replicas=1), ["k8slab.scale", "targets[0]", "int"]),
    ("scale-replicas-str", lambda: k8slab.scale("deploy/web", replicas="3"), ["replicas", "str"]),
    ("scale-replicas-bool", lambda: k8slab.scale("deploy/web", replicas=True), ["replicas", "bool"]),
    ("scale-replicas-negative", lambda: k8slab.scale("deploy/web", replicas=-1), ["replicas", "negative"]),
    ("scale-replicas-missing", lambda: k8slab.scale("deploy/web"), ["replicas"]),
    ("scale-wait-str", lambda: k8slab.scale("deploy/web", replicas=1, wait="abc"), ["wait", "'abc'", "duration"]),
    ("logs-none", lambda: k8slab.logs(None), ["k8slab.logs", "pod", "NoneType"]),
    ("logs-tail-str", lambda: k8slab.logs("web", tail="10"), ["tail", "str"]),
    ("describe-namespace-int", lambda: k8slab.describe("pods", namespace=1), ["namespace"]),
    ("delete-timeout-abc", lambda: k8slab.delete("cm/x", timeout="abc"), ["timeout", "'abc'", "duration"]),
    ("delete-timeout-negative", lambda: k8slab.delete("cm/x", timeout=-5), ["timeout", "negative"]),
    ("apply-wait-abc", lambda: k8slab.apply(HEAD + "  a: b\n", wait="abc"), ["k8slab.apply", "wait", "'abc'"]),
    ("apply-namespace-list", lambda: k8slab.apply(HEAD + "  a: b\n", namespace=["a"]), ["namespace", "list"]),
    ("apply-bytes-objects", lambda: k8slab.apply(12), ["int"]),
    ("apply-files-int-item", lambda: k8slab.apply(None, files=[1]), ["files", "not a path"]),
    ("apply-progress-int", lambda: k8slab.apply(HEAD + "  a: b\n", progress=5), ["progress", "function"]),
    ("delete-files-int", lambda: k8slab.delete(files=123), ["files", "a path or a list of paths"]),
    ("wait-for-int", lambda: k8slab.wait("pod/x", for_=3), ["for_", "int"]),
    ("wait-timeout-abc", lambda: k8slab.wait("pod/x", for_="delete", timeout="abc"), ["timeout", "'abc'"]),
    ("wait-timeout-nan", lambda: k8slab.wait("pod/x", for_="delete", timeout=float("nan")), ["finite"]),
    ("check-condition-int", lambda: k8slab.check("pod/x", 3), ["conditions[0]", "int"]),
    ("check-timeout-abc", lambda: k8slab.check("pod/x", timeout="soon"), ["timeout", "'soon'"]),
    ("exec-command-int", lambda: k8slab.exec("p", ["ls", 3]), ["command[1]", "int"]),
    ("taint-none", lambda: k8slab.taint("nodes", None), ["taint", "argument 2", "NoneType"]),
    ("label-int", lambda: k8slab.label("pod/x", 1), ["argument 2", "int"]),
    ("patch-type-int", lambda: k8slab.patch("deploy/x", patch={}, type=1), ["type", "int"]),
    ("rollout-action-none", lambda: k8slab.rollout(None, "deploy/x"), ["action", "NoneType"]),
    ("run-port-str", lambda: k8slab.run("web", image="nginx", port="80"), ["port", "str"]),
    ("run-env-dict", lambda: k8slab.run("web", image="nginx", env={"A": "1"}), ["env", "dict"]),
    ("explain-none", lambda: k8slab.explain(None), ["target", "NoneType"]),
    ("use-namespace-int", lambda: k8slab.use(namespace=123), ["k8slab.use", "namespace", "int"]),
    ("use-context-list", lambda: k8slab.use(context=["kwok-k8slab"]), ["context", "list"]),
    ("events-types-list", lambda: k8slab.events(types=["Warning"]), ["types", "list"]),
    ("jsonpath-slice-letters", lambda: k8slab.get("pods", output="jsonpath={.items[a:b]}"), ["[a:b]", "slice"]),
    ("jsonpath-slice-step-0", lambda: k8slab.get("pods", output="jsonpath={.items[0:2:0]}"), ["STEP not 0"]),
    ("check-replicas-abc", lambda: k8slab.check("deploy/web", "replicas=abc"), ["replicas", "whole number"]),
    ("check-greater-than-word", lambda: k8slab.check("deploy/web", "status.readyReplicas>few"), ["compares numbers"]),
    ("wait-condition-maybe", lambda: k8slab.wait("pod/x", for_="condition=Ready=maybe"),
     ["True, False or Unknown", "maybe"]),
]


@pytest.mark.parametrize("call,words", [c[1:] for c in API_CASES], ids=[c[0] for c in API_CASES])
def test_api_arguments_before_any_request(no_requests, call, words):
    with pytest.raises(K8sLabError):
        call()  # the first call imports the verb's module
    start = time.monotonic()
    with pytest.raises(K8sLabError) as info:
        call()
    assert isinstance(info.value, (UsageError, ManifestError)), repr(info.value)
    for word in words:
        assert word in str(info.value), str(info.value)
    assert time.monotonic() - start < 1.0


def test_widget_arguments(no_requests):
    from k8slab.widgets.live import seconds
    from k8slab.widgets.rollout_view import RolloutWatcher
    from k8slab.widgets.table_view import WatchTable

    with pytest.raises(UsageError, match="timeout must be a number of seconds"):
        seconds("abc")
    with pytest.raises(UsageError, match="timeout"):
        RolloutWatcher("deploy/web", timeout="abc")  # refused before the model starts a watch
    with pytest.raises(UsageError, match="timeout"):
        WatchTable("pods", timeout=-1)


def test_a_widget_whose_constructor_fails_closes_quietly(no_requests):
    import gc
    import sys
    from io import StringIO

    from k8slab.widgets.scale_view import ScaleWidget

    err, sys.stderr = sys.stderr, StringIO()
    try:
        with pytest.raises(TypeError, match="bogus"):
            ScaleWidget("deploy/web", bogus=1)
        gc.collect()
        printed = sys.stderr.getvalue()
    finally:
        sys.stderr = err
    assert "AttributeError" not in printed, printed


# -- against the cluster: nothing changes, or what changed is put back ------------------------------


@pytest.fixture(scope="module")
def ns(cluster):
    import secrets

    from _k8s_objects import pin_lab_context

    from k8slab.client import session as S

    pin_lab_context()
    name = f"k8slab-test-{secrets.token_hex(3)}"
    S.current().request("POST", "/api/v1/namespaces",
                        body={"metadata": {"name": name, "labels": {"k8slab.dev/test": "true"}}})
    try:
        yield name
    finally:
        S.current().request("DELETE", f"/api/v1/namespaces/{name}")


@pytest.fixture(scope="module")
def ip(ns):
    from _k8s_objects import shell

    return shell()


def _get(path: str) -> dict | None:
    from k8slab.client import session as S
    from k8slab.errors import NotFoundError

    try:
        return S.current().request("GET", path)
    except NotFoundError:
        return None


def _configmap(ns: str, name: str, value: str) -> dict:
    k8slab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns},
                  "data": {"v": value}})
    return _get(f"/api/v1/namespaces/{ns}/configmaps/{name}")


@pytest.mark.cluster
@pytest.mark.parametrize("case", ["nul", "lone-surrogate", "flow-depth-3000", "billion-laughs", "set",
                                  "python-object", "name-int", "binary-not-utf8"])
def test_bad_yaml_in_a_cell_is_one_message_and_changes_nothing(ip, ns, case):
    text = dict((c[0], c[1]) for c in YAML_CASES)[case]
    text = text.replace("name: c}", "name: bad}") + f"---\n{HEAD.replace('name: c', 'name: good')}  a: b\n"
    with pytest.raises(IPythonUsageError) as info:
        ip.run_cell_magic("k8s", f"apply -n {ns}", text)
    assert "document" in str(info.value) or "cell" in str(info.value)
    assert _get(f"/api/v1/namespaces/{ns}/configmaps/good") is None  # all or nothing: not even the good one


@pytest.mark.cluster
def test_emoji_round_trip_through_apply(ip, ns):
    ip.run_cell_magic("k8s", f"apply -n {ns}",
                      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: emoji\n"
                      "  annotations: {note: 'café 😀'}\ndata: {a: 😀 party 🎉, b: 'ＵＴＦ-8 ✓'}\n")
    live = _get(f"/api/v1/namespaces/{ns}/configmaps/emoji")
    assert live["data"] == {"a": "😀 party 🎉", "b": "ＵＴＦ-8 ✓"}
    assert live["metadata"]["annotations"]["note"] == "café 😀"
    again = k8slab.apply(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: emoji, namespace: {ns},"
                         " annotations: {note: 'café 😀'}}\ndata: {a: 😀 party 🎉, b: 'ＵＴＦ-8 ✓'}\n")
    assert str(again) == "configmap/emoji unchanged"


@pytest.mark.cluster
def test_bad_wait_and_timeout_refused_before_the_cluster_changes(ns):
    before = _configmap(ns, "keep", "1")
    with pytest.raises(UsageError, match="wait"):
        k8slab.apply(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: new, namespace: {ns}}}\n", wait="abc")
    assert _get(f"/api/v1/namespaces/{ns}/configmaps/new") is None
    with pytest.raises(UsageError, match="timeout"):
        k8slab.delete("cm/keep", namespace=ns, timeout="abc")
    assert _get(f"/api/v1/namespaces/{ns}/configmaps/keep")["metadata"]["uid"] == before["metadata"]["uid"]


@pytest.mark.cluster
def test_an_apply_that_fails_after_the_dry_run_is_undone(ns):
    newns = ns + "-x"
    before = _configmap(ns, "changed", "old")
    port = random.randint(30100, 32700)
    svc = ("apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\n"
           "spec: {{type: NodePort, selector: {{app: {name}}}, ports: [{{port: 80, nodePort: {port}}}]}}\n")
    text = (f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {newns}, labels: {{k8slab.dev/test: 'true'}}}}\n"
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: changed}\ndata: {v: new}\n"
            f"---\n{svc.format(name='svc-a', port=port)}---\n{svc.format(name='svc-b', port=port)}")
    try:
        with pytest.raises(ApplyError) as info:
            k8slab.apply(text, namespace=ns)
        message = str(info.value)
        assert "passed the server dry run" in message
        assert "provided port is already allocated" in message
        assert f"namespace/{newns} deleted again" in message
        assert "configmap/changed restored" in message
        after = _get(f"/api/v1/namespaces/{ns}/configmaps/changed")
        assert after["data"] == {"v": "old"}
        assert after["metadata"]["managedFields"][0]["manager"] == before["metadata"]["managedFields"][0]["manager"]
        services = _get(f"/api/v1/namespaces/{ns}/services")["items"]
        assert services == []
        gone = _get(f"/api/v1/namespaces/{newns}")
        assert gone is None or gone["metadata"].get("deletionTimestamp")
    finally:
        from k8slab.client import session as S

        if _get(f"/api/v1/namespaces/{newns}"):
            S.current().request("DELETE", f"/api/v1/namespaces/{newns}")


@pytest.mark.cluster
def test_secret_values_are_masked_on_get_raw(ip, ns):
    from k8slab.client import session as S

    S.current().request("POST", f"/api/v1/namespaces/{ns}/secrets",
                        body={"metadata": {"name": "pw"}, "stringData": {"password": "hunter2"}})
    encoded = "aHVudGVyMg=="
    for path in (f"/api/v1/namespaces/{ns}/secrets/pw", f"/api/v1/namespaces/{ns}/secrets",
                 f"/api/v1/namespaces/{ns}/secrets?watch=1&timeoutSeconds=1"):
        out = ip.run_line_magic("k8s", f"get --raw {path}")
        assert encoded not in str(out) and encoded not in repr(getattr(out, "data", "")), path
        assert "<hidden: 7 bytes>" in str(out), path
    shown = ip.run_line_magic("k8s", f"get --raw /api/v1/namespaces/{ns}/secrets/pw --show-secrets")
    assert encoded in str(shown)


@pytest.mark.cluster
def test_patch_with_invalid_json_changes_nothing(ip, ns):
    before = _configmap(ns, "p", "1")
    for bad in ('{"data": {"v": }}', '{"data": {"v": "2"}', "[{op: replace}"):
        with pytest.raises(IPythonUsageError, match="is not valid JSON"):
            ip.run_line_magic("k8s", f"patch cm/p -n {ns} -p '{bad}'")
    assert _get(f"/api/v1/namespaces/{ns}/configmaps/p")["metadata"]["resourceVersion"] == \
        before["metadata"]["resourceVersion"]
    ip.run_line_magic("k8s", f"patch cm/p -n {ns} -p 'data: {{v: \"2\"}}'")  # YAML stays accepted, as kubectl
    assert _get(f"/api/v1/namespaces/{ns}/configmaps/p")["data"] == {"v": "2"}


@pytest.mark.cluster
def test_taint_without_the_type_nodes_changes_nothing(ip):
    nodes = _get("/api/v1/nodes")["items"]
    name = nodes[-1]["metadata"]["name"]
    with pytest.raises(IPythonUsageError) as info:
        ip.run_line_magic("k8s", f"taint {name} k8slab-test=v:NoSchedule")
    assert "resource type" in str(info.value) and f"taint nodes {name}" in str(info.value)
    taints = (_get(f"/api/v1/nodes/{name}").get("spec") or {}).get("taints") or []
    assert not any(t["key"] == "k8slab-test" for t in taints)


@pytest.mark.cluster
@pytest.mark.parametrize("verb", ["get pods", "describe pods", "run web --image nginx:1.27", "logs web",
                                  "scale deploy/web --replicas 1", "check deploy/web"])
def test_a_cell_body_the_verb_does_not_read_is_refused(ip, ns, verb):
    with pytest.raises(IPythonUsageError, match="does not read the cell"):
        ip.run_cell_magic("k8s", f"{verb} -n {ns}", "apiVersion: v1\nkind: Pod\n")
    assert _get(f"/api/v1/namespaces/{ns}/pods/web") is None


@pytest.mark.cluster
def test_mistakes_known_at_once_are_said_at_once(ip, ns):
    start = time.monotonic()
    with pytest.raises(MissingObjectError, match='pods "missing" not found'):
        k8slab.wait("pod/missing", for_="condition=Ready", namespace=ns)
    with pytest.raises(CheckFailedError, match="not found"):
        k8slab.check("deploy/missing", "replicas=1", namespace=ns)
    with pytest.raises(CheckFailedError, match="not found"):
        ip.run_line_magic("k8s", f"check cm/missing -n {ns}")  # fails the cell: an ExpectationError
    assert issubclass(MissingObjectError, ExpectationError)
    assert time.monotonic() - start < 3.0
    # what a controller makes may still come: waited for, as before
    start = time.monotonic()
    with pytest.raises(ExpectationError):
        k8slab.check("pod/not-yet", namespace=ns, timeout="1s")
    assert time.monotonic() - start >= 1.0


def test_a_missing_file_names_the_flag_it_was_given_to(no_requests):
    from k8slab.api.generators.objects import configmap, secret_tls

    with pytest.raises(UsageError, match=r"^--cert /no/tls.crt: cannot read /no/tls.crt: No such file"):
        secret_tls("web-tls", "/no/tls.crt", "/no/tls.key")
    with pytest.raises(UsageError, match=r"^--from-file=k=/no/f: cannot read /no/f"):
        configmap("c", files=["k=/no/f"])


def test_numpy_numbers_are_numbers(no_requests):
    import numpy as np

    from k8slab.api.args.checks import checked

    @checked
    def f(replicas: int, timeout: float = 1.0, *, flag: bool = False):
        return replicas, timeout, flag

    got = f(np.int64(3), np.float32(2.5), flag=np.bool_(True))
    assert got == (3, 2.5, True) and [type(v) for v in got] == [int, float, bool]  # JSON can hold these
    with pytest.raises(UsageError, match="replicas must be an int, not float64"):
        f(np.float64(3.0))


def test_kubectl_values_that_look_wrong_stay_accepted(no_requests):
    with pytest.raises(AssertionError, match="a request was about to be made"):
        k8slab.logs("web", tail=-1)  # kubectl's --tail=-1: every line
    with pytest.raises(AssertionError, match="a request was about to be made"):
        k8slab.get("pods", output="jsonpath={.items[-1:]}")


@pytest.mark.cluster
@pytest.mark.parametrize("line,message", [
    ("get pod ..", "invalid resource name \"..\": [may not be '..']"),
    ("get pod .", "invalid resource name \".\": [may not be '.']"),
    ("get pod a%2Fb", "invalid resource name \"a%2Fb\": [may not contain '%']"),
    ("get pods -n a/b", "invalid namespace \"a/b\": [may not contain '/']"),
    ("get pods -n ../kube-system", "invalid namespace \"../kube-system\""),
    ("describe pod ..", "may not be '..'"),
    ("delete pod .. --dry-run=server", "may not be '..'"),
    ("label pod/.. a=b", "may not be '..'"),
    ("logs ..", "may not be '..'"),
    ("exec .. -- ls", "may not be '..'"),
    ("cordon ..", "invalid node name"),
    ("taint nodes .. a=b:NoSchedule", "invalid node name"),
    ("events --types Bogus", "valid --types are Normal or Warning"),
])
def test_names_that_would_change_the_path_are_refused_as_kubectl_refuses_them(ip, ns, line, message):
    # "get pod .." used to read /api/v1/namespaces/NS itself
    with pytest.raises(IPythonUsageError) as info:
        ip.run_line_magic("k8s", line if line.startswith(("cordon", "taint")) or " -n " in line else f"{line} -n {ns}")
    assert message in str(info.value)


def test_files_that_are_not_manifests(tmp_path):
    from k8slab.manifest import load_paths

    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(40 * 2**20)  # sparse: 40 MiB of NULs, never read into memory
    with pytest.raises(ManifestError, match="the file is 40 MiB"):
        load_paths([big])
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(ManifestError, match="cannot read it"):
        load_paths([binary])
    nul = tmp_path / "nul.yaml"
    nul.write_text(HEAD + "  a: b\x00\n")
    with pytest.raises(ManifestError, match=r"nul.yaml, line 5, column 7\): the character U\+0000"):
        load_paths([tmp_path / "nul.yaml"])
    with pytest.raises(ManifestError, match="not a file or a directory"):
        load_paths(["/dev/zero"])  # never read


def test_every_verb_parser_answers_a_usage_error():
    """No verb's parser lets an argparse mistake escape (``%k8s check`` alone raised a ValueError
    from argparse formatting the '%' of its usage)."""
    import contextlib
    import io

    from k8slab.magics.parser import HelpShown
    from k8slab.magics.verbs import VERBS, parser_for

    for verb in VERBS:
        for argv in ([], ["--bogus"], ["a", "b", "c", "--timeout"], ["-n"], ["%k8s"], ["--help"]):
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    parser_for(verb).parse_args(argv)
            except (IPythonUsageError, HelpShown):
                pass
