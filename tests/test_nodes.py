"""cordon, uncordon, drain and taint on a simulated node of the lab cluster, side by side with kubectl."""

from __future__ import annotations

import secrets
import subprocess

import pytest

import k8slab
from k8slab.client import session as S
from k8slab.engine import versions
from k8slab.engine.paths import bin_dir, kubeconfig_path
from k8slab.errors import K8sLabError, UsageError

from _k8s_objects import pin_lab_context

pytestmark = pytest.mark.cluster
KUBECTL = bin_dir("kubernetes", versions.KUBERNETES) / "kubectl"
GUARD = {"key": "k8slab.dev/test-node", "value": "true", "effect": "NoSchedule"}  # keeps other pods away


def _node(name: str, pair: str) -> dict:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "annotations": {"kwok.x-k8s.io/node": "fake"},
                         "labels": {"type": "kwok", "kubernetes.io/hostname": name, "k8slab.dev/test-pair": pair}},
            "spec": {"taints": [GUARD]},
            "status": {"allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                       "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"}}}


@pytest.fixture
def nodes(cluster):
    """Two fresh simulated nodes (KWOK runs every node), tainted so only the test's pods land there."""
    pin_lab_context()
    s = S.current()
    pair = secrets.token_hex(3)
    names = [f"k8slab-test-node-{pair}-{i}" for i in (1, 2)]
    for n in names:
        s.request("POST", "/api/v1/nodes", body=_node(n, pair))
    try:
        # KWOK reports them Ready within a second; the node controller then lifts its not-ready taint
        k8slab.wait(*(f"node/{n}" for n in names), for_="condition=Ready", timeout="60s")
        for n in names:
            k8slab.check(f"node/{n}", "spec.taints[1].key=<none>", timeout="60s")
        yield names
    finally:
        for n in names:
            s.request("DELETE", f"/api/v1/nodes/{n}")


def kubectl(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(KUBECTL), "--kubeconfig", str(kubeconfig_path()), "--context", S.current().context,
                           *args], capture_output=True, text=True, timeout=60)


def spec(name: str) -> dict:
    return S.current().request("GET", f"/api/v1/nodes/{name}").get("spec") or {}


def test_cordon_and_taint_lines_match_kubectl(nodes):
    """The same steps on two equal nodes, one by kubectl v1.37 and one by k8slab: the same lines."""
    if not KUBECTL.exists():
        pytest.fail(f"kubectl is not built at {KUBECTL}; run: k8slab build kubectl")
    theirs, ours = nodes
    for verb in ("cordon", "cordon", "uncordon", "uncordon"):
        out = kubectl(verb, theirs)
        assert out.returncode == 0, out.stderr
        assert str(getattr(k8slab, verb)(ours)) == out.stdout.strip().replace(theirs, ours)
    steps = [["a=b:NoSchedule"], ["a=c:NoSchedule", "--overwrite"], ["x=1:NoExecute", "y:PreferNoSchedule"],
             ["x-"], ["y:PreferNoSchedule-", "z=1:NoSchedule"], ["a:NoSchedule-"]]
    for step in steps:
        out = kubectl("taint", "nodes", theirs, *step)
        assert out.returncode == 0, (step, out.stderr)
        words = [w for w in step if not w.startswith("--")]
        res = k8slab.taint("nodes", ours, *words, overwrite="--overwrite" in step)
        assert str(res) == out.stdout.strip().replace(theirs, ours), step
    key = lambda t: (t["key"], t["effect"])  # noqa: E731
    assert sorted(spec(theirs)["taints"], key=key) == sorted(spec(ours)["taints"], key=key)


def test_taint_refusals_change_no_node(nodes):
    a, b = nodes
    k8slab.taint("nodes", b, "dedicated=x:NoSchedule")
    with pytest.raises(K8sLabError) as err:
        k8slab.taint("nodes", a, b, "dedicated=y:NoSchedule")
    assert f"node {b} already has a taint(s) with same effect(s) and --overwrite is false" in str(err.value)
    assert "No node was changed" in str(err.value)
    assert spec(a)["taints"] == [GUARD]  # not half done: a was not tainted
    with pytest.raises(K8sLabError, match='taint "gone:NoSchedule" not found'):
        k8slab.taint("nodes", a, "gone:NoSchedule-")
    with pytest.raises(UsageError, match="invalid taint effect: Sometimes"):
        k8slab.taint("nodes", a, "k=v:Sometimes")
    with pytest.raises(UsageError, match="at least one taint update is required"):
        k8slab.taint("nodes", a)


def _pods_on(node: str) -> list[dict]:
    listing = S.current().request("GET", "/api/v1/pods", query={"fieldSelector": f"spec.nodeName={node}"})
    return listing.get("items") or []


def test_drain_evicts_what_controllers_remake_and_stops_on_the_rest(nodes, namespace):
    a, b = nodes
    tolerate = [{"key": GUARD["key"], "operator": "Exists"}]
    k8slab.cordon(b)  # the Deployment's pods start on a, and move to b after the drain
    k8slab.apply([
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"nodeSelector": {"k8slab.dev/test-pair": a.split("-")[-2]},
                                        "tolerations": tolerate,
                                        "containers": [{"name": "app", "image": "nginx:1.27"}]}}}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare"},
         "spec": {"nodeName": a, "tolerations": tolerate, "containers": [{"name": "app", "image": "nginx:1.27"}]}},
    ], namespace=namespace)
    k8slab.check("deploy/web", "ready=2", namespace=namespace, timeout="60s")
    k8slab.uncordon(b)
    web_on_a = sorted(p["metadata"]["name"] for p in _pods_on(a) if p["metadata"]["name"].startswith("web-"))
    assert len(web_on_a) == 2

    with pytest.raises(K8sLabError) as err:
        k8slab.drain(a)
    text = str(err.value)
    assert text.splitlines()[0] == f"node/{a} cordoned"
    assert f"cannot delete Pods that declare no controller (use --force to override): {namespace}/bare" in text
    assert spec(a).get("unschedulable") is True  # it stays cordoned, as with kubectl
    assert len(_pods_on(a)) == 3  # nothing was evicted

    res = k8slab.drain(a, force=True, timeout="60s")
    lines = str(res).splitlines()
    assert lines[0] == f"node/{a} already cordoned"
    assert lines[1] == f"Warning: deleting Pods that declare no controller: {namespace}/bare"
    assert sorted(lines[2:5]) == sorted(f"evicting pod {namespace}/{n}" for n in ["bare", *web_on_a])
    assert sorted(lines[5:8]) == sorted(f"pod/{n} evicted" for n in ["bare", *web_on_a])
    assert lines[-1] == f"node/{a} drained"
    assert _pods_on(a) == []
    k8slab.check("deploy/web", "ready=2", namespace=namespace, timeout="60s")  # remade on b
    assert len(_pods_on(b)) == 2
    assert str(k8slab.uncordon(a)) == f"node/{a} uncordoned"


def test_magics_for_nodes(nodes):
    from _k8s_objects import shell

    ip = shell()
    a, _ = nodes
    assert str(ip.run_line_magic("k8s", f"cordon {a} --dry-run=server")) == f"node/{a} cordoned (server dry run)"
    assert spec(a).get("unschedulable") is None
    assert str(ip.run_line_magic("k8s", f"taint nodes {a} lab=yes:NoExecute")) == f"node/{a} tainted"
    assert str(ip.run_line_magic("k8s", f"taint nodes {a} lab-")) == f"node/{a} untainted"
    assert str(ip.run_line_magic("k8s", f"drain {a} --dry-run=server")).endswith(f"node/{a} drained (server dry run)")
