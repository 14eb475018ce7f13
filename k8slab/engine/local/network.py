"""The lab's network, laid out as kind's Docker network is, inside namespaces of its own.

::

    host netns                 control-plane netns              node netns (one per worker)
    k8slab0 172.18.0.1/16 ──── br0 172.18.0.2/16 ─────────────── eth0 172.18.0.3/16 ── cni0 10.244.1.1/24 ── pods
                               API forwarder, registry     └──── eth0 172.18.0.4/16 ── cni0 10.244.2.1/24 ── pods

The host keeps one veth end (``k8slab0``), so the notebook's kernel reaches node
addresses (NodePorts) and the API server (on the host's 127.0.0.1) reaches the
kubelets. Nodes route pod CIDRs to each other over the bridge. Their default route
points at the control-plane namespace, which forwards nothing: traffic for any
address outside the lab dies there, and the host's own ``ip_forward`` is never
involved. Forwarding and bridge netfilter are switched on inside node namespaces only
(and in the control-plane namespace when egress is asked for: :mod:`.egress`).
"""

from __future__ import annotations

import ipaddress
import json
import subprocess

from ...errors import EngineError
from . import netns

SUBNET = ipaddress.ip_network("172.18.0.0/16")
HOST_IP = "172.18.0.1"
CP_IP = "172.18.0.2"
HOST_LINK = "k8slab0"
POD_CIDR = "10.244.{index}.0/24"
SERVICE_CIDR = "10.96.0.0/16"
CLUSTER_CIDR = "10.244.0.0/16"
DNS_IP = "10.96.0.10"


def node_ip(index: int) -> str:
    """Address of node ``index`` (0 = control plane): 172.18.0.2, .3, .4, ..."""
    return f"172.18.0.{index + 2}"


def _ip_json(args: list[str]) -> list[dict]:
    try:
        out = subprocess.run(["ip", "-j", *args], capture_output=True, text=True, timeout=10).stdout
        return json.loads(out or "[]")
    except (OSError, ValueError, subprocess.SubprocessError):
        return []


def host_link_exists() -> bool:
    return any(link.get("ifname") == HOST_LINK for link in _ip_json(["link", "show"]))


def conflicts() -> list[str]:
    """Host addresses or routes that overlap the lab's 172.18.0.0/16 (ours excluded)."""
    out = []
    for addr in _ip_json(["-4", "addr", "show"]):
        if addr.get("ifname") == HOST_LINK:
            continue
        for info in addr.get("addr_info") or []:
            net = ipaddress.ip_network(f"{info['local']}/{info['prefixlen']}", strict=False)
            if net.overlaps(SUBNET):
                out.append(f"interface {addr['ifname']} has {info['local']}/{info['prefixlen']}")
    for route in _ip_json(["-4", "route", "show"]):
        dst = route.get("dst")
        if route.get("dev") == HOST_LINK or not dst or dst == "default":
            continue
        try:
            if ipaddress.ip_network(dst, strict=False).overlaps(SUBNET):
                out.append(f"route {dst} dev {route.get('dev')}")
        except ValueError:
            continue
    return out


def setup_control_plane(cp_pid: int) -> None:
    """The bridge in the control-plane namespace and the host's veth end to it."""
    if host_link_exists():
        netns.run(None, ["ip", "link", "del", HOST_LINK], "removing a stale lab link")
    clash = conflicts()
    if clash:
        raise EngineError("the lab network 172.18.0.0/16 is already used on this machine ("
                          + "; ".join(clash) + "); free it (e.g. remove Docker's kind network) "
                          "or use --engine kwok")
    r = netns.run
    r(cp_pid, ["sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward; ip link set lo up; "
                           "ip link add br0 type bridge; "
               f"ip addr add {CP_IP}/16 dev br0; ip link set br0 up"], "control-plane network")
    r(None, ["ip", "link", "add", HOST_LINK, "type", "veth", "peer", "name", "h0", "netns",
             str(cp_pid)], "host link")
    r(cp_pid, ["ip", "link", "set", "h0", "master", "br0", "up"], "host link")
    r(None, ["ip", "addr", "add", f"{HOST_IP}/16", "dev", HOST_LINK], "host link")
    r(None, ["ip", "link", "set", HOST_LINK, "up"], "host link")


def setup_node(cp_pid: int, node_pid: int, index: int, peers: list[int]) -> None:
    """Wire node ``index`` to the bridge; route the other real nodes' pod CIDRs to them."""
    r = netns.run
    port = f"n{index}"
    # a node whose namespaces died (a reboot, a killed holder) leaves its old link here until the
    # kernel's asynchronous clean-up of the namespace gets to it, seconds later when the node had
    # much network state (e.g. Traefik's hostPorts): remove it, or the new link "exists" already
    r(cp_pid, ["sh", "-c", f"ip link del {port} 2>/dev/null; true"], f"node {index} old link")
    r(None, ["ip", "link", "add", port, "netns", str(cp_pid), "type", "veth", "peer", "name",
             "eth0", "netns", str(node_pid)], f"node {index} link")
    r(cp_pid, ["ip", "link", "set", port, "master", "br0", "up"], f"node {index} link")
    # answers of the API forwarder and the registry to pods (it forwards nothing itself)
    r(cp_pid, ["ip", "route", "replace", POD_CIDR.format(index=index), "via", node_ip(index)],
      f"node {index} pod route")
    script = [
        "set -e",
        # inside this namespace only: the host's own settings are not touched
        "echo 1 > /proc/sys/net/ipv4/ip_forward",
        "echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables",
        "ip link set lo up",
        f"ip addr add {node_ip(index)}/16 dev eth0",
        "ip link set eth0 up",
        f"ip route add default via {CP_IP}",
    ]
    script += [f"ip route add {POD_CIDR.format(index=j)} via {node_ip(j)}" for j in peers if j != index]
    r(node_pid, ["sh", "-c", "\n".join(script)], f"node {index} network", mount=False)


def teardown() -> None:
    """Remove the host's end of the lab network (the namespaces' ends die with them)."""
    if host_link_exists():
        subprocess.run(["ip", "link", "del", HOST_LINK], capture_output=True, timeout=10)
