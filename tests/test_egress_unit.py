"""Opt-in egress of the real-node engine, read without a cluster: its configuration and records."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from k8slab.engine import cluster, doctor, health
from k8slab.engine.local import addons, egress
from k8slab.engine.local import engine as local_engine
from k8slab.engine.model import ClusterStatus
from k8slab.errors import EngineError, UsageError

INTERNET = egress.Egress("internet")
HOST = egress.Egress("host", (8080,))


def test_corefile_forwards_only_with_egress_on():
    assert "forward" not in addons.corefile()
    assert "forward" not in addons.corefile(HOST.upstream_dns)
    assert "    forward . 10.0.2.3\n" in addons.corefile(INTERNET.upstream_dns)
    cms = {str(up): next(o for o in addons.coredns_objects(upstream=up) if o["kind"] == "ConfigMap")
           for up in (None, "10.0.2.3")}
    assert "forward" not in cms["None"]["data"]["Corefile"]
    assert "forward . 10.0.2.3" in cms["10.0.2.3"]["data"]["Corefile"]


def test_slirp_opens_no_listener_and_keeps_host_loopback_closed_for_the_internet():
    argv = egress.slirp_argv(4242, INTERNET)
    assert argv[0] == "slirp4netns" and argv[-2:] == ["4242", "tap0"]
    assert "--disable-host-loopback" in argv and "--enable-sandbox" in argv
    assert not any(a.startswith(("--api-socket", "-a")) for a in argv)  # nothing can add port forwards
    host = egress.slirp_argv(4242, HOST)
    # host mode: loopback reachable, but every outbound socket bound to 127.0.0.1 (kernel: local only)
    assert "--outbound-addr=127.0.0.1" in host and "--disable-dns" in host
    assert "--disable-host-loopback" not in host


def test_rules_forward_only_inside_the_namespace_and_only_when_on():
    off = egress.rules_script(egress.OFF)
    assert "echo 0 > /proc/sys/net/ipv4/ip_forward" in off
    assert "MASQUERADE" not in off and "echo 1" not in off
    on = egress.rules_script(INTERNET).splitlines()
    assert on[-1] == "echo 1 > /proc/sys/net/ipv4/ip_forward"  # after the filter is in place
    assert "iptables -t nat -A K8SLAB-EGRESS -o tap0 -s 172.18.0.0/16 -j MASQUERADE" in on
    assert "iptables -t nat -A K8SLAB-EGRESS -o tap0 -s 10.244.0.0/16 -j MASQUERADE" in on
    for lab in ("10.244.0.0/16", "10.96.0.0/16", "172.18.0.0/16"):
        assert f"iptables -A K8SLAB-EGRESS -o tap0 -d {lab} -j REJECT" in on
    host = egress.rules_script(HOST).splitlines()
    accept = host.index("iptables -A K8SLAB-EGRESS -o tap0 -d 10.0.2.2/32 -p tcp --dport 8080 -j ACCEPT")
    assert host[accept + 1] == "iptables -A K8SLAB-EGRESS -o tap0 -j REJECT"


def test_rules_are_applied_in_the_control_plane_namespace_never_on_the_host(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(egress.netns, "run", lambda pid, args, what, **ns: calls.append((pid, args)))
    egress._apply_rules(tmp_path, 777, INTERNET)
    egress.stop(tmp_path, 777)
    assert [pid for pid, _ in calls] == [777, 777]
    assert all(f"XTABLES_LOCKFILE={tmp_path}/xtables.lock" in args[-1] for _, args in calls)


def test_record_round_trip_and_bad_records(tmp_path):
    assert egress.load(tmp_path) == egress.OFF  # nothing recorded: off
    egress.save(tmp_path, HOST)
    assert egress.load(tmp_path) == HOST
    (tmp_path / "egress.json").write_text('{"mode": "everything"}')
    assert egress.load(tmp_path) == egress.OFF
    with pytest.raises(EngineError, match="host ports"):
        egress.Egress("host")


def _fake_slirp() -> subprocess.Popen:
    """A harmless process whose argv[0] reads slirp4netns, as the real one's does."""
    return subprocess.Popen(["slirp4netns", "60"], executable=shutil.which("sleep"))


