"""The kind engine, for machines with a Docker engine (learners' laptops).

k8slab only builds and runs kind's own commands; kind does the work. The
kubeconfig still goes to k8slab's own file, never ``~/.kube/config``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Callable

import yaml

from ..errors import EngineError
from . import paths
from .model import ClusterStatus

CONFIG = Path(__file__).with_name("kind") / "cluster.yaml"


def context_name(name: str) -> str:
    """kind's context for a cluster: ``kind-<name>``."""
    return f"kind-{name}"


def config_for(workers: int) -> str:
    """The kind config with ``workers`` worker nodes (the shipped file has two)."""
    conf = yaml.safe_load(CONFIG.read_text())
    conf["nodes"] = [conf["nodes"][0]] + [{"role": "worker"} for _ in range(workers)]
    return yaml.safe_dump(conf, sort_keys=False)


def create_command(name: str, config_path: str, kubeconfig: str) -> list[str]:
    """The ``kind create cluster`` command line k8slab runs."""
    return ["kind", "create", "cluster", "--name", name, "--config", config_path,
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
    from .health import api_health, node_readiness

    st = ClusterStatus(name=name, engine="kind", context=context_name(name),
                       kubeconfig=str(paths.kubeconfig_path()))
    if not usable()[0] or name not in clusters():
        st.state = "absent"
        return st
    st.server, st.api_ok, err = api_health(st.kubeconfig, st.context)
    if not st.api_ok:
        st.state, st.problem = "broken", f"the API server does not answer: {err}"
        return st
    st.nodes = node_readiness(st.kubeconfig, st.context)
    st.state = "running" if st.nodes and all(st.nodes.values()) else "starting"
    return st


def create(name: str, workers: int, echo: Callable[[str], None] = print) -> None:
    require()
    paths.state_dir().mkdir(parents=True, exist_ok=True)
    config = paths.state_dir() / f"{name}.kind.yaml"
    config.write_text(config_for(workers))
    cmd = create_command(name, str(config), str(paths.kubeconfig_path()))
    echo("running: " + " ".join(cmd))
    proc = subprocess.run(cmd)
    if proc.returncode != 0:
        raise EngineError(f"kind create cluster failed (exit {proc.returncode}); see kind's "
                          f"output above, then: k8slab down --engine kind && k8slab up --engine kind")


def delete(name: str, echo: Callable[[str], None] = print) -> bool:
    if not usable()[0] or name not in clusters():
        return False
    proc = subprocess.run(delete_command(name, str(paths.kubeconfig_path())))
    return proc.returncode == 0
