"""``--dry-run=none|client|server`` means what it means in kubectl on every verb (client: no
write is sent), one ``dry_run`` type in the Python API, and one Go-syntax duration parser."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

import k8slab
from k8slab.api.args import dry_run as D
from k8slab.api.args.duration import parse_duration
from k8slab.client import http
from k8slab.errors import UsageError as KitUsageError

# -- pure functions -----------------------------------------------------------------------------


@pytest.mark.parametrize("value, mode", [(None, None), (False, None), ("none", None), ("client", "client"),
                                         ("server", "server"), ("Server", "server"), (True, "server")])
def test_one_dry_run_type(value, mode):
    assert D.parse(value) == mode


@pytest.mark.parametrize("value", ["maybe", "", 1, "true"])
def test_bad_dry_run_values_say_what_to_use(value):
    with pytest.raises(KitUsageError, match="use none, client or server"):
        D.parse(value, "label")


@pytest.mark.parametrize("text, seconds", [("1.5m", 90.0), ("1h2m3s", 3723.0), ("300ms", 0.3), ("0", 0.0),
                                           ("2h45m", 9900.0), (".5s", 0.5), ("1m30s", 90.0), ("90s", 90.0),
                                           ("100us", 1e-4), ("10ns", 1e-8), (" 5s ", 5.0), (12, 12.0), (2.5, 2.5)])
def test_go_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text, message", [("soon", "is not a duration"), ("1m30", "is not a duration"),
                                           ("", "is not a duration"), ("-1s", "0 or more"), ("1d", "is not a duration"),
                                           (True, "is not a duration")])
def test_bad_durations(text, message):
    with pytest.raises(KitUsageError, match=message):
        parse_duration(text)


def test_bare_seconds_only_where_allowed():
    assert parse_duration("90") == 90.0  # the kit's own flags and the Python API
    with pytest.raises(KitUsageError, match='missing unit in duration "90": write e.g. 90s'):
        parse_duration("90", bare_seconds=False)  # kubectl's --timeout/--since
    assert parse_duration("0", bare_seconds=False) == 0.0  # Go accepts a bare 0


# -- magics and the cluster ---------------------------------------------------------------------


@pytest.fixture
def ip():
    from _k8s_objects import shell

    return shell()


@pytest.fixture
def writes(monkeypatch):
    """Every request the client layer sends; a write in ``block`` mode fails before it leaves."""
    seen: list[tuple[str, str, dict]] = []
    real = http.HttpMixin._send
    state = {"block": False}

    def send(self, method, path, *, query=None, **kwargs):
        seen.append((method.upper(), path, dict(query or {})))
        if state["block"] and method.upper() != "GET":
            raise AssertionError(f"a client dry run sent {method} {path}")
        return real(self, method, path, query=query, **kwargs)

    monkeypatch.setattr(http.HttpMixin, "_send", send)

    class Recorder:
        def start(self, block: bool):
            seen.clear()
            state["block"] = block

        @property
        def sent(self):
            return [(m, p, q) for m, p, q in seen if m != "GET"]

    return Recorder()


def _setup(ns):
    k8slab.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, labels: {app: x}}\ndata: {a: b}\n---\n"
                 "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n"
                 "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
                 "    spec: {containers: [{name: web, image: 'nginx:1.27', ports: [{containerPort: 80}]}]}\n",
                 namespace=ns)


CLIENT_LINES = [
    ("create configmap new --from-literal=a=b -n {ns}", "configmap/new created (dry run)"),
    ("run pod1 --image nginx:1.27 -n {ns}", "pod/pod1 created (dry run)"),
    ("expose deploy/web --port 80 -n {ns}", "service/web exposed (dry run)"),
    ("label cm/cm tier=x -n {ns}", "configmap/cm labeled (dry run)"),
    ("annotate cm/cm note=x -n {ns}", "configmap/cm annotated (dry run)"),
    ("set image deploy/web web=nginx:1.28 -n {ns}", "deployment.apps/web image updated (dry run)"),
    ("scale deploy/web --replicas 3 -n {ns}", "deployment.apps/web scaled (dry run)"),
    ("delete cm/cm -n {ns}", 'configmap "cm" deleted (dry run)'),
    ("cordon k8slab-worker", "node/k8slab-worker cordoned (dry run)"),
    ("taint nodes k8slab-worker lab-dry=yes:NoSchedule", "node/k8slab-worker tainted (dry run)"),
]


@pytest.mark.cluster
@pytest.mark.parametrize("flag", ["--dry-run=client", "--dry-run"])  # bare: client, as in kubectl
def test_client_dry_run_sends_no_write_on_any_verb(ip, namespace, writes, flag):
    from _k8s_objects import pin_lab_context

    pin_lab_context()
    _setup(namespace)
    for line, said in CLIENT_LINES:
        writes.start(block=True)  # a write would fail here, before reaching the (shared) cluster
        out = ip.run_line_magic("k8s", f"{line.format(ns=namespace)} {flag}")
        assert str(out).splitlines()[-1] == said, line
        assert writes.sent == [], line
    for call in (lambda: k8slab.label("cm/cm", "x=y", namespace=namespace, dry_run="client"),
                 lambda: k8slab.delete("deploy/web", namespace=namespace, dry_run="client"),
                 lambda: k8slab.create(manifest="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: z}\n",
                                       namespace=namespace, dry_run="client")):
        writes.start(block=True)
        assert str(call()).endswith("(dry run)")
        assert writes.sent == []
    writes.start(block=False)
    cm = k8slab.get("cm/cm", namespace=namespace, output="json")
    assert '"tier"' not in str(cm) and '"note"' not in str(cm)


@pytest.mark.cluster
def test_server_dry_run_sends_dry_run_all_on_every_write(ip, namespace, writes):
    from _k8s_objects import pin_lab_context

    pin_lab_context()
    _setup(namespace)
    for line, said in CLIENT_LINES[:8]:  # namespaced objects only: the nodes are shared
        writes.start(block=False)
        out = ip.run_line_magic("k8s", f"{line.format(ns=namespace)} --dry-run=server")
        assert str(out).splitlines()[-1] == said.replace("(dry run)", "(server dry run)"), line
        assert writes.sent and all(q.get("dryRun") == "All" for _, _, q in writes.sent), (line, writes.sent)
    writes.start(block=False)
    out = ip.run_cell_magic("k8s", f"apply -n {namespace} --dry-run=server",
                            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: c}\n")
    assert str(out) == "configmap/cm configured (server dry run)"
    assert all(q.get("dryRun") == "All" for _, _, q in writes.sent)


@pytest.mark.cluster
def test_apply_client_dry_run_is_refused_as_kubectl_refuses_it_with_server_side(ip, namespace, writes):
    from _k8s_objects import pin_lab_context

    pin_lab_context()
    cell = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"
    for flag in ("--dry-run=client", "--dry-run"):
        writes.start(block=True)
        with pytest.raises(UsageError, match=r"--dry-run=client doesn't work with server-side apply.*"
                                             r"--dry-run=server"):
            ip.run_cell_magic("k8s", f"apply -n {namespace} {flag}", cell)
        assert writes.sent == []
    with pytest.raises(KitUsageError, match="doesn't work with server-side apply"):
        k8slab.apply(cell, namespace=namespace, dry_run="client")


@pytest.mark.cluster
@pytest.mark.parametrize("line, message", [
    ("wait cm/cm --for=delete --timeout=90", 'missing unit in duration "90": write e.g. 90s'),
    ("delete cm/cm --timeout=soon", "'soon' is not a duration"),
    ("logs web --since=5", "missing unit"),
    ("rollout status deploy/web --timeout 1m30", "is not a duration"),
    ("label cm/cm a=b --dry-run=maybe", "invalid choice: 'maybe'"),
])
def test_flag_values_are_checked_like_kubectl(ip, namespace, line, message):
    with pytest.raises(UsageError) as err:
        ip.run_line_magic("k8s", f"{line} -n {namespace}")
    assert message in str(err.value)


@pytest.mark.cluster
def test_the_same_durations_everywhere(ip, namespace):
    """``--wait=1.5m`` (apply, kit's flag) and ``--timeout 1.5m`` (wait) read the same way."""
    from _k8s_objects import pin_lab_context

    pin_lab_context()
    out = ip.run_cell_magic("k8s", f"apply -n {namespace} --wait=1.5m",
                            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dur}\n")
    assert str(out).startswith("configmap/dur created")
    out = ip.run_line_magic("k8s", f"wait cm/dur -n {namespace} --for=jsonpath={{.metadata.name}}=dur --timeout=1.5m")
    assert "condition met" in str(out)
    res = k8slab.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dur2}\n", namespace=namespace, wait="1.5m")
    assert str(res).startswith("configmap/dur2 created")
    with pytest.raises(KitUsageError, match="wait: 'soon' is not a duration"):
        k8slab.scale("deploy/none", replicas=1, namespace=namespace, wait="soon", dry_run="client")


