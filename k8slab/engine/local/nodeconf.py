"""Configuration files of one real node: containerd, CNI, kubelet, kube-proxy.

Pure functions from a :class:`NodeSpec` to file contents, so they can be read
and tested without a cluster. Inside the node's mount namespace ``/var`` and
``/run`` are the node's own directories (see :mod:`.node`), so the usual paths
(/var/lib/kubelet, /run/containerd, /var/log/pods) are per node.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import yaml

from . import network

CONTAINERD_SOCK = "/run/containerd/containerd.sock"
CNI_BIN_DIRS = ("/usr/lib/cni", "/opt/cni/bin")
SANDBOX_IMAGE = "registry.k8s.io/pause:3.10.1"
REGISTRY_PORT = 5000
MIRRORED = ("docker.io", "registry.k8s.io", "gcr.io", "quay.io", "ghcr.io", "k8s.gcr.io", "_default")

# What the kubelet would otherwise write into the machine-wide sysctls (they are not
# per namespace); files holding these values are bind-mounted over them in the node's
# mount namespace, so the kubelet finds them as it wants them and the host keeps its own.
KUBELET_SYSCTLS = {"vm/overcommit_memory": "1", "vm/panic_on_oom": "0", "kernel/panic": "10",
                   "kernel/panic_on_oops": "1", "kernel/keys/root_maxkeys": "1000000",
                   "kernel/keys/root_maxbytes": "25000000"}


@dataclasses.dataclass(frozen=True)
class NodeSpec:
    """One real node: its name, index (1 = first worker), directory and the cluster it joins."""

    name: str
    index: int
    root: Path
    api_port: int
    ca_file: Path
    ca_key: Path
    registry: str = f"{network.CP_IP}:{REGISTRY_PORT}"
    pull: str = "local"  # or "upstream": the image set first, then the public registry

    @property
    def ip(self) -> str:
        return network.node_ip(self.index)

    @property
    def pod_cidr(self) -> str:
        return network.POD_CIDR.format(index=self.index)

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    def identity(self, user: str) -> tuple[Path, Path]:
        """The client certificate and key ``user`` (``kubelet``, ``kube-proxy``) signs in with."""
        return self.etc / "pki" / f"{user}.crt", self.etc / "pki" / f"{user}.key"

    @property
    def cgroup(self) -> str:
        return f"k8slab/{self.name}"


IDENTITIES = {"kubelet": ("system:node:{node}", "system:nodes"), "kube-proxy": ("system:kube-proxy", None)}
"""Who each node program is to the API server: user name and group of its client certificate."""


def kubeconfig(spec: NodeSpec, user: str) -> str:
    """Kubeconfig for the node's ``kubelet`` or ``kube-proxy`` (through the API forwarder), with its own certificate."""
    crt, key = spec.identity(user)
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "k8slab", "cluster": {
            "server": f"https://{network.CP_IP}:{spec.api_port}",
            "certificate-authority": str(spec.ca_file)}}],
        "users": [{"name": user, "user": {"client-certificate": str(crt), "client-key": str(key)}}],
        "contexts": [{"name": "k8slab", "context": {"cluster": "k8slab", "user": user}}],
        "current-context": "k8slab",
    }, sort_keys=False)


def containerd_toml(spec: NodeSpec) -> str:
    """containerd 2.x configuration (config version 3)."""
    cri_rt = "plugins.'io.containerd.cri.v1.runtime'"
    cri_img = "plugins.'io.containerd.cri.v1.images'"
    bins = ", ".join(json.dumps(d) for d in CNI_BIN_DIRS)
    return f"""version = 3
root = "/var/lib/containerd"
state = "/run/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.blockfile",
                    "io.containerd.snapshotter.v1.erofs", "io.containerd.tracing.processor.v1.otlp",
                    "io.containerd.internal.v1.tracing", "io.containerd.grpc.v1.introspection"]

[grpc]
  address = "{CONTAINERD_SOCK}"

[ttrpc]
  address = "/run/containerd/containerd.sock.ttrpc"

[{cri_rt}]
  enable_selinux = false
  # this machine gives no CAP_SYS_RESOURCE: runc may only raise a container's oom_score_adj
  restrict_oom_score_adj = true

[{cri_rt}.containerd]
  default_runtime_name = "runc"

[{cri_rt}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[{cri_rt}.containerd.runtimes.runc.options]
  BinaryName = "runc"
  SystemdCgroup = false

[{cri_rt}.cni]
  bin_dirs = [{bins}]
  conf_dir = "{spec.etc / 'cni'}"
  max_conf_num = 1

[{cri_img}]
  snapshotter = "overlayfs"

[{cri_img}.pinned_images]
  sandbox = "{SANDBOX_IMAGE}"

[{cri_img}.registry]
  config_path = "{spec.etc / 'certs.d'}"
"""


