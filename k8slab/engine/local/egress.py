"""Opt-in egress of the real-node engine: pods reaching beyond the lab through slirp4netns.

Off by default: the nodes' default route ends in the control-plane namespace,
which forwards nothing. Switched on, a userspace TCP/IP stack (slirp4netns)
hands the control-plane namespace a tap device; forwarding and a MASQUERADE
rule are switched on *inside that namespace only*, and slirp4netns turns each
connection into an ordinary socket of a process on the host::

    pod ── node netns ── control-plane netns: ip_forward=1, MASQUERADE ── tap0 10.0.2.100
                                                 │ (userspace: slirp4netns)
                                             host: connect() like any program

The host's ``ip_forward``, firewall and sysctls are never touched, and
slirp4netns opens no listener (no API socket, no port forwards). Modes:

* ``internet``: what ``k8slab up --egress`` asks for. ``--disable-host-loopback``
  keeps the host's 127.0.0.1 services (etcd, the API server, Jupyter) out of
  reach, as with egress off; CoreDNS forwards other names to slirp's resolver
  10.0.2.3, which relays to the machine's own resolvers.
* ``host``: the tests' mode. Pods reach the given TCP ports of the host's
  127.0.0.1 at 10.0.2.2, nothing else: slirp binds its outbound sockets to
  127.0.0.1, from which the kernel refuses to route anywhere off the machine,
  its DNS relay is off and the namespace's firewall rejects every other port.
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import shutil
import subprocess
from pathlib import Path

from ...errors import EngineError
from ..procs import alive, kill, read_pid, write_pid
from . import cgroups, netns, network

MODES = ("off", "internet", "host")
TAP = "tap0"
TAP_NET = "10.0.2.0/24"
GATEWAY = "10.0.2.2"  # the host, as slirp shows it
SLIRP_DNS = "10.0.2.3"
CHAIN = "K8SLAB-EGRESS"
# the lab's own ranges are never sent through the tap (e.g. a simulated pod's 10.244.0.x)
LAB_RANGES = (str(network.SUBNET), network.CLUSTER_CIDR, network.SERVICE_CIDR)
APT_FIX = "apt-get install -y slirp4netns"


@dataclasses.dataclass(frozen=True)
class Egress:
    """The egress a cluster asks for: ``mode`` and, in ``host`` mode, the host ports open to pods."""

    mode: str = "off"
    ports: tuple[int, ...] = ()

    def __post_init__(self):
        if self.mode not in MODES:
            raise EngineError(f"unknown egress mode {self.mode!r}: use one of {', '.join(MODES)}")
        if self.mode == "host" and not self.ports:
            raise EngineError("egress mode host needs the host ports pods may reach")

    @property
    def on(self) -> bool:
        return self.mode != "off"

    @property
    def upstream_dns(self) -> str | None:
        """The resolver CoreDNS forwards other names to (internet mode only)."""
        return SLIRP_DNS if self.mode == "internet" else None


OFF = Egress()


# --- the record of what was asked --------------------------------------------------------------


def _file(cp_dir: Path) -> Path:
    return cp_dir / "egress.json"


def load(cp_dir: Path) -> Egress:
    """The egress recorded for the cluster whose control-plane directory is ``cp_dir``."""
    try:
        data = json.loads(_file(cp_dir).read_text())
        return Egress(data.get("mode", "off"), tuple(int(p) for p in data.get("ports") or ()))
    except (OSError, ValueError, TypeError, EngineError):
        return OFF


def save(cp_dir: Path, eg: Egress) -> None:
    cp_dir.mkdir(parents=True, exist_ok=True)
    _file(cp_dir).write_text(json.dumps({"mode": eg.mode, "ports": list(eg.ports)}))


# --- slirp4netns -----------------------------------------------------------------------------


def installed() -> bool:
    return shutil.which("slirp4netns") is not None


def pidfile(cp_dir: Path) -> Path:
    return cp_dir / "pids" / "slirp4netns.pid"


def logfile(cp_dir: Path) -> Path:
    return cp_dir / "logs" / "slirp4netns.log"


def running(cp_dir: Path) -> int | None:
    """PID of the cluster's slirp4netns, or None (a recycled PID does not count)."""
    pid = read_pid(pidfile(cp_dir))
    if not pid or not alive(pid):
        return None
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return None
    return pid if os.path.basename(argv0) == b"slirp4netns" else None


def slirp_argv(cp_pid: int, eg: Egress) -> list[str]:
    """The slirp4netns command line for ``eg``; no ``--api-socket``: nothing may add host listeners."""
    argv = ["slirp4netns", "--configure", "--mtu=65520", "--enable-sandbox", "--enable-seccomp"]
    if eg.mode == "host":
        argv += ["--outbound-addr=127.0.0.1", "--disable-dns"]
    else:
        argv += ["--disable-host-loopback"]
    return argv + [str(cp_pid), TAP]