def test_process_records_show_slirp_and_ignore_a_recycled_pid(tmp_path):
    proc = _fake_slirp()
    other = subprocess.Popen(["sleep", "60"])
    try:
        egress.pidfile(tmp_path).parent.mkdir(parents=True)
        egress.pidfile(tmp_path).write_text(str(other.pid))
        assert egress.running(tmp_path) is None  # alive, but not a slirp4netns
        egress.pidfile(tmp_path).write_text(str(proc.pid))
        assert egress.running(tmp_path) == proc.pid
    finally:
        for p in (proc, other):
            p.kill()
            p.wait()
    assert egress.running(tmp_path) is None


def test_down_ends_slirp4netns(monkeypatch, tmp_path):
    """``delete`` kills the recorded slirp4netns (on top of removing the control plane's cgroup)."""
    name = "egress-unit"
    monkeypatch.setattr(local_engine, "root", lambda n: tmp_path / n)
    destroyed = []
    monkeypatch.setattr(local_engine.cgroups, "destroy", lambda rel: destroyed.append(rel) or [])
    monkeypatch.setattr(local_engine.cgroups, "remove_top_if_empty", lambda: None)
    monkeypatch.setattr(local_engine.network, "teardown", lambda: None)
    monkeypatch.setattr(local_engine.kwok, "_cleanup", lambda n: None)
    cp = local_engine.cp_dir(name)
    egress.save(cp, INTERNET)
    proc = _fake_slirp()
    try:
        egress.pidfile(cp).parent.mkdir(parents=True)
        egress.pidfile(cp).write_text(str(proc.pid))
        assert local_engine.egress_of(name).on and egress.running(cp) == proc.pid
        assert local_engine.delete(name, echo=lambda _l: None)
        assert proc.wait(timeout=5) is not None  # ended by delete, not by this test
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert destroyed == [local_engine.CP_CGROUP] and not (tmp_path / name).exists()


def test_status_lists_slirp_only_when_egress_is_on(monkeypatch, tmp_path):
    name = "egress-unit"
    monkeypatch.setattr(local_engine, "root", lambda n: tmp_path / n)
    monkeypatch.setattr(local_engine.kwok, "processes", lambda n: {})
    monkeypatch.setattr(local_engine, "cp_processes", lambda n: {"netns": 1})
    assert "control-plane/slirp4netns" not in local_engine.processes(name)
    egress.save(local_engine.cp_dir(name), INTERNET)
    assert local_engine.processes(name)["control-plane/slirp4netns"] is None  # asked for, not running


def test_status_lines_say_what_pods_reach():
    st = ClusterStatus(name="k8slab", engine="local", context="c", kubeconfig="k", state="running",
                       egress=egress.describe(egress.OFF))
    assert "  egress:     off (pods reach only the lab)" in st.lines()
    on = egress.describe(INTERNET)
    assert on.startswith("on via slirp4netns (NAT in the lab's own namespace; upstream DNS 10.0.2.3")
    assert "port 8080" in egress.describe(HOST) and "nothing beyond" in egress.describe(HOST)


def test_resolvers_are_read_from_resolv_conf(tmp_path):
    conf = tmp_path / "resolv.conf"
    conf.write_text("# comment\nnameserver 192.0.2.53\nsearch lab\nnameserver 198.51.100.1\n")
    assert egress.host_resolvers(str(conf)) == ["192.0.2.53", "198.51.100.1"]
    assert egress.host_resolvers(str(tmp_path / "none")) == []


def test_egress_flags_on_other_engines():
    said = []
    with pytest.raises(UsageError, match="kwok engine"):
        cluster._check_egress("kwok", True, said.append)
    cluster._check_egress("kind", True, said.append)
    assert "by default" in said[0]
    with pytest.raises(UsageError, match="--engine local"):
        cluster._check_egress("kind", False, said.append)
    cluster._check_egress("kwok", None, said.append)  # not asked: nothing to say
    assert len(said) == 1


class _FakeLocal:
    """The local engine module as ``cluster._up`` sees it, on a running cluster."""

    def __init__(self, recorded):
        self.recorded = recorded
        self.switched = []

    def status(self, name):
        return ClusterStatus(name=name, engine="local", context="c", kubeconfig="k", state="running",
                             nodes={"a": True, "b": True, "c": True})

    def egress_of(self, name):
        return self.recorded

    def set_egress(self, name, eg):
        self.switched.append(eg)
        self.recorded = eg