# -- patch --dry-run=client: computed here --------------------------------------------------------


def test_merge_patch_rfc7386_examples():
    from k8slab.api.write.patch_local import merge_patch

    assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge_patch({"a": "b"}, {"a": None}) == {}
    assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}
    assert merge_patch({}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}


def test_json_patch_rfc6902_operations():
    from k8slab.api.write.patch_local import json_patch

    doc = {"spec": {"replicas": 1, "list": ["a", "c"]}}
    out = json_patch(doc, [{"op": "replace", "path": "/spec/replicas", "value": 3},
                           {"op": "add", "path": "/spec/list/1", "value": "b"},
                           {"op": "add", "path": "/spec/list/-", "value": "d"},
                           {"op": "copy", "from": "/spec/replicas", "path": "/spec/copy"},
                           {"op": "move", "from": "/spec/copy", "path": "/moved"},
                           {"op": "remove", "path": "/spec/list/0"},
                           {"op": "test", "path": "/spec/list/0", "value": "b"},
                           {"op": "add", "path": "/metadata", "value": {"a~b": 1}},
                           {"op": "remove", "path": "/metadata/a~0b"}])
    assert out == {"spec": {"replicas": 3, "list": ["b", "c", "d"]}, "moved": 3, "metadata": {}}
    assert doc == {"spec": {"replicas": 1, "list": ["a", "c"]}}  # the input is left alone
    for ops, message in [([{"op": "replace", "path": "/nope", "value": 1}], "does not exist"),
                         ([{"op": "test", "path": "/spec/replicas", "value": 2}], r"test\) failed"),
                         ([{"op": "remove", "path": "/spec/list/5"}], "out of range"),
                         ([{"op": "jump", "path": "/x"}], "unknown op 'jump'"),
                         ([{"path": "/x"}], "needs 'op' and 'path'")]:
        with pytest.raises(KitUsageError, match=message):
            json_patch(doc, ops)


