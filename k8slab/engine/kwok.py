"""The Docker-less engine: a real control plane driven by ``kwokctl --runtime binary``.

kube-apiserver, etcd, kube-controller-manager and kube-scheduler are the
upstream programs built by :mod:`k8slab.engine.gobuild`; KWOK's controller plays
every kubelet. k8slab adds what kind would give a learner: nodes named as kind
names them, the ``standard`` StorageClass with a provisioner, and pod stages
(including the crash loop of a failing command).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import yaml

from ..errors import EngineError
from . import gobuild, paths, procs, stages, versions
from .model import ClusterStatus
from .progress import Ticker

# kind's defaults, so addresses look alike on both engines
SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.{index}.0/24"
NODE_IP = "172.18.0.{host}"
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
              "kwok-controller")


def workdir() -> Path:
    """KWOK's work directory (``$KWOK_WORKDIR``) under k8slab's state directory."""
    return paths.state_dir() / "kwok"


def cluster_dir(name: str) -> Path:
    return workdir() / "clusters" / name


def context_name(name: str) -> str:
    """The kubeconfig context of a local-engine cluster: ``kwok-<name>``."""
    return f"kwok-{name}"


def provisioner_pidfile(name: str) -> Path:
    return paths.state_dir() / f"{name}-provisioner.pid"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["KWOK_WORKDIR"] = str(workdir())
    # kwokctl calls kubectl for its health checks: give it ours, never a download
    kube_bin = gobuild.component("kubernetes").bin_dir
    env["PATH"] = f"{kube_bin}{os.pathsep}{env.get('PATH', '')}"
    return env


def kwokctl(args: list[str], *, name: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run kwokctl against cluster ``name`` with k8slab's work dir and kubeconfig."""
    cmd = [str(gobuild.binary("kwokctl")), "--name", name, *args]
    if os.environ.get("K8SLAB_KWOKCTL_DEBUG"):
        cmd.append("-v=debug")
    try:
        return subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        said = exc.stderr or b""
        said = said.decode(errors="replace") if isinstance(said, bytes) else said
        tail = "\n".join(said.strip().splitlines()[-3:])
        raise EngineError(f"kwokctl {' '.join(args)} did not finish within {timeout:.0f}s; "
                          f"logs: {cluster_dir(name) / 'logs'}" + (f"\nkwokctl said: {tail}" if tail else "")) from exc


# --- configuration -------------------------------------------------------------------------


PORT_OPTIONS = ("kubeApiserverPort", "etcdPort", "etcdPeerPort", "kwokControllerPort",
                "kubeControllerManagerPort", "kubeSchedulerPort")


PORT_RANGE = (21000, 29999)


def free_ports(count: int) -> list[int]:
    """Free ports of 127.0.0.1 for the components, picked at random in 21000-29999.

    Not kwokctl's own choice: it scans down from 32767 for every cluster, so two kwok
    clusters (or a component restarted after another cluster started) collide. Not the
    kernel's ephemeral range (32768 and up) either: while a component is down, its
    clients' reconnects get random local ports from that range, and one can land on the
    listening port itself (a TCP self-connect), which then cannot be bound again.
    """
    import random
    import socket

    ports: list[int] = []
    rng = random.SystemRandom()
    while len(ports) < count:
        port = rng.randint(*PORT_RANGE)
        if port in ports:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
    return ports


def kwokctl_config(options_extra: dict | None = None,
                   args_extra: dict[str, list[tuple[str, str]]] | None = None,
                   env_extra: dict[str, dict[str, str]] | None = None) -> list[dict]:
    """The kwokctl configuration documents: options, component patches and stages.

    ``options_extra`` adds kwokctl options; ``args_extra`` adds flags per component
    (the real-node engine uses both to open the control plane to its nodes).
    """
    b = gobuild.binary
    options: dict = {
        "runtime": "binary",
        "bindAddress": "127.0.0.1",
        "kubeApiserverBinary": str(b("kube-apiserver")),
        "kubeControllerManagerBinary": str(b("kube-controller-manager")),
        "kubeSchedulerBinary": str(b("kube-scheduler")),
        "kubectlBinary": str(b("kubectl")),
        "kwokControllerBinary": str(b("kwok")),
        "etcdBinary": str(b("etcd")),
        "kubeVersion": versions.KUBERNETES,
        "etcdVersion": versions.ETCD.lstrip("v"),
        "kwokVersion": versions.KWOK,
    }
    options.update(zip(PORT_OPTIONS, free_ports(len(PORT_OPTIONS))))
    options.update(options_extra or {})
    conf = {
        "apiVersion": "config.kwok.x-k8s.io/v1alpha1",
        "kind": "KwokctlConfiguration",
        "options": options,
        # one instance each, so no leader election: with it, an API server restart or a
        # loaded machine makes the controller manager and the scheduler exit ("leaderelection
        # lost"), and nothing restarts them
        "componentsPatches": [
            {"name": "kube-apiserver",
             "extraArgs": [{"key": "service-cluster-ip-range", "value": SERVICE_CIDR}]},
            {"name": "kube-controller-manager",
             "extraArgs": [{"key": "service-cluster-ip-range", "value": SERVICE_CIDR},
                           {"key": "leader-elect", "value": "false"}]},
            {"name": "kube-scheduler",
             "extraArgs": [{"key": "leader-elect", "value": "false"}]},
        ],
    }
    for comp, args in (args_extra or {}).items():
        patch = next((p for p in conf["componentsPatches"] if p["name"] == comp), None)
        if patch is None:
            patch = {"name": comp, "extraArgs": []}
            conf["componentsPatches"].append(patch)
        patch["extraArgs"] += [{"key": k, "value": v} for k, v in args]
    for comp, env in (env_extra or {}).items():
        patch = next((p for p in conf["componentsPatches"] if p["name"] == comp), None)
        if patch is None:
            patch = {"name": comp}
            conf["componentsPatches"].append(patch)
        patch["extraEnvs"] = [{"name": k, "value": v} for k, v in env.items()]
    return [conf, *stages.all_stages(gobuild.stage_root())]


