"""The real-node engine (``--engine local``): the kwokctl control plane, real worker nodes.

The control plane is the simulated engine's (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler on the host's 127.0.0.1, started by
kwokctl); ``<name>-control-plane`` stays a KWOK-simulated node carrying kind's
role label and NoSchedule taint. The workers are real: each a kubelet with its own
containerd and Debian's runc in namespaces of its own (:mod:`.node`), joined by the
lab network (:mod:`.network`). A local registry in the control-plane namespace
serves the image set; CoreDNS runs as ``kube-dns``. Pods reach nothing beyond the
lab unless egress is asked for (:mod:`.egress`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from ...errors import EngineError
from .. import gobuild, kwok, paths
from ..model import ClusterStatus
from ..procs import alive, kill, read_pid, write_pid
from ..progress import Ticker, fmt_duration
from . import addons, cgroups, egress, netns, network, node, nodeconf, preflight

CP_CGROUP = "k8slab/control-plane"
CP_PROGRAMS = ("netns", "api-forwarder", "registry")


def root(name: str) -> Path:
    """Everything the engine keeps for cluster ``name`` (nodes, logs, the image drop)."""
    return paths.state_dir() / "local" / name


def _layout_file(name: str) -> Path:
    return root(name) / "layout.json"


def layout(name: str) -> dict:
    try:
        return json.loads(_layout_file(name).read_text())
    except (OSError, ValueError):
        return {}


def user_images(name: str) -> Path:
    """Where ``k8slab image load`` puts a learner's images for this cluster."""
    return root(name) / "images"


def node_specs(name: str) -> list[nodeconf.NodeSpec]:
    lay = layout(name)
    pki = kwok.cluster_dir(name) / "pki"
    return [nodeconf.NodeSpec(name=n, index=i, root=root(name) / "nodes" / n, api_port=lay["api_port"],
                              ca_file=pki / "ca.crt", ca_key=pki / "ca.key", pull=lay.get("pull", "local"))
            for i, n in enumerate(lay.get("workers") or [], start=1)]


def cp_dir(name: str) -> Path:
    return root(name) / "control-plane"


def egress_of(name: str) -> egress.Egress:
    """The egress recorded for cluster ``name`` (off unless asked for)."""
    return egress.load(cp_dir(name))


def _cp_pidfile(name: str, program: str) -> Path:
    return root(name) / "control-plane" / "pids" / f"{program}.pid"


def _cp_log(name: str, program: str) -> Path:
    return root(name) / "control-plane" / "logs" / f"{program}.log"


def cp_processes(name: str) -> dict[str, int | None]:
    out = {}
    for program in CP_PROGRAMS:
        pid = read_pid(_cp_pidfile(name, program))
        out[program] = pid if pid and alive(pid) else None
    if out["netns"] and netns.same_netns(out["netns"]):
        out["netns"] = None
    return out


# --- configuration of the control plane ------------------------------------------------------


def kwokctl_docs(name: str) -> list[dict]:
    """kwokctl's configuration, opened to real nodes: SANs, advertise address, kubelet client."""
    pki = kwok.cluster_dir(name) / "pki"
    return kwok.kwokctl_config(
        options_extra={"kubeApiserverCertSANs": [network.CP_IP, "10.96.0.1"]},
        args_extra={
            # as on kind (kubeadm): a kubelet may change only its own Node and its own pods' status
            "kube-apiserver": [("advertise-address", network.CP_IP),
                               ("enable-admission-plugins", "NodeRestriction"),
                               ("kubelet-client-certificate", str(pki / "admin.crt")),
                               ("kubelet-client-key", str(pki / "admin.key")),
                               ("kubelet-preferred-address-types", "InternalIP,Hostname")],
            # KWOK plays the control-plane node only; the workers have kubelets of their own
            "kwok-controller": [("manage-all-nodes", "false"),
                                ("manage-nodes-with-annotation-selector", "kwok.x-k8s.io/node=fake")],
        },
        # real nodes share the machine with the control plane: collect garbage sooner
        env_extra={c: {"GOGC": "50"} for c in ("kube-apiserver", "kube-controller-manager")})