@pytest.mark.parametrize("asked, recorded, switched", [
    (None, egress.OFF, []), (None, INTERNET, []),  # a plain up keeps what is recorded
    (True, egress.OFF, [INTERNET]), (False, INTERNET, [egress.OFF]), (True, INTERNET, []),
])
def test_up_switches_egress_in_place_only_when_asked(monkeypatch, asked, recorded, switched):
    fake = _FakeLocal(recorded)
    monkeypatch.setattr(cluster, "recorded_engine", lambda n: "local")
    monkeypatch.setattr(cluster, "_module", lambda e: fake)
    import k8slab.engine.local as local_pkg

    monkeypatch.setattr(local_pkg, "set_egress", fake.set_egress)
    said = []
    st = cluster._up("k8slab", "auto", 2, said.append, egress=asked)
    assert st.healthy and fake.switched == switched
    assert any("in place" in line for line in said) == bool(switched)


class _FakeApi:
    def __init__(self, corefile):
        self.corefile = corefile
        self.calls = []

    def close(self):
        pass


def _fake_rest(api, method, path, body=None, **kw):
    api.calls.append((method, path, body))
    if method == "GET":
        return {"data": {"Corefile": api.corefile}}
    return {}


@pytest.mark.parametrize("have, upstream, changed", [
    (addons.corefile(), None, False), (addons.corefile(), "10.0.2.3", True),
    (addons.corefile("10.0.2.3"), "10.0.2.3", False), (addons.corefile("10.0.2.3"), None, True),
])
def test_coredns_upstream_is_switched_in_place(monkeypatch, have, upstream, changed):
    api = _FakeApi(have)
    monkeypatch.setattr(health, "_api", lambda kc, ctx: api)
    monkeypatch.setattr(health, "_rest", _fake_rest)
    assert addons.set_upstream("kc", "ctx", upstream) is changed
    patches = [(p, b) for m, p, b in api.calls if m == "PATCH"]
    if not changed:
        assert patches == []
        return
    (cm_path, cm), (dep_path, dep) = patches
    assert cm_path.endswith("/configmaps/coredns") and cm["data"]["Corefile"] == addons.corefile(upstream)
    assert dep_path.endswith("/deployments/coredns")
    assert "kubectl.kubernetes.io/restartedAt" in dep["spec"]["template"]["metadata"]["annotations"]


@pytest.mark.parametrize("status, done", [
    ({"observedGeneration": 3, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}, True),
    ({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}, False),
    ({"observedGeneration": 3, "replicas": 3, "updatedReplicas": 2, "availableReplicas": 2}, False),
    ({"observedGeneration": 3, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 1}, False),
])
def test_coredns_rollout_is_done_when_every_pod_runs_the_new_template(monkeypatch, status, done):
    dep = {"metadata": {"generation": 3}, "spec": {"replicas": 2}, "status": status}
    monkeypatch.setattr(health, "get_json", lambda kc, ctx, path: dep)
    assert addons.coredns_rolled_out("kc", "ctx")[0] is done


def test_doctor_asks_for_slirp4netns_only_when_egress_is_asked(monkeypatch):
    monkeypatch.setattr(egress, "installed", lambda: False)
    monkeypatch.setattr(local_engine, "egress_of", lambda n: INTERNET)
    [check] = doctor._check_egress("k8slab", "local")
    assert not check.ok and check.required and "apt-get install -y slirp4netns" in check.fix
    monkeypatch.setattr(local_engine, "egress_of", lambda n: egress.OFF)
    [check] = doctor._check_egress("k8slab", "local")
    assert check.ok and "not installed" in check.detail
    [check] = doctor._check_egress("k8slab", "kind")
    assert check.ok and "Docker's NAT" in check.detail
    assert doctor._check_egress("k8slab", "kwok") == []


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")
def test_kernel_refuses_routes_off_the_machine_from_loopback():
    """Why host mode cannot leave the machine: a route lookup only, no packet is sent."""
    off = subprocess.run(["ip", "route", "get", "192.0.2.1", "from", "127.0.0.1"],
                         capture_output=True, text=True)
    assert off.returncode != 0 and "Invalid argument" in off.stderr
    local = subprocess.run(["ip", "route", "get", "127.0.0.1", "from", "127.0.0.1"],
                           capture_output=True, text=True)
    assert local.returncode == 0 and local.stdout.startswith("local ")