def node_objects(name: str, workers: int) -> list[dict]:
    """Node objects named as kind names them: ``<name>-control-plane``, ``<name>-worker``, ..."""
    names = [f"{name}-control-plane"] + [f"{name}-worker{i if i > 1 else ''}"
                                         for i in range(1, workers + 1)]
    nodes = []
    for index, node in enumerate(names):
        labels = {
            "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": node,
            "kubernetes.io/os": "linux",
        }
        spec: dict = {"podCIDR": POD_CIDR.format(index=index),
                      "podCIDRs": [POD_CIDR.format(index=index)],
                      "providerID": f"kwok://{node}"}
        if index == 0:
            labels["node-role.kubernetes.io/control-plane"] = ""
            labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
            if workers:
                spec["taints"] = [{"key": "node-role.kubernetes.io/control-plane",
                                   "effect": "NoSchedule"}]
        nodes.append({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": node, "labels": labels,
                         "annotations": {"kwok.x-k8s.io/node": "fake",
                                         "k8slab.dev/engine": "kwok"}},
            "spec": spec,
            "status": {
                "addresses": [{"type": "InternalIP", "address": NODE_IP.format(host=index + 2)},
                              {"type": "Hostname", "address": node}],
                "allocatable": {"cpu": "8", "memory": "16Gi", "pods": "110",
                                "ephemeral-storage": "100Gi"},
                "capacity": {"cpu": "8", "memory": "16Gi", "pods": "110",
                             "ephemeral-storage": "100Gi"},
                "nodeInfo": {
                    "architecture": "amd64", "operatingSystem": "linux",
                    "kubeletVersion": versions.KUBERNETES,
                    "kubeProxyVersion": versions.KUBERNETES,
                    "containerRuntimeVersion": f"kwok://{versions.KWOK}",
                    "kernelVersion": "simulated", "osImage": f"KWOK {versions.KWOK} simulated node",
                    "bootID": "", "machineID": "", "systemUUID": "",
                },
            },
        })
    return nodes


STORAGE_CLASS = {
    "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
    "metadata": {"name": "standard",
                 "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
    "provisioner": "rancher.io/local-path",
    "reclaimPolicy": "Delete",
    "volumeBindingMode": "WaitForFirstConsumer",
}


# --- lifecycle -----------------------------------------------------------------------------


_pid_alive = procs.alive
_read_pid = procs.read_pid


def processes(name: str) -> dict[str, int | None]:
    """Component -> PID if running, None if its PID file names a dead process or is missing."""
    pids_dir = cluster_dir(name) / "pids"
    out: dict[str, int | None] = {}
    for comp in COMPONENTS:
        pid = _read_pid(pids_dir / f"{comp}.pid")
        out[comp] = pid if pid and _pid_alive(pid) else None
    pid = _read_pid(provisioner_pidfile(name))
    out["k8slab-provisioner"] = pid if pid and _pid_alive(pid) else None
    return out


def exists(name: str) -> bool:
    return (cluster_dir(name) / "kwok.yaml").exists()


def status(name: str) -> ClusterStatus:
    """Inspect a local-engine cluster without changing anything."""
    from .health import api_health, node_readiness

    st = ClusterStatus(name=name, engine="kwok", context=context_name(name),
                       kubeconfig=str(paths.kubeconfig_path()))
    if not exists(name):
        st.state = "absent"
        return st
    st.processes = processes(name)
    alive = [c for c, pid in st.processes.items() if pid]
    if not alive:
        st.state = "stopped"
        st.problem = "no component is running (the machine restarted, or the processes were killed)"
        return st
    st.server, st.api_ok, err = api_health(st.kubeconfig, st.context)
    if not st.api_ok and st.processes.get("kube-apiserver") and _refuses(st.server):
        # alive but its port closed: an API server shutting down, not one starting
        st.processes["kube-apiserver"] = None
        err = "kube-apiserver is shutting down (its port refuses connections)"
    dead = [c for c, pid in st.processes.items() if not pid]
    if dead:
        st.state = "broken"
        st.problem = "not running: " + ", ".join(dead)
        return st
    if not st.api_ok:
        st.state = "broken"
        st.problem = f"the API server does not answer: {err}"
        return st
    st.nodes = node_readiness(st.kubeconfig, st.context)
    not_ready = [n for n, ok in st.nodes.items() if not ok]
    if not st.nodes:
        st.state = "starting"
        st.problem = "no nodes registered yet"
    elif not_ready:
        st.state = "starting"
        st.problem = "nodes not Ready: " + ", ".join(not_ready)
    else:
        st.state = "running"
    return st


def _start_provisioner(name: str) -> int:
    log = cluster_dir(name) / "logs" / "k8slab-provisioner.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "k8slab.engine.provisioner",
             "--kubeconfig", str(paths.kubeconfig_path()), "--context", context_name(name)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)
    provisioner_pidfile(name).write_text(str(proc.pid))
    return proc.pid


