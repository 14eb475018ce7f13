"""``k8slab up``/``down`` on a second, throwaway local-engine cluster.

It runs beside the shared lab cluster (its own name, ports and context) so the
other tests keep theirs.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


_ENV: dict[str, str] = {}


def _k8slab(*args, timeout=600):
    env = dict(os.environ, **_ENV)
    return subprocess.run([sys.executable, "-m", "k8slab", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def throwaway(cluster, tmp_path):
    """A cluster name and kubeconfig of its own (the lab's current context is left alone);
    removed whatever the test does."""
    name = f"t{secrets.token_hex(3)}"
    _ENV["K8SLAB_KUBECONFIG"] = str(tmp_path / "kubeconfig")
    try:
        yield name
    finally:
        _k8slab("down", "--name", name)
        _ENV.clear()


def test_up_twice_is_one_cluster_and_down_leaves_nothing(throwaway):
    from k8slab.engine import kwok

    first = _k8slab("up", "--engine", "kwok", "--name", throwaway, "--workers", "1")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "is up" in first.stdout
    pids = {c: p for c, p in kwok.processes(throwaway).items() if p}
    assert set(pids) == set(kwok.COMPONENTS) | {"k8slab-provisioner"}

    second = _k8slab("up", "--engine", "kwok", "--name", throwaway, "--workers", "1")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "already running" in second.stdout
    assert {c: p for c, p in kwok.processes(throwaway).items() if p} == pids

    st = _k8slab("status", "--name", throwaway)
    assert st.returncode == 0 and "running" in st.stdout
    server = next(line.split()[-1] for line in st.stdout.splitlines() if "server:" in line)
    port = urlparse(server).port
    assert urlparse(server).hostname == "127.0.0.1"
    assert _listening(port)

    down = _k8slab("down", "--name", throwaway)
    assert down.returncode == 0, down.stderr
    assert not _listening(port)
    for comp, pid in pids.items():
        assert not os.path.exists(f"/proc/{pid}") or \
            open(f"/proc/{pid}/stat").read().split(") ", 1)[1][:1] == "Z", comp
    assert not kwok.exists(throwaway)
    st = _k8slab("status", "--name", throwaway)
    assert st.returncode == 1 and "absent" in st.stdout


def test_every_component_binds_loopback(cluster):
    """No control-plane port of the lab cluster listens beyond 127.0.0.1."""
    from k8slab.engine import kwok

    pids = {p for p in kwok.processes("k8slab").values() if p}
    inodes = set()
    for pid in pids:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    exposed = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                cols = line.split()
                local, state, inode = cols[1], cols[3], cols[9]
                if state != "0A" or inode not in inodes:  # 0A = LISTEN
                    continue
                addr = local.split(":")[0]
                if addr not in ("0100007F", "00000000000000000000000001000000"):
                    exposed.append(local)
    assert pids and not exposed, exposed


def test_stopped_cluster_is_named_with_its_fix(throwaway):
    from k8slab.engine import kwok

    up = _k8slab("up", "--engine", "kwok", "--name", throwaway, "--workers", "0")
    assert up.returncode == 0, up.stdout + up.stderr
    for pid in kwok.processes(throwaway).values():
        if pid:
            kwok._kill_pid(pid)
    st = _k8slab("status", "--name", throwaway)
    assert st.returncode == 1
    assert "stopped" in st.stdout and f"k8slab down --name {throwaway}" in st.stdout
    doc = _k8slab("doctor", "--name", throwaway)
    assert "stopped" in doc.stdout and "fix:" in doc.stdout
    again = _k8slab("up", "--engine", "kwok", "--name", throwaway, "--workers", "0")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "restarting the stopped processes" in again.stdout, again.stdout
    assert "is up again with its objects" in again.stdout
    assert all(kwok.processes(throwaway).values())


def test_restarted_cluster_runs_new_pods_at_once(throwaway, tmp_path):
    """After a restart the new kwok-controller must manage the nodes straight away; the
    previous process' node leases (valid 200 s) once left every new pod Pending."""
    from kubernetes import client, config

    from k8slab.engine import kwok
    from kube_wait import wait_for

    assert _k8slab("up", "--engine", "kwok", "--name", throwaway, "--workers", "0").returncode == 0
    for pid in kwok.processes(throwaway).values():
        if pid:
            kwok._kill_pid(pid)
    again = _k8slab("up", "--engine", "kwok", "--name", throwaway, "--workers", "0")
    assert again.returncode == 0, again.stdout + again.stderr

    api = config.new_client_from_config(config_file=str(tmp_path / "kubeconfig"),
                                        context=kwok.context_name(throwaway))
    core = client.CoreV1Api(api)
    core.create_namespaced_pod("default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "after-restart"},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}],
                 "tolerations": [{"operator": "Exists"}]}})

    def ready(items):
        conds = {c.type: c.status for c in (items[0].status.conditions or [])} if items else {}
        return conds.get("Ready") == "True"

    # far below the old lease's 200 s: the pod is Ready once KWOK manages the node
    wait_for(core.list_namespaced_pod, ready, timeout=30, namespace="default",
             field_selector="metadata.name=after-restart")
    api.close()


def test_a_dying_api_server_is_not_called_running_and_one_up_recovers(throwaway):
    """SIGTERM makes kube-apiserver close its port and drain for a while before it exits:
    status must not list it as running, and the first ``up`` must not wait on it in vain
    (it once failed after 120 s; a second ``up`` then worked)."""
    import signal

    from k8slab.engine import kwok

    assert _k8slab("up", "--engine", "kwok", "--name", throwaway, "--workers", "0").returncode == 0
    pid = kwok.processes(throwaway)["kube-apiserver"]
    os.kill(pid, signal.SIGTERM)  # no waiting for it to exit
    st = _k8slab("status", "--name", throwaway)
    assert st.returncode == 1 and "kube-apiserver" in st.stdout and "NOT RUNNING" in st.stdout, st.stdout
    again = _k8slab("up", "--name", throwaway, timeout=90)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "is up again with its objects" in again.stdout
    assert kwok.processes(throwaway)["kube-apiserver"] not in (None, pid)
