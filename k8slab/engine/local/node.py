"""One real node: its namespaces, its directories and its three programs.

A node is a directory (``<state>/local/<name>/nodes/<node>``), a holder process
owning its network, mount and UTS namespaces, and containerd, the kubelet and
kube-proxy started inside them, all in the node's cgroup subtree. In the node's
mount namespace its own ``var/`` and ``run/`` directories are mounted over
``/var`` and ``/run``, and files holding the kubelet's wanted values over the
machine-wide sysctls it would otherwise change.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from ...errors import EngineError
from .. import gobuild
from . import certs, cgroups, netns, network, nodeconf
from ..procs import alive, read_pid, write_pid

PROGRAMS = ("holder", "containerd", "kubelet", "kube-proxy")


def pidfile(spec: nodeconf.NodeSpec, program: str) -> Path:
    return spec.root / "pids" / f"{program}.pid"


def log(spec: nodeconf.NodeSpec, program: str) -> Path:
    return spec.root / "logs" / f"{program}.log"


def processes(spec: nodeconf.NodeSpec) -> dict[str, int | None]:
    out = {}
    for program in PROGRAMS:
        pid = read_pid(pidfile(spec, program))
        out[program] = pid if pid and alive(pid) else None
    holder = out["holder"]
    if holder and netns.same_netns(holder):
        out["holder"] = None  # a recycled PID, not our holder
    return out


def write_files(spec: nodeconf.NodeSpec) -> None:
    for user, (cn, org) in nodeconf.IDENTITIES.items():
        certs.ensure(*spec.identity(user), spec.ca_file, spec.ca_key, cn.format(node=spec.name), org)
    for path, text in nodeconf.files(spec).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    for sub in ("var/lib", "var/log", "var/tmp", "run", "logs", "pids"):
        (spec.root / sub).mkdir(parents=True, exist_ok=True)


def _mount_script(spec: nodeconf.NodeSpec) -> str:
    lines = ["set -e", f"mount --bind {spec.root / 'var'} /var", f"mount --bind {spec.root / 'run'} /run",
             "ln -sfn /run /var/run"]
    for key in nodeconf.KUBELET_SYSCTLS:
        lines.append(f"mount --bind {spec.root / 'sysctl' / key.replace('/', '.')} /proc/sys/{key}")
    lines.append(f"hostname {spec.name}")
    return "\n".join(lines)


def start_holder(spec: nodeconf.NodeSpec, cp_pid: int, peers: list[int]) -> int:
    """Namespaces, mounts and network of the node (its programs are not started yet)."""
    # /run is a tmpfs on a real machine: what a previous boot left there is stale
    shutil.rmtree(spec.root / "run", ignore_errors=True)
    write_files(spec)
    cgroups.create(spec.cgroup + "/system")
    pid = netns.start_holder(spec.cgroup + "/system", log(spec, "holder"))
    write_pid(pidfile(spec, "holder"), pid)
    netns.run(pid, ["sh", "-c", _mount_script(spec)], f"node {spec.name}: mounts")
    network.setup_node(cp_pid, pid, spec.index, peers)
    return pid


def _env() -> dict[str, str]:
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": "/root", "LANG": "C.UTF-8"}
    # the shim and ctr are found next to containerd
    env["PATH"] = f"{gobuild.binary('containerd').parent}:{env['PATH']}"
    return env


def start_program(spec: nodeconf.NodeSpec, program: str) -> int:
    holder = processes(spec)["holder"]
    if not holder:
        raise EngineError(f"node {spec.name} has no namespaces (its holder is not running)")
    etc = spec.etc
    argv = {
        "containerd": [str(gobuild.binary("containerd")), "--config", str(etc / "containerd.toml")],
        "kubelet": [str(gobuild.binary("kubelet")), f"--config={etc / 'kubelet.yaml'}",
                    f"--kubeconfig={etc / 'kubelet.kubeconfig'}", f"--hostname-override={spec.name}",
                    f"--node-ip={spec.ip}"],
        "kube-proxy": [str(gobuild.binary("kube-proxy")), f"--config={etc / 'kube-proxy.yaml'}"],
    }[program]
    pid = netns.spawn(holder, argv, cgroup=spec.cgroup + "/system", log=log(spec, program), env=_env())
    write_pid(pidfile(spec, program), pid)
    if program == "containerd":
        _wait_socket(spec, pid)
    return pid


def _wait_socket(spec: nodeconf.NodeSpec, pid: int, timeout: float = 30) -> None:
    sock = spec.root / "run" / "containerd" / "containerd.sock"
    deadline = time.monotonic() + timeout
    while not sock.exists():
        if not alive(pid):
            tail = "\n".join(log(spec, "containerd").read_text(errors="replace").splitlines()[-5:])
            raise EngineError(f"containerd of node {spec.name} exited at start:\n{tail}")
        if time.monotonic() > deadline:
            raise EngineError(f"containerd of node {spec.name} did not open its socket in {timeout:.0f}s; "
                              f"see {log(spec, 'containerd')}")
        time.sleep(0.05)


def start(spec: nodeconf.NodeSpec, cp_pid: int, peers: list[int]) -> bool:
    """Start whatever of the node is not running (all of it on a fresh node); True when its
    namespaces were made anew, so every container of the node starts again."""
    procs = processes(spec)
    fresh = not procs["holder"]
    if fresh:
        stop(spec)  # programs cannot outlive their namespaces usefully
        start_holder(spec, cp_pid, peers)
        procs = processes(spec)
    elif not all(procs.values()):
        write_files(spec)  # a program restarted reads the configuration (and certificates) of this version
    for program in ("containerd", "kubelet", "kube-proxy"):
        if not procs[program]:
            start_program(spec, program)
    return fresh


def stop(spec: nodeconf.NodeSpec) -> list[str]:
    """Kill everything of the node (containers included) and remove its cgroups."""
    problems = cgroups.destroy(spec.cgroup)
    for program in PROGRAMS:
        pidfile(spec, program).unlink(missing_ok=True)
    return problems


def kill_program(spec: nodeconf.NodeSpec, program: str) -> None:
    """Stop one program of the node (the fault tests use it)."""
    pid = processes(spec).get(program)
    if pid:
        os.kill(pid, 9)
