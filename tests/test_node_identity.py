"""The real nodes' programs sign in as themselves: kubelets as system:node:<node>, kube-proxy as
system:kube-proxy, never as the cluster's admin.

Unit tests make certificates with a throwaway CA; the live tests (real-node engine) ask the API
server, with each node program's own kubeconfig, who it is and what it may do (kubectl's
``auth whoami`` and ``auth can-i``), so a kubelet that could read every Secret would fail here.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from k8slab.engine import versions
from k8slab.engine.paths import bin_dir
from k8slab.engine.local import certs, nodeconf
from k8slab.errors import EngineError

KUBECTL = bin_dir("kubernetes", versions.KUBERNETES) / "kubectl"


def _ca(directory: Path, cn: str = "test-ca") -> tuple[Path, Path]:
    crt, key = directory / f"{cn}.crt", directory / f"{cn}.key"
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-subj", f"/CN={cn}", "-days", "1", "-keyout", str(key), "-out", str(crt)],
                   check=True, capture_output=True)
    return crt, key


def _subject(crt: Path) -> str:
    return subprocess.run(["openssl", "x509", "-in", str(crt), "-noout", "-subject", "-nameopt", "compat"],
                          check=True, capture_output=True, text=True).stdout.strip()


def test_a_node_certificate_names_the_node_in_system_nodes_and_is_made_once(tmp_path):
    ca_crt, ca_key = _ca(tmp_path)
    crt, key = tmp_path / "pki" / "kubelet.crt", tmp_path / "pki" / "kubelet.key"
    assert certs.ensure(crt, key, ca_crt, ca_key, "system:node:k8slab-worker", "system:nodes") is True
    assert _subject(crt) == "subject=/O=system:nodes/CN=system:node:k8slab-worker"
    assert os.stat(key).st_mode & 0o777 == 0o600
    subprocess.run(["openssl", "verify", "-CAfile", str(ca_crt), str(crt)], check=True, capture_output=True)
    usage = subprocess.run(["openssl", "x509", "-in", str(crt), "-noout", "-ext", "extendedKeyUsage"],
                           check=True, capture_output=True, text=True).stdout
    assert "TLS Web Client Authentication" in usage and "Server" not in usage
    first = crt.read_bytes()
    assert certs.ensure(crt, key, ca_crt, ca_key, "system:node:k8slab-worker", "system:nodes") is False
    assert crt.read_bytes() == first
    # nothing written beside the CA (no serial file), nothing half-made left in the node's pki
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pki", "test-ca.crt", "test-ca.key"]
    assert sorted(p.name for p in (tmp_path / "pki").iterdir()) == ["kubelet.crt", "kubelet.key"]


def test_a_certificate_is_made_again_for_another_subject_or_another_ca(tmp_path):
    ca_crt, ca_key = _ca(tmp_path)
    crt, key = tmp_path / "kube-proxy.crt", tmp_path / "kube-proxy.key"
    certs.ensure(crt, key, ca_crt, ca_key, "system:node:other", "system:nodes")
    assert certs.ensure(crt, key, ca_crt, ca_key, "system:kube-proxy") is True
    assert _subject(crt) == "subject=/CN=system:kube-proxy"
    new_ca_crt, new_ca_key = _ca(tmp_path, "new-ca")  # a cluster made anew has a new CA
    assert certs.ensure(crt, key, new_ca_crt, new_ca_key, "system:kube-proxy") is True
    assert certs.current(crt, key, new_ca_crt, "system:kube-proxy", None)
    assert not certs.current(crt, key, ca_crt, "system:kube-proxy", None)


def test_a_ca_key_that_is_not_there_is_a_short_engine_error(tmp_path):
    ca_crt, _ = _ca(tmp_path)
    with pytest.raises(EngineError, match="openssl failed signing the certificate of system:kube-proxy"):
        certs.ensure(tmp_path / "k.crt", tmp_path / "k.key", ca_crt, tmp_path / "missing.key", "system:kube-proxy")
    assert not (tmp_path / "k.crt").exists() and not (tmp_path / "k.key").exists()


def test_node_kubeconfigs_use_their_own_certificates_not_the_admins():
    spec = nodeconf.NodeSpec(name="k8slab-worker", index=1, root=Path("/lab/nodes/k8slab-worker"), api_port=6443,
                             ca_file=Path("/pki/ca.crt"), ca_key=Path("/pki/ca.key"))
    files = {p.name: t for p, t in nodeconf.files(spec).items()}
    assert "client-certificate: /lab/nodes/k8slab-worker/etc/pki/kubelet.crt" in files["kubelet.kubeconfig"]
    assert "client-certificate: /lab/nodes/k8slab-worker/etc/pki/kube-proxy.crt" in files["kube-proxy.kubeconfig"]
    assert not any("admin" in t for name, t in files.items() if name.endswith("kubeconfig"))


# -- live: what the API server makes of each node program -----------------------------------------------------


def _as(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(KUBECTL), "--kubeconfig", str(kubeconfig), *args],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def node_specs():
    from _k8s_objects import require_real_nodes

    require_real_nodes()
    from k8slab.engine import cluster
    from k8slab.engine.local import engine

    st = cluster.status("k8slab")
    if st.engine != "local":
        pytest.skip(f"the node certificates are the local engine's (this cluster: {st.engine})")
    if not KUBECTL.exists():
        pytest.fail(f"kubectl is not built at {KUBECTL}; run: k8slab build kubectl")
    return engine.node_specs("k8slab")


def test_each_kubelet_is_its_node_and_may_not_read_the_clusters_secrets(node_specs):
    for spec in node_specs:
        kc = spec.etc / "kubelet.kubeconfig"
        who = _as(kc, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}")
        assert who.returncode == 0, who.stderr
        assert who.stdout.startswith(f"system:node:{spec.name} ") and "system:nodes" in who.stdout, who.stdout
        assert "system:masters" not in who.stdout
        assert _as(kc, "get", "node", spec.name, "-o", "name").stdout.strip() == f"node/{spec.name}"
        for verb, what in (("list", "secrets"), ("list", "configmaps"), ("create", "deployments.apps"),
                           ("create", "clusterroles"), ("create", "clusterrolebindings")):
            can = _as(kc, "auth", "can-i", verb, what, "--all-namespaces")
            assert can.stdout.strip().split(" ")[0] == "no", (spec.name, verb, what, can.stdout, can.stderr)


def test_kube_proxy_is_system_kube_proxy_with_the_node_proxier_rights_only(node_specs):
    for spec in node_specs:
        kc = spec.etc / "kube-proxy.kubeconfig"
        who = _as(kc, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
        assert who.stdout == "system:kube-proxy", (who.stdout, who.stderr)
        assert _as(kc, "auth", "can-i", "watch", "endpointslices.discovery.k8s.io", "-A").stdout.strip() == "yes"
        assert _as(kc, "auth", "can-i", "list", "services", "-A").stdout.strip() == "yes"
        assert _as(kc, "auth", "can-i", "list", "secrets", "-A").stdout.strip() == "no"
        assert _as(kc, "auth", "can-i", "create", "pods", "-A").stdout.strip() == "no"


def test_node_restriction_lets_a_kubelet_create_only_mirror_pods(node_specs):
    """The NodeRestriction admission plugin (on, as on kind): a kubelet's identity may not create a pod of
    its own choosing, and may not change another node."""
    spec = node_specs[0]
    kc = spec.etc / "kubelet.kubeconfig"
    made = _as(kc, "run", "not-a-mirror-pod", "--image=busybox:1.36", "-n", "default", "--dry-run=server")
    assert made.returncode != 0 and "can only create mirror pods" in made.stderr, (made.stdout, made.stderr)
    other = node_specs[-1].name if len(node_specs) > 1 else "k8slab-control-plane"
    labelled = _as(kc, "label", "node", other, "k8slab.dev/changed-by-another-node=yes", "--dry-run=server")
    assert labelled.returncode != 0 and "forbidden" in labelled.stderr.lower(), (labelled.stdout, labelled.stderr)
