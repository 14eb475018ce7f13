"""What the real-node engine needs from the machine, and the fix for each missing part."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from . import cgroups, network, nodeconf

COMMANDS = {"unshare": "util-linux", "nsenter": "util-linux", "mount": "mount", "ip": "iproute2",
            "iptables": "iptables", "iptables-restore": "iptables", "runc": "runc"}
CNI_PLUGINS = ("bridge", "host-local", "portmap", "loopback")
APT = "apt-get install runc containernetworking-plugins iptables iproute2"


def _cni_dir() -> Path | None:
    for d in nodeconf.CNI_BIN_DIRS:
        if all((Path(d) / p).exists() for p in CNI_PLUGINS):
            return Path(d)
    return None


def problems() -> list[str]:
    """Each missing piece, named with its fix (empty when real nodes can run here)."""
    out = []
    if os.geteuid() != 0:
        out.append("not root (real nodes need namespaces, cgroups and mounts: run as root, "
                   "or use --engine kwok)")
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    missing = sorted({pkg for cmd, pkg in COMMANDS.items() if not shutil.which(cmd, path=path)})
    if missing:
        out.append(f"missing programs from Debian packages {', '.join(missing)} (apt-get install "
                   f"{' '.join(missing)})")
    if _cni_dir() is None:
        out.append(f"CNI plugins {', '.join(CNI_PLUGINS)} not found in "
                   f"{' or '.join(nodeconf.CNI_BIN_DIRS)} (apt-get install containernetworking-plugins)")
    ctrl = cgroups.missing_controllers()
    if ctrl:
        out.append(f"cgroup controllers missing: {', '.join(ctrl)}")
    try:
        fs = Path("/proc/filesystems").read_text().split()
    except OSError:
        fs = []
    if "overlay" not in fs:
        out.append("the kernel has no overlay filesystem (containerd's snapshotter needs it)")
    if not Path("/proc/sys/net/bridge/bridge-nf-call-iptables").exists():
        out.append("bridge netfilter (br_netfilter) is not available in this kernel "
                   "(Services need it: modprobe br_netfilter)")
    clash = network.conflicts()
    if clash:
        out.append("the lab network 172.18.0.0/16 is taken: " + "; ".join(clash))
    state = str(Path(os.environ.get("K8SLAB_STATE_DIR") or "/root").resolve())
    if state.startswith(("/var/", "/run/")):
        out.append(f"K8SLAB_STATE_DIR={state} is under /var or /run, which each node mounts "
                   f"its own copy over; choose another directory")
    return out