def _spawn(cp_dir: Path, cp_pid: int, eg: Egress, cgroup: str, timeout: float = 10) -> int:
    log = logfile(cp_dir)
    log.parent.mkdir(parents=True, exist_ok=True)
    ready_r, ready_w = os.pipe()
    try:
        with open(log, "ab") as out:
            argv = slirp_argv(cp_pid, eg)
            argv[1:1] = [f"--ready-fd={ready_w}"]
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    pass_fds=(ready_w,), start_new_session=True,
                                    preexec_fn=lambda: cgroups.attach(os.getpid(), cgroup))
        os.close(ready_w)
        ready_w = -1
        write_pid(pidfile(cp_dir), proc.pid)
        got, _, _ = select.select([ready_r], [], [], timeout)
        if got and os.read(ready_r, 1) == b"1":
            return proc.pid
    finally:
        os.close(ready_r)
        if ready_w >= 0:
            os.close(ready_w)
    kill(proc.pid, timeout=2)
    pidfile(cp_dir).unlink(missing_ok=True)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-5:])
    raise EngineError(f"slirp4netns did not configure {TAP} in {timeout:.0f}s:\n{tail}\n"
                      f"(see {log}); egress stays off")


# --- rules inside the control-plane namespace ------------------------------------------------


def rules_script(eg: Egress) -> str:
    """Shell run in the control-plane netns: forwarding, NAT and the filter for ``eg``.

    Idempotent: the engine's own chains are emptied and filled again.
    """
    lines = ["set -e",
             f"iptables -t nat -N {CHAIN} 2>/dev/null || iptables -t nat -F {CHAIN}",
             f"iptables -t nat -C POSTROUTING -j {CHAIN} 2>/dev/null || "
             f"iptables -t nat -A POSTROUTING -j {CHAIN}",
             f"iptables -N {CHAIN} 2>/dev/null || iptables -F {CHAIN}",
             f"iptables -C FORWARD -j {CHAIN} 2>/dev/null || iptables -A FORWARD -j {CHAIN}"]
    if not eg.on:
        return "\n".join(["echo 0 > /proc/sys/net/ipv4/ip_forward", *lines])
    lines += [f"iptables -A {CHAIN} -o {TAP} -d {dst} -j REJECT" for dst in LAB_RANGES]
    if eg.mode == "host":
        lines += [f"iptables -A {CHAIN} -o {TAP} -d {GATEWAY}/32 -p tcp --dport {port} -j ACCEPT"
                  for port in eg.ports]
        lines.append(f"iptables -A {CHAIN} -o {TAP} -j REJECT")
    lines += [f"iptables -t nat -A {CHAIN} -o {TAP} -s {src} -j MASQUERADE"
              for src in (str(network.SUBNET), network.CLUSTER_CIDR)]
    # forwarding last: nothing is forwarded before the filter is in place
    lines.append("echo 1 > /proc/sys/net/ipv4/ip_forward")
    return "\n".join(lines)


def _apply_rules(cp_dir: Path, cp_pid: int, eg: Egress) -> None:
    # a legacy iptables takes a lock file: keep it in the engine's directory, not the host's /run
    script = f"export XTABLES_LOCKFILE={cp_dir / 'xtables.lock'}\n" + rules_script(eg)
    netns.run(cp_pid, ["sh", "-c", script], "egress rules in the control-plane namespace",
              mount=False, uts=False)


# --- switching -------------------------------------------------------------------------------


def stop(cp_dir: Path, cp_pid: int | None) -> None:
    """Egress off: forwarding off and rules emptied in the namespace, then slirp4netns ended."""
    if cp_pid:
        _apply_rules(cp_dir, cp_pid, OFF)
    kill_recorded(cp_dir)


def kill_recorded(cp_dir: Path) -> None:
    """End the recorded slirp4netns, if it runs (``down`` does this before removing the cgroup)."""
    pid = running(cp_dir)
    if pid:
        kill(pid, timeout=3)
    pidfile(cp_dir).unlink(missing_ok=True)


def ensure(cp_dir: Path, cp_pid: int, eg: Egress, cgroup: str) -> bool:
    """Make the namespace match ``eg``; True when something was started or stopped."""
    pid = running(cp_dir)
    if not eg.on:
        if pid or read_pid(pidfile(cp_dir)):
            stop(cp_dir, cp_pid)
            return True
        return False
    if not installed():
        raise EngineError(f"egress needs slirp4netns, which is not installed; run: {APT_FIX} "
                          f"(or turn egress off: k8slab up --no-egress)")
    if pid and _slirp_matches(pid, cp_pid, eg):
        _apply_rules(cp_dir, cp_pid, eg)  # cheap, and repairs rules a restart lost
        return False
    if pid:
        stop(cp_dir, cp_pid)
    _spawn(cp_dir, cp_pid, eg, cgroup)
    _apply_rules(cp_dir, cp_pid, eg)
    return True


def _slirp_matches(pid: int, cp_pid: int, eg: Egress) -> bool:
    try:
        argv = [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    except OSError:
        return False
    return [a for a in argv if not a.startswith("--ready-fd")] == slirp_argv(cp_pid, eg)


# --- what status says ------------------------------------------------------------------------


def host_resolvers(path: str = "/etc/resolv.conf") -> list[str]:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return []
    return [line.split()[1] for line in lines if line.startswith("nameserver") and len(line.split()) > 1]


def describe(eg: Egress) -> str:
    """The ``egress:`` line of ``k8slab status``."""
    if eg.mode == "off":
        return "off (pods reach only the lab)"
    if eg.mode == "host":
        ports = ", ".join(map(str, eg.ports))
        return (f"host only via slirp4netns: pods reach 127.0.0.1 port {ports} of this machine at "
                f"{GATEWAY}, nothing beyond it (NAT in the lab's own namespace)")
    relays = ", ".join(host_resolvers()) or "none found in /etc/resolv.conf"
    return (f"on via slirp4netns (NAT in the lab's own namespace; upstream DNS {SLIRP_DNS}, "
            f"relaying to this machine's resolvers: {relays})")

