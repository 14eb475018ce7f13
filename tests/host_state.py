"""What the real-node engine must leave alone on the host: a comparable snapshot.

Network links, addresses, routes and firewall rules of the host's namespace, the
sysctls a kubelet or kube-proxy would change, the host's mounts, the system
directories they would write to, and the top of each cgroup hierarchy.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

SYSCTLS = ("net/ipv4/ip_forward", "net/ipv4/conf/all/forwarding", "net/ipv4/conf/all/route_localnet",
           "net/bridge/bridge-nf-call-iptables", "net/bridge/bridge-nf-call-ip6tables",
           "vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops",
           "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes", "net/netfilter/nf_conntrack_max",
           "net/netfilter/nf_conntrack_tcp_timeout_established")
DIRS = ("/var", "/var/lib", "/var/log", "/run", "/etc", "/opt", "/var/run")
PATHS = ("/var/lib/kubelet", "/var/lib/containerd", "/run/containerd", "/etc/cni", "/var/lib/cni",
         "/var/log/pods", "/var/log/containers", "/var/local-path-provisioner", "/run/netns",
         "/etc/containerd", "/run/xtables.lock")


def _cmd(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return f"<{args[0]} unavailable>"


def _rules(tool: str) -> list[str]:
    return [line for line in _cmd([tool]).splitlines() if line and not line.startswith("#")]


def snapshot() -> dict[str, object]:
    snap: dict[str, object] = {
        "links": sorted(re.findall(r"^\d+: ([^:@]+)", _cmd(["ip", "-o", "link", "show"]), re.M)),
        "addresses": sorted(line.split()[1] + " " + line.split()[3]
                            for line in _cmd(["ip", "-o", "addr", "show"]).splitlines() if line),
        "routes": sorted(_cmd(["ip", "route", "show", "table", "all"]).splitlines()),
        "iptables": _rules("iptables-save"),
        "ip6tables": _rules("ip6tables-save"),
        "mounts": sorted(Path("/proc/self/mounts").read_text().splitlines()),
    }
    for key in SYSCTLS:
        try:
            snap[f"sysctl {key}"] = Path("/proc/sys", key).read_text().strip()
        except OSError:
            snap[f"sysctl {key}"] = None
    for d in DIRS:
        try:
            snap[f"dir {d}"] = sorted(os.listdir(d))
        except OSError:
            snap[f"dir {d}"] = None
    for p in PATHS:
        snap[f"exists {p}"] = os.path.lexists(p)
    for h in sorted(Path("/sys/fs/cgroup").iterdir()):
        if h.is_dir():
            snap[f"cgroup {h.name}"] = sorted(c.name for c in h.iterdir() if c.is_dir())
    return snap


def differences(before: dict, after: dict) -> list[str]:
    out = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            b, a = before.get(key), after.get(key)
            if isinstance(b, list) and isinstance(a, list):
                gone, new = sorted(set(b) - set(a)), sorted(set(a) - set(b))
                out.append(f"{key}: gone {gone[:5]}, new {new[:5]}")
            else:
                out.append(f"{key}: {b!r} -> {a!r}")
    return out


def wildcard_listeners(pids: set[int]) -> list[str]:
    """Listening sockets on all addresses (0.0.0.0, ::, *) owned by one of ``pids``."""
    out = []
    for line in _cmd(["ss", "-H", "-l", "-n", "-t", "-u", "-p"]).splitlines():
        parts = line.split()
        if len(parts) < 5:
            continue
        local = parts[4]
        if not (local.startswith(("0.0.0.0:", "[::]:", "*:"))):
            continue
        owners = {int(p) for p in re.findall(r"pid=(\d+)", line)}
        if owners & pids:
            out.append(line.strip())
    return out
