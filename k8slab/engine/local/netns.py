"""Namespaces the real-node engine makes: one holder process per namespace set.

A node's network, mount and UTS namespaces live as long as its *holder* (a
``sleep infinity`` started by ``unshare``) lives; nothing is bind-mounted under
``/run/netns`` of the host (``ip netns add`` would). Every other process of the
node is started with ``nsenter --target <holder>``, so killing the holder's
cgroup subtree ends the namespaces with it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ...errors import EngineError
from . import cgroups

UNSHARE = ("unshare", "--net", "--mount", "--uts", "--propagation", "private", "--")


def start_holder(cgroup: str, log: Path) -> int:
    """Start a holder in fresh net+mount+UTS namespaces, inside ``cgroup``; return its PID."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen([*UNSHARE, "sleep", "infinity"], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, close_fds=True,
                                preexec_fn=lambda: cgroups.attach(os.getpid(), cgroup))
    # unshare execs sleep once the namespaces exist: wait for that, so nsenter finds them
    for _ in range(200):
        try:
            if os.readlink(f"/proc/{proc.pid}/ns/net") != os.readlink("/proc/self/ns/net"):
                return proc.pid
        except OSError:
            break
        if proc.poll() is not None:
            break
        import time
        time.sleep(0.01)
    raise EngineError(f"could not create namespaces (unshare exited {proc.poll()}); see {log}. "
                      f"The real-node engine needs root (CAP_SYS_ADMIN)")


def enter(pid: int, *, net: bool = True, mount: bool = True, uts: bool = True) -> list[str]:
    """The ``nsenter`` prefix that runs a command in holder ``pid``'s namespaces."""
    cmd = ["nsenter", f"--target={pid}"]
    if net:
        cmd.append("--net")
    if mount:
        cmd.append("--mount")
    if uts:
        cmd.append("--uts")
    return cmd + ["--"]


def run(pid: int | None, args: list[str], what: str, **ns) -> str:
    """Run ``args`` (in holder ``pid``'s namespaces, or on the host when None); return stdout."""
    cmd = (enter(pid, **ns) if pid else []) + args
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(f"{what}: could not run {' '.join(args)}: {exc}") from exc
    if proc.returncode != 0:
        raise EngineError(f"{what}: {' '.join(args)} failed: {(proc.stderr or proc.stdout).strip()}")
    return proc.stdout


def same_netns(pid: int) -> bool:
    """Whether ``pid`` shares the host's network namespace (so it is not a holder of ours)."""
    try:
        return os.readlink(f"/proc/{pid}/ns/net") == os.readlink("/proc/self/ns/net")
    except OSError:
        return True


def spawn(pid: int, args: list[str], *, cgroup: str, log: Path, env: dict | None = None,
          net: bool = True, mount: bool = True, uts: bool = True) -> int:
    """Start a long-running program in holder ``pid``'s namespaces and ``cgroup``; return its PID."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(enter(pid, net=net, mount=mount, uts=uts) + args, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True, close_fds=True,
                                preexec_fn=lambda: cgroups.attach(os.getpid(), cgroup))
    return proc.pid
