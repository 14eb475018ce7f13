"""Side by side: ``rollout undo`` then ``rollout history`` as kubectl shows them.

The same steps run twice on the lab cluster, once with kubectl and once with the
kit, each in its own namespace: a Deployment at nginx:1.14.2, then nginx:1.16.1
with its change-cause, then undo (to revision 1), then undo --to-revision 2.
kubectl's rollback restores the target ReplicaSet's annotations with its pod
template, so revision 3 carries revision 1's change-cause.
"""

from __future__ import annotations

import secrets
import subprocess

import pytest

import k8slab
from k8slab.api.write.rollout import undo_annotations
from k8slab.client import session as S
from k8slab.engine import versions
from k8slab.engine.paths import bin_dir

from _k8s_objects import create, pin_lab_context

pytestmark = pytest.mark.cluster
KUBECTL = bin_dir("kubernetes", versions.KUBERNETES) / "kubectl"
CAUSE = "kubernetes.io/change-cause"


def manifest(image: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    {CAUSE}: "image {image}"
spec:
  replicas: 1
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: nginx
        image: {image}
"""


@pytest.fixture
def two_namespaces(cluster):
    pin_lab_context()
    names = [f"k8slab-test-{secrets.token_hex(3)}" for _ in range(2)]
    for name in names:
        create(None, {"apiVersion": "v1", "kind": "Namespace",
                      "metadata": {"name": name, "labels": {"k8slab.dev/test": "true"}}})
    try:
        yield names
    finally:
        for name in names:
            S.current().request("DELETE", f"/api/v1/namespaces/{name}")


def kubectl(kubeconfig, *args, stdin: str | None = None) -> str:
    if not KUBECTL.exists():
        pytest.fail(f"kubectl is not built at {KUBECTL}; run: k8slab build kubectl")
    out = subprocess.run([str(KUBECTL), "--kubeconfig", kubeconfig, "--context", S.current().context, *args],
                         input=stdin, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def annotations(ns: str) -> dict:
    obj = S.current().request("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    ann = dict(obj["metadata"].get("annotations") or {})
    ann.pop("kubectl.kubernetes.io/last-applied-configuration", None)  # only kubectl apply writes it
    return ann


def test_undo_and_history_match_kubectl(two_namespaces, kubeconfig):
    theirs_ns, ours_ns = two_namespaces
    quiet = {"progress": lambda s: None}
    steps = []

    def both(what, by_kubectl, by_kit):
        theirs, ours = by_kubectl(), by_kit()
        steps.append((what, theirs, ours))

    def history(ns):
        # kubectl ends its first line with a space; the kit does not
        text = kubectl(kubeconfig, "rollout", "history", "deploy/web", "-n", ns)
        return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines())

    both("apply 1.14.2",
         lambda: kubectl(kubeconfig, "apply", "-n", theirs_ns, "-f", "-", stdin=manifest("nginx:1.14.2")),
         lambda: k8slab.apply(manifest("nginx:1.14.2"), namespace=ours_ns))
    for ns in two_namespaces:
        kubectl(kubeconfig, "rollout", "status", "deploy/web", "-n", ns, "--timeout=120s")
    both("apply 1.16.1",
         lambda: kubectl(kubeconfig, "apply", "-n", theirs_ns, "-f", "-", stdin=manifest("nginx:1.16.1")),
         lambda: k8slab.apply(manifest("nginx:1.16.1"), namespace=ours_ns))
    for ns in two_namespaces:
        kubectl(kubeconfig, "rollout", "status", "deploy/web", "-n", ns, "--timeout=120s")
    assert history(theirs_ns) == history(ours_ns)

    both("undo",
         lambda: kubectl(kubeconfig, "rollout", "undo", "deploy/web", "-n", theirs_ns).strip(),
         lambda: str(k8slab.rollout("undo", "deploy/web", namespace=ours_ns)))
    k8slab.rollout("status", "deploy/web", namespace=theirs_ns, timeout=120, **quiet)
    k8slab.rollout("status", "deploy/web", namespace=ours_ns, timeout=120, **quiet)
    # the kit's history, as the kit prints it, against kubectl's on kubectl's deployment
    ours = str(k8slab.rollout("history", "deploy/web", namespace=ours_ns))
    theirs = history(theirs_ns)
    assert ours == theirs
    assert theirs.splitlines()[-2:] == ["2         image nginx:1.16.1", "3         image nginx:1.14.2"]
    assert annotations(ours_ns) == annotations(theirs_ns)

    both("undo --to-revision 2",
         lambda: kubectl(kubeconfig, "rollout", "undo", "deploy/web", "-n", theirs_ns, "--to-revision=2").strip(),
         lambda: str(k8slab.rollout("undo", "deploy/web", namespace=ours_ns, to_revision=2)))
    k8slab.rollout("status", "deploy/web", namespace=theirs_ns, timeout=120, **quiet)
    k8slab.rollout("status", "deploy/web", namespace=ours_ns, timeout=120, **quiet)
    assert str(k8slab.rollout("history", "deploy/web", namespace=ours_ns)) == history(theirs_ns)
    assert history(theirs_ns).splitlines()[-2:] == ["3         image nginx:1.14.2", "4         image nginx:1.16.1"]
    assert annotations(ours_ns) == annotations(theirs_ns)

    for what, theirs, ours in steps[2:]:  # the undo lines themselves
        assert ours == theirs, what


def test_undo_annotations_keep_bookkeeping_and_take_the_rest_from_the_target():
    deployment = {"metadata": {"annotations": {
        "deployment.kubernetes.io/revision": "2", CAUSE: "image b",
        "kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "x"}}}
    rs = {"metadata": {"annotations": {
        "deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": "3",
        CAUSE: "image a", "owner": "y"}}}
    assert undo_annotations(deployment, rs) == {
        "deployment.kubernetes.io/revision": "2", "kubectl.kubernetes.io/last-applied-configuration": "{}",
        CAUSE: "image a", "owner": "y"}
    assert undo_annotations({"metadata": {}}, {"metadata": {}}) == {}
