"""The real-node engine's own cgroup subtree: ``/k8slab/<node>`` in every hierarchy.

Each node's containerd, kubelet and kube-proxy run in ``/k8slab/<node>/system``;
the kubelet puts its pods under ``/k8slab/<node>`` (its ``cgroupRoot``), and runc
the containers below that. So everything a node started, down to the last
container process, can be found, killed and removed from one subtree, and
``k8slab down`` leaves no cgroup behind. Both cgroup v1 (one mount per controller,
as on this machine) and the unified v2 hierarchy are handled.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from ...errors import EngineError

ROOT = Path("/sys/fs/cgroup")
TOP = "k8slab"
V1_NEEDED = ("cpu", "cpuacct", "cpuset", "memory", "pids")


def hierarchies() -> list[Path]:
    """Mount points of the cgroup hierarchies (v1 controllers, or the one v2 tree)."""
    out = []
    try:
        with open("/proc/self/mounts") as f:
            for line in f:
                dev, mnt, fstype = line.split()[:3]
                if fstype in ("cgroup", "cgroup2") and mnt.startswith(str(ROOT)):
                    out.append(Path(mnt.replace("\\040", " ")))
    except OSError:
        pass
    return sorted(set(out))


def is_v2() -> bool:
    return any(h == ROOT for h in hierarchies())


def missing_controllers() -> list[str]:
    """Controllers the kubelet needs that this machine does not mount (empty when fine)."""
    hs = hierarchies()
    if not hs:
        return ["cgroup filesystem (nothing mounted under /sys/fs/cgroup)"]
    if is_v2():
        try:
            have = (ROOT / "cgroup.controllers").read_text().split()
        except OSError:
            have = []
        return [c for c in ("cpu", "cpuset", "memory", "pids") if c not in have]
    names = {part for h in hs for part in h.name.split(",")}
    return [c for c in V1_NEEDED if c not in names]


def _paths(rel: str) -> list[Path]:
    return [h / rel.strip("/") for h in hierarchies()]


def _init_cpuset(path: Path) -> None:
    """A new v1 cpuset cgroup starts with no CPUs and no memory nodes: copy the parent's."""
    for knob in ("cpuset.cpus", "cpuset.mems"):
        f = path / knob
        if f.exists() and not f.read_text().strip():
            f.write_text((path.parent / knob).read_text().strip() or "0")


def create(rel: str) -> None:
    """Make cgroup ``rel`` (e.g. ``k8slab/k8slab-worker/system``) in every hierarchy."""
    if is_v2():
        parts = Path(rel.strip("/")).parts
        cur = ROOT
        for part in parts:
            ctrl = cur / "cgroup.subtree_control"
            try:
                want = " ".join(f"+{c}" for c in (cur / "cgroup.controllers").read_text().split())
                if want:
                    ctrl.write_text(want)
            except OSError:
                pass
            cur = cur / part
            cur.mkdir(exist_ok=True)
        return
    for base in hierarchies():
        cur = base
        for part in Path(rel.strip("/")).parts:
            cur = cur / part
            if not cur.is_dir():
                try:
                    cur.mkdir()
                except OSError as exc:
                    raise EngineError(f"cannot create cgroup {cur}: {exc.strerror}; the real-node "
                                      f"engine needs root and a writable /sys/fs/cgroup") from exc
            if "cpuset" in base.name.split(","):
                _init_cpuset(cur)


def attach(pid: int, rel: str) -> None:
    """Move process ``pid`` into cgroup ``rel`` of every hierarchy."""
    for path in _paths(rel):
        try:
            (path / "cgroup.procs").write_text(str(pid))
        except OSError as exc:
            raise EngineError(f"cannot move pid {pid} into cgroup {path}: {exc.strerror}") from exc


def pids(rel: str) -> set[int]:
    """Every process in cgroup ``rel`` or below, in any hierarchy."""
    out: set[int] = set()
    for path in _paths(rel):
        if not path.is_dir():
            continue
        for procs in path.rglob("cgroup.procs"):
            try:
                out.update(int(p) for p in procs.read_text().split())
            except (OSError, ValueError):
                continue
    return out


def destroy(rel: str, timeout: float = 20) -> list[str]:
    """Kill every process in ``rel`` and remove the cgroups; return what could not be removed."""
    deadline = time.monotonic() + timeout
    while True:
        left = pids(rel)
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if time.monotonic() > deadline:
            return [f"processes still running in cgroup {rel}: {sorted(left)[:10]}"]
        time.sleep(0.1)
    problems = []
    for path in _paths(rel):
        if not path.is_dir():
            continue
        dirs = sorted((p for p in path.rglob("*") if p.is_dir()), key=lambda p: len(p.parts),
                      reverse=True) + [path]
        for d in dirs:
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)  # a dying process can hold it for a moment
            else:
                problems.append(f"cgroup {d} could not be removed")
    return problems


def remove_top_if_empty() -> None:
    """Remove ``/k8slab`` itself once no node is left in it."""
    for path in _paths(TOP):
        try:
            path.rmdir()
        except OSError:
            pass
