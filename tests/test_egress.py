"""Egress switched in place on the running real-node cluster, without a packet leaving the machine.

The tests use egress's ``host`` mode: the very path ``k8slab up --egress`` opens
(forwarding and MASQUERADE inside the control-plane namespace, its tap device,
slirp4netns turning the pod's connection into a socket on the host), but
slirp4netns binds every outbound socket to 127.0.0.1, from which the kernel routes
nowhere off the machine, and the namespace's firewall lets through only the one
port of the test's own HTTP server on the host's 127.0.0.1. Internet egress
itself is never switched on here. Egress is on for a second or two and always
switched off again, even when an assertion fails.
"""

from __future__ import annotations

import http.server
import subprocess
import threading
import time

import pytest

import k8slab
from k8slab.engine import cluster
from k8slab.engine.local import egress, netns
from k8slab.engine.local import engine as local_engine
from k8slab.engine.procs import alive

from _k8s_objects import require_real_nodes
from host_state import snapshot

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

NAME = "k8slab"
MARKER = "reached the host through the lab's NAT"
# what egress could change on the host if it were done wrong (the rest of the snapshot is
# other tests' business while they share the cluster)
WATCHED = ("links", "addresses", "routes", "iptables", "ip6tables", "mounts", "sysctl", "exists /run")


@pytest.fixture(scope="module", autouse=True)
def real_nodes(cluster):
    require_real_nodes()
    if not egress.installed():
        pytest.skip(f"slirp4netns is not installed ({egress.APT_FIX})")
    if local_engine.egress_of(NAME).on:
        pytest.skip("egress is already on for the lab cluster: these tests need it off to start with")


class _Server(http.server.ThreadingHTTPServer):
    clients: list[str]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.clients.append(self.client_address[0])
        body = MARKER.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    """An HTTP server on the host's 127.0.0.1 only, recording who connected."""
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.clients = []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def client(cluster):
    """A busybox pod on a real node, in a namespace of its own."""
    from kubernetes import client as kc

    core = kc.CoreV1Api(cluster)
    ns = f"k8slab-test-egress-{int(time.time()) % 100000}"
    core.create_namespace({"metadata": {"name": ns, "labels": {"k8slab.dev/test": "true"}}})
    try:
        k8slab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: "busybox:1.36", command: [sleep, "3600"]}
""", namespace=ns)
        k8slab.wait("pod/client", for_="condition=Ready", namespace=ns, timeout=120)
        yield ns
    finally:
        core.delete_namespace(ns, propagation_policy="Background")


def _fetch(ns: str, port: int, timeout: int = 2) -> tuple[bool, str, float]:
    started = time.monotonic()
    res = k8slab.exec("client", ["wget", "-q", "-T", str(timeout), "-O", "-",
                                 f"http://{egress.GATEWAY}:{port}/"], namespace=ns, check=False)
    return res.returncode == 0 and MARKER in res.stdout, str(res), time.monotonic() - started


def _watched(snap: dict) -> dict:
    return {k: v for k, v in snap.items() if k.startswith(WATCHED)}


def _wildcard_listeners() -> set[str]:
    out = subprocess.run(["ss", "-H", "-l", "-n", "-t", "-u"], capture_output=True, text=True).stdout
    return {line.split()[4] for line in out.splitlines()
            if len(line.split()) > 4 and line.split()[4].startswith(("0.0.0.0:", "[::]:", "*:"))}


def _cp_sysctl(key: str) -> str:
    cp_pid = local_engine.cp_processes(NAME)["netns"]
    return netns.run(cp_pid, ["cat", f"/proc/sys/{key}"], "read", mount=False, uts=False).strip()


def _corefile() -> str:
    from k8slab.engine import health, paths

    cm = health.get_json(str(paths.kubeconfig_path()), local_engine.kwok.context_name(NAME),
                         "/api/v1/namespaces/kube-system/configmaps/coredns")
    return cm["data"]["Corefile"]


def test_without_egress_a_pod_cannot_reach_the_host_loopback(client, server):
    reached, text, took = _fetch(client, server.server_address[1])
    assert not reached and took < 10, text
    assert server.clients == []
    assert _cp_sysctl("net/ipv4/ip_forward") == "0"


def test_egress_in_place_reaches_the_host_through_nat_and_leaves_it_untouched(client, server):
    port = server.server_address[1]
    before, listeners = snapshot(), _wildcard_listeners()
    try:
        started = time.monotonic()
        cluster.set_egress(NAME, "host", (port,), echo=lambda _l: None)
        switch_on = time.monotonic() - started
        slirp = egress.running(local_engine.cp_dir(NAME))
        assert slirp, "slirp4netns is not running"
        st = cluster.status(NAME)
        assert st.healthy and st.processes["control-plane/slirp4netns"] == slirp
        assert st.egress.startswith("host only via slirp4netns") and f"port {port}" in st.egress
        assert _cp_sysctl("net/ipv4/ip_forward") == "1"  # in the lab's namespace ...
        assert "forward" not in _corefile()  # host mode: no upstream resolver

        reached, text, _ = _fetch(client, port)
        assert reached, text
        # the host saw slirp4netns's own socket, not the pod or a lab address: the NAT path
        assert server.clients == ["127.0.0.1"]
        # every other host port stays closed, at once
        reached, text, took = _fetch(client, 1)
        assert not reached and took < 5 and "refused" in text, text
        assert _wildcard_listeners() <= listeners  # slirp4netns listens nowhere
        during = snapshot()
    finally:
        started = time.monotonic()
        cluster.set_egress(NAME, "off", echo=lambda _l: None)
        switch_off = time.monotonic() - started
    print(f"egress on in {switch_on:.2f}s, off in {switch_off:.2f}s")
    assert _watched(during) == _watched(before)  # ... and never on the host
    assert _watched(snapshot()) == _watched(before)
    assert egress.running(local_engine.cp_dir(NAME)) is None and slirp and not alive(slirp)
    assert not local_engine.egress_of(NAME).on and _cp_sysctl("net/ipv4/ip_forward") == "0"
    assert cluster.status(NAME).egress == "off (pods reach only the lab)"
    reached, text, _ = _fetch(client, port)
    assert not reached, text
    assert server.clients == ["127.0.0.1"]


def test_without_egress_coredns_answers_cluster_names_only(cluster):
    assert "forward" not in _corefile()


def test_a_dead_slirp4netns_is_named_and_one_up_brings_it_back(client, server):
    port = server.server_address[1]
    try:
        cluster.set_egress(NAME, "host", (port,), echo=lambda _l: None)
        slirp = egress.running(local_engine.cp_dir(NAME))
        local_engine.stop_program(NAME, "control-plane/slirp4netns")
        st = cluster.status(NAME)
        assert st.state == "broken" and "control-plane/slirp4netns" in st.problem
        assert not _fetch(client, port)[0]
        st = cluster.up(NAME, echo=lambda _l: None)  # a plain up: keeps the recorded egress
        again = egress.running(local_engine.cp_dir(NAME))
        assert st.healthy and again and again != slirp
        reached, text, _ = _fetch(client, port)
        assert reached, text
    finally:
        cluster.set_egress(NAME, "off", echo=lambda _l: None)
    assert egress.running(local_engine.cp_dir(NAME)) is None