def node_objects(name: str, workers: list[str]) -> list[dict]:
    """The simulated control-plane node, and the workers' Node objects with kind's pod CIDRs."""
    objs = kwok.node_objects(name, len(workers))
    out = [objs[0]]
    for obj in objs[1:]:
        meta = obj["metadata"]
        out.append({"apiVersion": "v1", "kind": "Node",
                    "metadata": {"name": meta["name"], "annotations": {"k8slab.dev/engine": "local"},
                                 "labels": {k: v for k, v in meta["labels"].items()
                                            if k == "kubernetes.io/hostname"}},
                    "spec": {"podCIDR": obj["spec"]["podCIDR"], "podCIDRs": obj["spec"]["podCIDRs"]}})
    return out


# --- control-plane namespace programs --------------------------------------------------------


def _start_cp_netns(name: str) -> int:
    cgroups.create(CP_CGROUP)
    pid = netns.start_holder(CP_CGROUP, _cp_log(name, "netns"))
    write_pid(_cp_pidfile(name, "netns"), pid)
    network.setup_control_plane(pid)
    return pid


def _start_forwarder(name: str, cp_pid: int) -> None:
    port = layout(name)["api_port"]
    log = _cp_log(name, "api-forwarder")
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "k8slab.engine.local.forward", "--netns", f"/proc/{cp_pid}/ns/net",
             "--listen", f"{network.CP_IP}:{port}", "--to", f"127.0.0.1:{port}"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            close_fds=True, preexec_fn=lambda: cgroups.attach(os.getpid(), CP_CGROUP))
    write_pid(_cp_pidfile(name, "api-forwarder"), proc.pid)


def _start_registry(name: str, cp_pid: int) -> None:
    from .. import images

    user_images(name).mkdir(parents=True, exist_ok=True)
    store = root(name) / "control-plane" / "registry-blobs"  # on disk, not in its memory
    store.mkdir(parents=True, exist_ok=True)
    argv = [str(gobuild.binary("k8slab-registry")), "-listen",
            f"{network.CP_IP}:{nodeconf.REGISTRY_PORT}", "-store", str(store),
            "-load", str(images.set_dir()), "-load", str(user_images(name))]
    pid = netns.spawn(cp_pid, argv, cgroup=CP_CGROUP, log=_cp_log(name, "registry"),
                      mount=False, uts=False)
    write_pid(_cp_pidfile(name, "registry"), pid)


def _start_control_plane_programs(name: str) -> int:
    procs = cp_processes(name)
    cp_pid = procs["netns"]
    if not cp_pid:
        # the nodes' links hang on this namespace's bridge: without it they must be made again
        for spec in node_specs(name):
            node.stop(spec)
        cgroups.destroy(CP_CGROUP)
        network.teardown()
        cp_pid = _start_cp_netns(name)
        procs = {p: None for p in CP_PROGRAMS}
    if not procs["api-forwarder"]:
        _start_forwarder(name, cp_pid)
    if not procs["registry"]:
        _start_registry(name, cp_pid)
    egress.ensure(cp_dir(name), cp_pid, egress_of(name), CP_CGROUP)
    return cp_pid


def _start_nodes(name: str, cp_pid: int) -> float | None:
    """Start what is not running of each node; the time their containers started anew, if they did."""
    specs = node_specs(name)
    peers = [s.index for s in specs]
    started = time.time()
    fresh = [node.start(spec, cp_pid, peers) for spec in specs]
    return started if any(fresh) else None


