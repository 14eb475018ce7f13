"""The kind engine, for machines with a Docker engine (learners' laptops).

k8slab only builds and runs kind's own commands; kind does the work. The
kubeconfig still goes to k8slab's own file, never ``~/.kube/config``.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable

import yaml

from ..errors import EngineError
from . import health, kind_ports, paths, versions
from .model import ClusterStatus
from .progress import fmt_duration

CONFIG = Path(__file__).with_name("kind") / "cluster.yaml"

NODES_TIMEOUT = 600.0
"""How long ``up`` waits for every node Ready after ``kind create`` (first pulls of the CNI's
and kube-proxy's images on slow links take minutes)."""

POLL = 1.0
"""Seconds between two looks at the nodes while waiting."""

API_GRACE = 60.0
"""How long ``up`` waits for the API server of a kind cluster that exists but does not
answer (its containers are starting again) before recreating it."""


def context_name(name: str) -> str:
    """kind's context for a cluster: ``kind-<name>``."""
    return f"kind-{name}"


def node_names(name: str, workers: int) -> list[str]:
    """The node names kind gives a cluster: ``<name>-control-plane``, ``<name>-worker``, ``-worker2``…"""
    return [f"{name}-control-plane"] + [f"{name}-worker{'' if i == 1 else i}"
                                        for i in range(1, workers + 1)]


def config_for(workers: int, ports: dict[int, int] | None = None) -> str:
    """The kind config with ``workers`` worker nodes (the shipped file has two).

    ``ports`` maps the control plane's container ports (80, 443) to the host ports chosen
    for them (see ``kind_ports.choose``); the shipped file maps 80 and 443 to themselves.
    """
    conf = yaml.safe_load(CONFIG.read_text())
    conf["nodes"] = [conf["nodes"][0]] + [{"role": "worker"} for _ in range(workers)]
    for mapping in conf["nodes"][0].get("extraPortMappings") or []:
        mapping["hostPort"] = (ports or {}).get(mapping["containerPort"], mapping["hostPort"])
    return yaml.safe_dump(conf, sort_keys=False)


def create_command(name: str, config_path: str, kubeconfig: str,
                   image: str = versions.KIND_NODE_IMAGE) -> list[str]:
    """The ``kind create cluster`` command line k8slab runs (the pinned node image)."""
    return ["kind", "create", "cluster", "--name", name, "--image", image, "--config", config_path,
            "--kubeconfig", kubeconfig, "--wait", "5m"]


def delete_command(name: str, kubeconfig: str) -> list[str]:
    return ["kind", "delete", "cluster", "--name", name, "--kubeconfig", kubeconfig]


def docker_available(timeout: float = 5) -> tuple[bool, str]:
    """Whether a Docker daemon answers (the CLI alone is not enough)."""
    docker = shutil.which("docker")
    if not docker:
        return False, "the docker command is not installed"
    try:
        proc = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"],
                              capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return False, "docker info did not answer"
    if proc.returncode != 0 or not proc.stdout.strip():
        return False, "no Docker daemon answers (docker info failed)"
    return True, f"Docker {proc.stdout.strip()}"


def kind_available() -> tuple[bool, str]:
    kind = shutil.which("kind")
    if not kind:
        return False, "kind is not installed (https://kind.sigs.k8s.io/docs/user/quick-start/)"
    try:
        out = subprocess.run([kind, "version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False, "kind version did not answer"
    return out.returncode == 0, out.stdout.strip() or out.stderr.strip()


def usable() -> tuple[bool, str]:
    """Whether ``--engine kind`` can run here, and why not."""
    ok, why = docker_available()
    if not ok:
        return False, why
    ok, why = kind_available()
    return ok, why


def require() -> None:
    ok, why = usable()
    if not ok:
        raise EngineError(f"the kind engine needs Docker and kind: {why}. Install them, or use "
                          f"the Docker-less engines: k8slab up --engine local (real nodes) or --engine kwok")


def clusters() -> list[str]:
    try:
        out = subprocess.run(["kind", "get", "clusters"], capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line for line in out.stdout.split() if line]


def status(name: str) -> ClusterStatus:
    st = ClusterStatus(name=name, engine="kind", context=context_name(name),
                       kubeconfig=str(paths.kubeconfig_path()))
    ok, why = usable()
    if not ok:
        # not "absent": the cluster's containers may well exist behind a stopped Docker
        st.state, st.problem = "broken", f"{why}; start Docker (and install kind), then look again"
        return st
    if name not in clusters():
        st.state = "absent"
        return st
    st.server, st.api_ok, err = health.api_health(st.kubeconfig, st.context)
    if not st.api_ok:
        st.state, st.problem = "broken", f"the API server does not answer: {err}"
        return st
    st.nodes = health.node_readiness(st.kubeconfig, st.context)
    # a worker that has not registered yet is not in the list: count against the config
    st.nodes.update({n: False for n in node_names(name, created_workers(name, default=0))
                     if n not in st.nodes})
    st.state = "running" if st.nodes and all(st.nodes.values()) else "starting"
    return st


def create(name: str, workers: int, echo: Callable[[str], None] = print) -> None:
    """``kind create cluster`` with the pinned node image and free host ports (nodes may not be Ready yet)."""
    require()
    paths.state_dir().mkdir(parents=True, exist_ok=True)
    ports = kind_ports.choose(echo=echo)
    config = paths.state_dir() / f"{name}.kind.yaml"
    config.write_text(config_for(workers, ports))
    cmd = create_command(name, str(config), str(paths.kubeconfig_path()))
    echo("running: " + " ".join(cmd))
    proc = subprocess.run(cmd)
    if proc.returncode != 0:
        raise EngineError(f"kind create cluster failed (exit {proc.returncode}); see kind's output "
                          f"above (k8slab removed what it had started), fix it, then: "
                          f"k8slab up --engine kind --name {name}")


def wait_nodes(name: str, workers: int, echo: Callable[[str], None] = print,
               timeout: float = NODES_TIMEOUT, interval: float | None = None) -> dict[str, bool]:
    """Wait until every node of the cluster (control plane and workers) is Ready.

    kind's own ``--wait`` covers the control plane only; workers join after it. A line is
    printed whenever the count of Ready nodes changes, and every 30 s while it does not.
    """
    kubeconfig, context = str(paths.kubeconfig_path()), context_name(name)
    want = node_names(name, workers)
    started = last_echo = time.monotonic()
    last = ""
    while True:
        nodes = health.node_readiness(kubeconfig, context)
        names = list(dict.fromkeys([*want, *nodes]))
        waiting = [n for n in names if not nodes.get(n)]
        ready = len(names) - len(waiting)
        line = f"nodes Ready: {ready}/{len(names)}" + (f" (waiting for {', '.join(waiting)})"
                                                       if waiting else "")
        now = time.monotonic()
        if line != last or now - last_echo >= 30:
            echo(line + (f" after {fmt_duration(now - started)}" if line == last else ""))
            last, last_echo = line, now
        if not waiting:
            return nodes
        if now - started > timeout:
            raise EngineError(
                f"nodes of cluster {name} not Ready after {fmt_duration(timeout)}: {', '.join(waiting)}; "
                f"see: kubectl describe node {waiting[0]} (KUBECONFIG=$(k8slab kubeconfig)); "
                f"k8slab up waits for this cluster again, k8slab down removes it")
        time.sleep(POLL if interval is None else interval)


def resume(name: str, workers: int, st: ClusterStatus, echo: Callable[[str], None] = print,
           grace: float | None = None) -> bool:
    """Wait for a kind cluster that exists but is not running yet; False when it must be recreated.

    ``starting`` (the API answers, some node is not Ready: e.g. an earlier ``up`` was
    interrupted while workers joined) is waited for. ``broken`` (no API answer) gets
    ``grace`` seconds, as after a Docker restart, before the caller recreates it.
    """
    require()
    grace = API_GRACE if grace is None else grace
    deadline = time.monotonic() + grace
    if st.state == "broken":
        echo(f"cluster {name}'s API server does not answer ({st.problem}); waiting up to "
             f"{fmt_duration(grace)} for it before recreating the cluster")
    while st.state == "broken" and time.monotonic() < deadline:
        time.sleep(POLL)
        st = status(name)
    if st.state == "broken":
        return False
    if st.state == "starting":
        echo(f"cluster {name} is still starting; waiting for its nodes instead of recreating it")
    wait_nodes(name, created_workers(name, default=workers), echo=echo)
    return True


def ingress_ports(name: str) -> dict[int, int]:
    """Control-plane port (80, 443) -> the 127.0.0.1 port ``create`` mapped it to ({} before create)."""
    try:
        conf = yaml.safe_load((paths.state_dir() / f"{name}.kind.yaml").read_text())
        return {m["containerPort"]: m["hostPort"] for m in conf["nodes"][0].get("extraPortMappings") or []}
    except (OSError, yaml.YAMLError, KeyError, IndexError, TypeError):
        return {}


def created_workers(name: str, default: int) -> int:
    """How many workers the cluster was created with (read from the config ``create`` wrote)."""
    try:
        conf = yaml.safe_load((paths.state_dir() / f"{name}.kind.yaml").read_text())
        return sum(1 for n in conf["nodes"] if n.get("role") == "worker")
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return default


def delete(name: str, echo: Callable[[str], None] = print) -> bool:
    """``kind delete cluster``; False when there is no such cluster.

    Raises:
        EngineError: Docker or kind does not answer, so the cluster's containers cannot be
            seen or removed (k8slab keeps remembering the cluster).
    """
    ok, why = usable()
    if not ok:
        raise EngineError(f"cannot remove the kind cluster {name}: {why}. Its containers may still "
                          f"exist: start Docker, then run k8slab down --name {name} again "
                          f"(k8slab keeps the cluster on record until then)")
    if name not in clusters():
        return False
    proc = subprocess.run(delete_command(name, str(paths.kubeconfig_path())))
    return proc.returncode == 0
