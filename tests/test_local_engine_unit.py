"""The real-node engine's configuration, read without a cluster."""

from __future__ import annotations

from pathlib import Path

import yaml

from k8slab.engine import health
from k8slab.engine.local import addons, network, nodeconf


def _spec(**kw) -> nodeconf.NodeSpec:
    return nodeconf.NodeSpec(name="k8slab-worker2", index=2, root=Path("/state/nodes/w2"), api_port=24000,
                             ca_file=Path("/pki/ca.crt"), ca_key=Path("/pki/ca.key"), **kw)


def test_addresses_follow_kinds_network():
    spec = _spec()
    assert (spec.ip, spec.pod_cidr, spec.cgroup) == ("172.18.0.4", "10.244.2.0/24", "k8slab/k8slab-worker2")
    assert network.node_ip(0) == network.CP_IP == "172.18.0.2"


def test_kubelet_keeps_to_its_node():
    conf = yaml.safe_load(nodeconf.kubelet_config(_spec()))
    assert conf["address"] == "172.18.0.4" and conf["healthzBindAddress"] == "127.0.0.1"
    assert conf["cgroupRoot"] == "/k8slab/k8slab-worker2" and conf["failCgroupV1"] is False
    assert conf["clusterDNS"] == ["10.96.0.10"] and conf["readOnlyPort"] == 0
    assert conf["authorization"]["mode"] == "Webhook" and not conf["authentication"]["anonymous"]["enabled"]
    kube = yaml.safe_load(nodeconf.kubeconfig(_spec(), "system:node:k8slab-worker2"))
    assert kube["clusters"][0]["cluster"]["server"] == "https://172.18.0.2:24000"


def test_kube_proxy_leaves_machine_wide_conntrack_alone():
    conf = yaml.safe_load(nodeconf.kube_proxy_config(_spec()))
    assert conf["conntrack"]["maxPerCore"] == 0 and conf["conntrack"]["tcpEstablishedTimeout"] == "0s"
    assert conf["nodePortAddresses"] == ["172.18.0.4/32"] and conf["metricsBindAddress"].startswith("127.0.0.1:")


def test_pulls_stay_local_unless_upstream_is_asked_for():
    local = nodeconf.files(_spec())
    hosts = {p.parent.name: t for p, t in local.items() if p.name == "hosts.toml"}
    assert set(hosts) >= {"docker.io", "registry.k8s.io", "gcr.io", "quay.io", "_default"}
    assert all(t.startswith('server = "http://172.18.0.2:5000"') for t in hosts.values())
    up = {p.parent.name: t for p, t in nodeconf.files(_spec(pull="upstream")).items() if p.name == "hosts.toml"}
    assert up["docker.io"].startswith('server = "https://registry-1.docker.io"')
    assert up["quay.io"].startswith('server = "https://quay.io"') and "172.18.0.2:5000" in up["quay.io"]
    assert "server =" not in up["_default"] and "172.18.0.2:5000" in up["_default"]


def test_kubelet_sysctls_are_answered_by_files():
    files = nodeconf.files(_spec())
    assert files[Path("/state/nodes/w2/sysctl/vm.overcommit_memory")] == "1\n"
    assert files[Path("/state/nodes/w2/sysctl/kernel.panic")] == "10\n"
    assert files[Path("/state/nodes/w2/etc/resolv.conf")] == ""  # no resolver outside the lab


def test_coredns_is_kube_dns_and_forwards_nothing():
    objs = {o["kind"]: o for o in addons.coredns_objects()}
    assert objs["Service"]["spec"]["clusterIP"] == "10.96.0.10"
    assert objs["Service"]["metadata"]["labels"]["kubernetes.io/cluster-service"] == "true"
    assert "forward" not in objs["ConfigMap"]["data"]["Corefile"]
    assert health.object_path(objs["Deployment"]) == "/apis/apps/v1/namespaces/kube-system/deployments/coredns"
    assert health.object_path(objs["ClusterRole"]) == "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:coredns"
