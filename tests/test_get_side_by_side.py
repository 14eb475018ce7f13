"""Side by side: ``%k8s get`` shows the same columns and rows (AGE aside) as ``kubectl get``."""

from __future__ import annotations

import re
import subprocess

import pytest

from k8slab.api.output.table import cell_text
from k8slab.client import session as S
from k8slab.engine import versions
from k8slab.engine.paths import bin_dir

from _k8s_objects import create, make_web, pin_lab_context, shell

pytestmark = pytest.mark.cluster
KUBECTL = bin_dir("kubernetes", versions.KUBERNETES) / "kubectl"
AGE_COLUMNS = {"AGE", "LAST SEEN"}


def parse_columns(text: str) -> tuple[list[str], list[list[str]]]:
    """Split kubectl-style aligned text into headers and cells (headers may hold single spaces)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    marks = list(re.finditer(r"\S+(?: \S+)*", lines[0]))
    starts = [m.start() for m in marks] + [None]
    rows = [[ln[starts[i]:starts[i + 1]].strip() for i in range(len(marks))] for ln in lines[1:]]
    return [m.group() for m in marks], rows


def drop_age(headers, rows):
    keep = [i for i, h in enumerate(headers) if h not in AGE_COLUMNS]
    return [headers[i] for i in keep], [[r[i] for i in keep] for r in rows]


@pytest.fixture(scope="module")
def ns(cluster, kubeconfig):
    import secrets as _s

    if not KUBECTL.exists():
        pytest.fail(f"kubectl is not built at {KUBECTL}; run: k8slab build kubectl")
    pin_lab_context()
    name = f"k8slab-test-{_s.token_hex(3)}"
    create(None, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {"k8slab.dev/test": "true"}}})
    try:
        make_web(name, replicas=3)
        yield name
    finally:
        S.current().request("DELETE", f"/api/v1/namespaces/{name}")


def kubectl(kubeconfig, *args) -> str:
    out = subprocess.run([str(KUBECTL), "--kubeconfig", kubeconfig, "--context", S.current().context, *args],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.parametrize("type_", ["pods", "deployments", "replicasets", "services", "nodes", "configmaps"])
@pytest.mark.parametrize("wide", [False, True], ids=["default", "wide"])
def test_same_columns_and_rows_as_kubectl(ns, kubeconfig, type_, wide):
    import k8slab

    flags = ["-o", "wide"] if wide else []
    namespaced = type_ != "nodes"
    theirs = kubectl(kubeconfig, "get", type_, *(["-n", ns] if namespaced else []), *flags)
    ours = k8slab.get(type_, namespace=ns if namespaced else None, output="wide" if wide else None)
    k_headers, k_rows = drop_age(*parse_columns(theirs))
    o_headers, o_rows = drop_age(list(ours.columns), [[cell_text(v) for v in r] for r in ours._rows()])
    assert o_headers == k_headers
    assert o_rows == k_rows
    # and the text form reads back to the same cells
    t_headers, t_rows = drop_age(*parse_columns(ours.to_text(max_rows=None)))
    assert (t_headers, t_rows) == (k_headers, k_rows)


def test_all_namespaces_and_labels_like_kubectl(ns, kubeconfig):
    import k8slab

    theirs = kubectl(kubeconfig, "get", "deploy", "-A", "--show-labels")
    ours = k8slab.get("deploy", all_namespaces=True, show_labels=True)
    k_headers, k_rows = drop_age(*parse_columns(theirs))
    o_headers, o_rows = drop_age(list(ours.columns), [[cell_text(v) for v in r] for r in ours._rows()])
    assert o_headers == k_headers and o_headers[0] == "NAMESPACE"
    # other tests change other namespaces meanwhile: compare this test's namespace
    assert [r for r in o_rows if r[0] == ns] == [r for r in k_rows if r[0] == ns] != []


def test_api_resources_like_kubectl(ns, kubeconfig):
    import k8slab

    text = kubectl(kubeconfig, "api-resources")
    ours = k8slab.api_resources()
    assert list(ours.columns) == parse_columns(text)[0]
    assert ours.to_text(max_rows=None) == text.rstrip("\n")  # same rows, same order, same layout


@pytest.mark.parametrize("args", [
    "get deploy web -o yaml", "get deploy web -o json", "get cm -o yaml", "get svc -o json",
    "get pods -o name", "get deploy,svc,cm -o name",
    "get pods -o jsonpath={.items[*].metadata.name}",
    r"""get pods -o jsonpath='{range .items[*]}{.metadata.name}:{.spec.containers[0].image}{"\n"}{end}'""",
    "get pods -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image,NODE:.spec.nodeName",
    "get cm -o custom-columns=NAME:.metadata.name,KEYS:.data.greeting --sort-by=.metadata.name",
])
def test_printed_outputs_identical_to_kubectl(ns, kubeconfig, args):
    import shlex

    ip = shell()
    argv = shlex.split(args)
    theirs = kubectl(kubeconfig, *argv, "-n", ns)
    ours = ip.run_line_magic("k8s", " ".join(shlex.quote(a) for a in argv) + f" -n {ns}")
    text = ours.to_text(max_rows=None) if hasattr(ours, "to_text") else str(ours)
    assert text.rstrip("\n") == theirs.rstrip("\n")


def _event_time(ev: dict):
    """The time kubectl events sorts by: series.lastObservedTime, else lastTimestamp, else eventTime."""
    from datetime import datetime

    return datetime.fromisoformat((ev.get("series") or {}).get("lastObservedTime") or ev.get("lastTimestamp")
                                  or ev["eventTime"])


def _time_runs(rows: list[list[str]], times: list) -> list[list[list[str]]]:
    """``rows`` cut where ``times`` changes, each run sorted: what a sort by time decides."""
    runs, start = [], 0
    for i in range(1, len(times) + 1):
        if i == len(times) or times[i] != times[start]:
            runs.append(sorted(rows[start:i]))
            start = i
    return runs


@pytest.mark.parametrize("args", [[], ["--for", "deploy/web"], ["--types", "Normal"]])
def test_events_like_kubectl(ns, kubeconfig, args):
    """The same rows as kubectl, oldest first. Among events of one time kubectl's order is Go's
    unstable sort's; a kubelet's events (Pulled, Created, Started: to the second) tie often."""
    import json

    import k8slab

    theirs = kubectl(kubeconfig, "events", "-n", ns, *args)
    items = json.loads(kubectl(kubeconfig, "events", "-n", ns, *args, "-o", "json"))["items"]
    target = args[1] if args[:1] == ["--for"] else None
    ours = k8slab.events(target, namespace=ns, types=args[1] if args[:1] == ["--types"] else None)
    k_headers, k_rows = drop_age(*parse_columns(theirs))
    o_headers, o_rows = drop_age(*parse_columns(ours.to_text(max_rows=None)))
    assert o_headers == k_headers == ["TYPE", "REASON", "OBJECT", "MESSAGE"]
    # kubectl's JSON lists its rows in its order: the time of each row
    assert [[e["type"], e["reason"], f"{e['involvedObject']['kind']}/{e['involvedObject']['name']}"]
            for e in items] == [r[:3] for r in k_rows] != []
    times = [_event_time(e) for e in items]
    assert times == sorted(times)
    assert _time_runs(o_rows, times) == _time_runs(k_rows, times)


@pytest.mark.parametrize("target", ["pods", "deployment.spec.strategy", "pods.spec.containers", "svc.spec",
                                    "cronjobs.spec.jobTemplate", "deploy.spec.strategy.type", "deploy.spec.replicas",
                                    "pods.spec.containers.lifecycle", "ingresses.networking.k8s.io.spec"])
def test_explain_like_kubectl(ns, kubeconfig, target):
    import k8slab

    theirs = kubectl(kubeconfig, "explain", target)
    assert str(k8slab.explain(target)).rstrip() == theirs.rstrip()
    theirs = kubectl(kubeconfig, "explain", target, "--recursive")
    assert str(k8slab.explain(target, recursive=True)).rstrip() == theirs.rstrip()


@pytest.mark.parametrize("args", ["-o wide", "-o name", "--namespaced=false", "--api-group=apps", "--verbs=list,watch"])
def test_api_resources_flags_like_kubectl(ns, kubeconfig, args):
    ip = shell()
    theirs = kubectl(kubeconfig, "api-resources", *args.split())
    ours = ip.run_line_magic("k8s", f"api-resources {args}")
    text = ours.to_text(max_rows=None) if hasattr(ours, "to_text") else str(ours)
    assert text.splitlines() == [ln.rstrip() for ln in theirs.rstrip("\n").splitlines()]


@pytest.mark.parametrize("args", ["get nodes -L kubernetes.io/hostname,kubernetes.io/os -L nope --show-labels",
                                  "get pods -L app -L pod-template-hash", "get all -L app"])
def test_label_columns_like_kubectl(ns, kubeconfig, args):
    ip = shell()
    theirs = kubectl(kubeconfig, *args.split(), "-n", ns)
    ours = ip.run_line_magic("k8s", f"{args} -n {ns}")
    text = ours.to_text(max_rows=None) if hasattr(ours, "to_text") else repr(ours)
    assert [drop_age(*parse_columns(b)) for b in text.split("\n\n")] == \
        [drop_age(*parse_columns(b)) for b in theirs.rstrip("\n").split("\n\n")]