def _wait_healthy(name: str, nodes: int, timeout: float = 180, since: float | None = None) -> None:
    from ..health import wait_ready

    kubeconfig, ctx = str(paths.kubeconfig_path()), kwok.context_name(name)
    wait_ready(kubeconfig, ctx, nodes=nodes, timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        ok, why = addons.coredns_ready(kubeconfig, ctx, since=since)
        if ok:
            return
        if time.monotonic() > deadline:
            raise EngineError(f"CoreDNS did not become available in {timeout:.0f}s ({why}); "
                              f"see: k8slab status")
        time.sleep(0.5)


# --- lifecycle -------------------------------------------------------------------------------


def usable() -> tuple[bool, str]:
    """Whether this machine can run real nodes, and why not."""
    problems = preflight.problems()
    return (not problems, "; ".join(problems) if problems else "root, runc, CNI plugins, cgroups")


def create(name: str, workers: int, echo: Callable[[str], None] = print, pull: str = "local",
           egress_mode: egress.Egress = egress.OFF) -> None:
    """Create and start a fresh cluster with real worker nodes.

    Args:
        pull: ``local`` (only the lab's image set; nothing leaves the machine) or
            ``upstream`` (the set first, then the public registries).
        egress_mode: what pods may reach beyond the lab (default: nothing).
    """
    if pull not in ("local", "upstream"):
        raise EngineError(f"unknown pull mode {pull!r}: use local or upstream")
    from .. import images

    problems = preflight.problems()
    if problems:
        raise EngineError("this machine cannot run real nodes: " + "; ".join(problems))
    if workers < 1:
        raise EngineError("the local engine needs at least one worker (--workers 1 or more)")
    started = time.monotonic()
    if gobuild.missing(thorough=False, engine="local"):
        gobuild.build(echo=echo, engine="local")
    images.build_all(echo=echo)
    shutil.rmtree(root(name), ignore_errors=True)
    root(name).mkdir(parents=True)
    docs = kwokctl_docs(name)
    api_port = docs[0]["options"]["kubeApiserverPort"]
    names = [o["metadata"]["name"] for o in kwok.node_objects(name, workers)]
    _layout_file(name).write_text(json.dumps({"api_port": api_port, "workers": names[1:], "pull": pull}))
    egress.save(cp_dir(name), egress_mode)
    with Ticker(echo, "making the lab network 172.18.0.0/16 and its registry", interval=15):
        cp_pid = _start_cp_netns(name)
    kwok.start_control_plane(name, docs, echo)
    kubeconfig, ctx = str(paths.kubeconfig_path()), kwok.context_name(name)
    _start_control_plane_programs(name)
    from ..health import apply_objects

    # the simulated node with its status; the workers' status is their kubelets' to write
    apply_objects(kubeconfig, ctx, node_objects(name, names[1:]) + [kwok.STORAGE_CLASS])
    kwok._start_provisioner(name)
    with Ticker(echo, f"starting {workers} real nodes (containerd, kubelet, kube-proxy) "
                      f"and CoreDNS", interval=15):
        _start_nodes(name, cp_pid)
        apply_objects(kubeconfig, ctx, addons.coredns_objects(upstream=egress_mode.upstream_dns))
        _wait_healthy(name, workers + 1)
    echo(f"real nodes ready in {fmt_duration(time.monotonic() - started)}")


def processes(name: str) -> dict[str, int | None]:
    out = dict(kwok.processes(name))
    out.update({f"control-plane/{p}": pid for p, pid in cp_processes(name).items()})
    if egress_of(name).on:
        out["control-plane/slirp4netns"] = egress.running(cp_dir(name))
    if layout(name):
        for spec in node_specs(name):
            out.update({f"{spec.name}/{p}": pid for p, pid in node.processes(spec).items()})
    return out


def status(name: str) -> ClusterStatus:
    st = kwok.status(name)
    st.engine = "local"
    if st.state == "absent":
        return st
    st.processes = processes(name)
    st.egress = egress.describe(egress_of(name))
    if st.state == "stopped" or not any(st.processes.values()):
        st.state = "stopped"
        st.problem = "no process is running (the machine restarted, or they were killed)"
        return st
    dead = [c for c, pid in st.processes.items() if not pid]
    if dead:
        st.state = "broken"
        st.problem = "not running: " + ", ".join(dead)
        return st
    st.images = ("local image set only (k8slab images), registry 172.18.0.2:5000"
                 if layout(name).get("pull", "local") == "local" else
                 "local image set first, then the public registries (--pull upstream)")
    if st.state == "running":
        ok, why = addons.coredns_ready(st.kubeconfig, st.context)
        if not ok:
            st.state = "starting"
            st.problem = why
    return st


def restart(name: str, echo: Callable[[str], None] = print) -> bool:
    """Start what died (control plane, namespaces, node programs), keeping objects and pods."""
    if not layout(name):
        return False
    with Ticker(echo, f"restarting the stopped parts of cluster {name}", interval=15):
        if not all(kwok.processes(name).values()):
            proc = kwok._start_stopped(name)
            if proc.returncode != 0:
                return False
            if not kwok.processes(name).get("k8slab-provisioner"):
                kwok._start_provisioner(name)
        try:
            cp_pid = _start_control_plane_programs(name)
            fresh = _start_nodes(name, cp_pid)
            _wait_healthy(name, len(node_specs(name)) + 1, timeout=120, since=fresh)
            addons.set_upstream(str(paths.kubeconfig_path()), kwok.context_name(name),
                                egress_of(name).upstream_dns)
            return True
        except EngineError as exc:
            echo(f"restart failed: {exc}")
            return False


def delete(name: str, echo: Callable[[str], None] = print) -> bool:
    """Stop every process, namespace and cgroup of the cluster and remove its state."""
    if not root(name).exists() and not kwok.exists(name):
        return False
    problems: list[str] = []
    with Ticker(echo, f"deleting cluster {name}", interval=15):
        if layout(name):
            for spec in node_specs(name):
                problems += node.stop(spec)
        egress.kill_recorded(cp_dir(name))  # it runs in the control plane's cgroup too
        problems += cgroups.destroy(CP_CGROUP)
        network.teardown()
        kwok._cleanup(name)
        cgroups.remove_top_if_empty()
        shutil.rmtree(root(name), ignore_errors=True)
    if problems:
        raise EngineError("cluster removed, but: " + "; ".join(problems))
    return True


def record_egress(name: str, eg: egress.Egress) -> None:
    """Record the egress the next start of cluster ``name`` sets up."""
    egress.save(cp_dir(name), eg)


def set_egress(name: str, eg: egress.Egress) -> bool:
    """Switch egress of the running cluster ``name`` in place; True when anything changed."""
    cp_pid = cp_processes(name)["netns"]
    if not cp_pid:
        raise EngineError(f"cluster {name}'s control-plane namespace is not running; run: k8slab up")
    if eg.on and not egress.installed():
        raise EngineError(f"egress needs slirp4netns, which is not installed; run: {egress.APT_FIX}")
    egress.save(cp_dir(name), eg)
    try:
        changed = egress.ensure(cp_dir(name), cp_pid, eg, CP_CGROUP)
    except EngineError:
        # half on is worse than off: nothing forwards, and off is what is recorded
        egress.save(cp_dir(name), egress.OFF)
        egress.stop(cp_dir(name), cp_pid)
        raise
    kubeconfig, ctx = str(paths.kubeconfig_path()), kwok.context_name(name)
    if addons.set_upstream(kubeconfig, ctx, eg.upstream_dns):
        changed = True
        deadline = time.monotonic() + 120
        while True:  # so that the next name lookup meets the new configuration
            done, why = addons.coredns_rolled_out(kubeconfig, ctx)
            if done:
                break
            if time.monotonic() > deadline:
                raise EngineError(f"{why} after 120s; see: k8slab status")
            time.sleep(0.5)
    return changed


def stop_program(name: str, program: str) -> None:
    """Kill one program, e.g. ``k8slab-worker/kubelet`` or ``control-plane/registry`` (fault tests)."""
    pid = processes(name).get(program)
    if not pid:
        raise EngineError(f"{program} is not running")
    kill(pid, timeout=5)