UPSTREAM = {"docker.io": "https://registry-1.docker.io"}


def hosts_toml(spec: NodeSpec, registry: str = "_default") -> str:
    """Registry host config: the lab's local registry answers for ``registry``.

    With ``pull="local"`` the upstream is not listed: nothing leaves the machine, and a
    missing image fails at once instead of waiting out the upstream's timeouts (~50 s).
    With ``pull="upstream"`` the local registry is asked first, then the real one.
    """
    url = f"http://{spec.registry}"
    mirror = f'[host."{url}"]\n  capabilities = ["pull", "resolve"]\n'
    if spec.pull == "upstream":
        if registry == "_default":
            return mirror  # no server line: containerd falls back to the image's own registry
        return f'server = "{UPSTREAM.get(registry, "https://" + registry)}"\n\n' + mirror
    return f'server = "{url}"\n\n' + mirror


def cni_conflist(spec: NodeSpec) -> str:
    return json.dumps({
        "cniVersion": "1.0.0", "name": "k8slab",
        "plugins": [
            {"type": "bridge", "bridge": "cni0", "isGateway": True, "ipMasq": False,
             "hairpinMode": True,
             "ipam": {"type": "host-local", "ranges": [[{"subnet": spec.pod_cidr}]],
                      "routes": [{"dst": "0.0.0.0/0"}]}},
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }, indent=1)


def kubelet_config(spec: NodeSpec) -> str:
    conf = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
        "address": spec.ip, "port": 10250, "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1", "healthzPort": 10248,
        "authentication": {"x509": {"clientCAFile": str(spec.ca_file)},
                           "webhook": {"enabled": True}, "anonymous": {"enabled": False}},
        "authorization": {"mode": "Webhook"},
        "cgroupDriver": "cgroupfs", "cgroupRoot": f"/{spec.cgroup}", "cgroupsPerQOS": True,
        "failCgroupV1": False,
        "containerRuntimeEndpoint": f"unix://{CONTAINERD_SOCK}",
        "clusterDNS": [network.DNS_IP], "clusterDomain": "cluster.local",
        "resolvConf": str(spec.etc / "resolv.conf"),
        "failSwapOn": False, "protectKernelDefaults": False,
        "oomScoreAdj": 0,
        "rotateCertificates": False, "serverTLSBootstrap": False,
        # a lab machine's disk and memory are shared with everything else on it: evict only
        # when really short (kind sets the same disk thresholds)
        "evictionHard": {"memory.available": "100Mi", "nodefs.available": "0%",
                         "nodefs.inodesFree": "0%", "imagefs.available": "0%"},
        "imageGCHighThresholdPercent": 100,
        "maxPods": 110,
        "podPidsLimit": 4096,
        "serializeImagePulls": False,
        "nodeStatusReportFrequency": "10s",
        "staticPodPath": "",
        "localStorageCapacityIsolation": True,
        "logging": {"verbosity": 1},
    }
    return yaml.safe_dump(conf, sort_keys=False)


def kube_proxy_config(spec: NodeSpec) -> str:
    conf = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(spec.etc / "kube-proxy.kubeconfig")},
        "hostnameOverride": spec.name,
        "bindAddress": spec.ip,
        "healthzBindAddress": "127.0.0.1:10256", "metricsBindAddress": "127.0.0.1:10249",
        "mode": "iptables",
        "clusterCIDR": network.CLUSTER_CIDR,
        "nodePortAddresses": [f"{spec.ip}/32"],
        # the conntrack table size and timeouts are machine-wide: leave them as they are
        "conntrack": {"maxPerCore": 0, "min": 0, "tcpEstablishedTimeout": "0s",
                      "tcpCloseWaitTimeout": "0s"},
        "iptables": {"localhostNodePorts": False, "masqueradeAll": False},
    }
    return yaml.safe_dump(conf, sort_keys=False)


def files(spec: NodeSpec) -> dict[Path, str]:
    """Every configuration file of the node, by path."""
    out = {
        spec.etc / "containerd.toml": containerd_toml(spec),
        spec.etc / "cni" / "10-k8slab.conflist": cni_conflist(spec),
        spec.etc / "kubelet.yaml": kubelet_config(spec),
        spec.etc / "kubelet.kubeconfig": kubeconfig(spec, "kubelet"),
        spec.etc / "kube-proxy.yaml": kube_proxy_config(spec),
        spec.etc / "kube-proxy.kubeconfig": kubeconfig(spec, "kube-proxy"),
        # pods get the cluster DNS only; no resolver outside the lab is handed on
        spec.etc / "resolv.conf": "",
    }
    for reg in MIRRORED:
        out[spec.etc / "certs.d" / reg / "hosts.toml"] = hosts_toml(spec, reg)
    for key, value in KUBELET_SYSCTLS.items():
        out[spec.root / "sysctl" / key.replace("/", ".")] = value + "\n"
    return out