_kill_pid = procs.kill


def _forget_dead_pids(name: str) -> None:
    """Remove the PID files of components that are gone, so kwokctl starts them again.

    kwokctl decides "already started" with kill(pid, 0), which a zombie passes; where
    PID 1 is slow to reap orphans (some VMs and containers), ``kwokctl start cluster``
    would skip the component and wait forever for it to serve.
    """
    pids_dir = cluster_dir(name) / "pids"
    for comp in COMPONENTS:
        path = pids_dir / f"{comp}.pid"
        pid = _read_pid(path)
        if pid and not _pid_alive(pid):
            path.unlink(missing_ok=True)


def _hand_over_node_leases(name: str) -> subprocess.CompletedProcess:
    """Let a restarted kwok-controller manage the nodes at once.

    KWOK manages a node only while it holds the node's lease, and each kwok-controller
    process takes a fresh random holder identity. The leases left by the previous
    process stay valid for --node-lease-duration-seconds (200 s with kwokctl), and the
    new process retries only every quarter of that: pods on every node would sit
    Pending for minutes after a restart. So: stop the new kwok-controller, delete the
    stale leases while it is down, and start it again; it then creates them as its own.
    """
    from .health import delete_node_leases, wait_api

    kubeconfig, ctx = str(paths.kubeconfig_path()), context_name(name)
    wait_api(kubeconfig, ctx, timeout=60)
    pid = processes(name).get("kwok-controller")
    if pid:
        _kill_pid(pid)
    delete_node_leases(kubeconfig, ctx)
    _forget_dead_pids(name)
    return kwokctl(["start", "cluster"], name=name, timeout=120)


def _refuses(server: str) -> bool:
    """Whether the API server's port refuses connections (nothing listens there)."""
    import socket
    from urllib.parse import urlparse

    url = urlparse(server or "")
    if not url.port:
        return False
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((url.hostname or "127.0.0.1", url.port)) == 111  # ECONNREFUSED


def _end_dying_apiserver(name: str) -> None:
    """Stop an API server that is alive but no longer listens (shutting down after a
    SIGTERM): kwokctl would take it for running and wait for it to serve, in vain."""
    from .health import api_health

    pid = processes(name).get("kube-apiserver")
    if not pid:
        return
    server, ok, _ = api_health(str(paths.kubeconfig_path()), context_name(name), timeout=2)
    if not ok and _refuses(server):
        _kill_pid(pid, timeout=15)
        (cluster_dir(name) / "pids" / "kube-apiserver.pid").unlink(missing_ok=True)


def _start_stopped(name: str) -> subprocess.CompletedProcess:
    """``kwokctl start cluster`` for the components that are not running; a kwok-controller
    started anew takes the node leases over (see :func:`_hand_over_node_leases`)."""
    kwok_was_down = not processes(name).get("kwok-controller")
    _end_dying_apiserver(name)
    _forget_dead_pids(name)
    proc = kwokctl(["start", "cluster"], name=name, timeout=120)
    if proc.returncode == 0 and kwok_was_down:
        proc = _hand_over_node_leases(name)
    return proc