@pytest.mark.cluster
@pytest.mark.parametrize("flags", ["--type merge -p '{\"data\": {\"x\": \"y\", \"a\": null}}'",
                                   "--type json -p '[{\"op\": \"replace\", \"path\": \"/data/a\", \"value\": \"z\"},"
                                   " {\"op\": \"add\", \"path\": \"/metadata/labels/new\", \"value\": \"1\"}]'"])
def test_patch_client_dry_run_is_kubectls_and_sends_nothing(ip, namespace, writes, flags):
    import shlex
    import subprocess

    import yaml

    from _k8s_objects import pin_lab_context
    from k8slab.client import session as S
    from k8slab.engine import versions
    from k8slab.engine.paths import bin_dir, kubeconfig_path

    pin_lab_context()
    _setup(namespace)
    writes.start(block=True)
    ours = yaml.safe_load(str(ip.run_line_magic("k8s", f"patch cm/cm -n {namespace} {flags} --dry-run=client -o yaml")))
    assert writes.sent == []
    argv = [str(bin_dir("kubernetes", versions.KUBERNETES) / "kubectl"), "--kubeconfig", str(kubeconfig_path()),
            "--context", S.current().context, "patch", "cm/cm", "-n", namespace, *shlex.split(flags),
            "--dry-run=client", "-o", "yaml"]
    theirs = yaml.safe_load(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)
    assert ours["data"] == theirs["data"] and ours["metadata"]["labels"] == theirs["metadata"]["labels"]
    assert str(ip.run_line_magic("k8s", f"patch cm/cm -n {namespace} {flags} --dry-run=client")) == \
        "configmap/cm patched (dry run)"
    assert writes.sent == []
    with pytest.raises(UsageError, match="strategic merge needs the server's schema"):
        ip.run_line_magic("k8s", f"patch cm/cm -n {namespace} -p '{{\"data\": {{}}}}' --dry-run=client")
    writes.start(block=False)
    assert k8slab.get("cm/cm", namespace=namespace, output="json").data["data"] == {"a": "b"}