def restart(name: str, echo: Callable[[str], None] = print) -> bool:
    """Start the dead processes of an existing cluster, keeping its objects.

    Returns False (after stopping whatever it started) when the cluster does not
    come back healthy, e.g. because a port it was created with is now taken.
    """
    from .health import wait_ready

    with Ticker(echo, f"restarting the stopped processes of cluster {name}", interval=15):
        proc = _start_stopped(name)
        if proc.returncode == 0:
            if not processes(name).get("k8slab-provisioner"):
                _start_provisioner(name)
            try:
                wait_ready(str(paths.kubeconfig_path()), context_name(name),
                           nodes=len(status(name).nodes) or 1, timeout=60)
                return True
            except EngineError:
                pass
    return False


def start_control_plane(name: str, docs: list[dict], echo: Callable[[str], None] = print) -> None:
    """``kwokctl create cluster`` with the configuration ``docs`` (binaries must be built)."""
    paths.state_dir().mkdir(parents=True, exist_ok=True)
    config = paths.state_dir() / f"{name}.kwokctl.yaml"
    config.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    kubeconfig = paths.kubeconfig_path()
    with Ticker(echo, f"starting control plane ({versions.KUBERNETES}, etcd {versions.ETCD}, "
                      f"kwok {versions.KWOK})", interval=15):
        proc = kwokctl(["--config", str(config), "create", "cluster",
                        "--kubeconfig", str(kubeconfig), "--timeout", "180s", "--wait", "0s"],
                       name=name, timeout=300)
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-12:])
            _cleanup(name)
            raise EngineError(f"kwokctl could not create cluster {name!r}:\n{tail}\n"
                              f"Logs: {cluster_dir(name) / 'logs'}. Check: k8slab doctor")


def create(name: str, workers: int, echo: Callable[[str], None] = print) -> None:
    """Create and start a fresh cluster (the caller has checked none exists)."""
    from .health import apply_objects, wait_ready

    if gobuild.missing(thorough=False):
        gobuild.build(echo=echo)
    start_control_plane(name, kwokctl_config(), echo)
    kubeconfig = paths.kubeconfig_path()
    with Ticker(echo, f"registering nodes {name}-control-plane + {workers} workers, "
                      f"StorageClass standard", interval=15):
        ctx = context_name(name)
        apply_objects(str(kubeconfig), ctx, node_objects(name, workers) + [STORAGE_CLASS])
        _start_provisioner(name)
        wait_ready(str(kubeconfig), ctx, nodes=workers + 1, timeout=120)


def repair_current_context(prefer: str) -> None:
    """Keep k8slab's kubeconfig usable by kubectl after kwokctl edits it.

    kwokctl clears ``current-context`` when it deletes a cluster; point it back at
    ``prefer`` (or any remaining context) so ``KUBECONFIG=$(k8slab kubeconfig) kubectl``
    keeps working.
    """
    path = paths.kubeconfig_path()
    try:
        conf = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return
    names = [c.get("name") for c in conf.get("contexts") or []]
    if conf.get("current-context") in names:
        return
    target = prefer if prefer in names else (names[0] if names else "")
    if target != conf.get("current-context"):
        conf["current-context"] = target
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(yaml.safe_dump(conf, sort_keys=False))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)


def _cleanup(name: str) -> None:
    """Stop every process of the cluster and remove its state, whatever state it is in."""
    kwokctl(["delete", "cluster", "--kubeconfig", str(paths.kubeconfig_path())], name=name,
            timeout=120)
    for comp, pid in processes(name).items():
        if pid:
            _kill_pid(pid)
    provisioner_pidfile(name).unlink(missing_ok=True)
    shutil.rmtree(cluster_dir(name), ignore_errors=True)
    (paths.state_dir() / f"{name}.kwokctl.yaml").unlink(missing_ok=True)
    repair_current_context(context_name("k8slab"))


def delete(name: str, echo: Callable[[str], None] = print) -> bool:
    """Stop and remove a cluster; return False when there was none."""
    if not exists(name) and not any(processes(name).values()):
        return False
    with Ticker(echo, f"deleting cluster {name}", interval=15):
        _cleanup(name)
    return True


def stop_component(name: str, component: str) -> None:
    """Stop one control-plane component (tests use it to simulate an outage).

    kwokctl v0.8 has no per-component stop command; its PID file names the process.
    """
    from .cluster import lock

    if component not in COMPONENTS:
        raise EngineError(f"unknown component {component!r}; one of: {', '.join(COMPONENTS)}")
    with lock(name):
        pid = processes(name).get(component)
        if pid:
            _kill_pid(pid)


def start_component(name: str, component: str) -> None:
    """Start a stopped component again (``kwokctl start cluster`` skips running ones).

    Also restarts kube-controller-manager and kube-scheduler if they exited meanwhile:
    like on any cluster, they quit when they cannot renew their leader lease.
    """
    from .cluster import lock

    with lock(name):
        proc = _start_stopped(name)
    if proc.returncode != 0 or not processes(name).get(component):
        raise EngineError(f"could not start {component}: {(proc.stderr or proc.stdout).strip()}")
