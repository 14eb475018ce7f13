"""The engine's pure parts: pins, generated modules, kind commands, node objects, stages."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from k8slab.engine import cluster, gobuild, kind, kwok, paths, provisioner, stages, versions
from k8slab.errors import BuildError, EngineError, UsageError


def test_staging_version_matches_kubernetes():
    assert versions.staging_version("v1.37.2") == "v0.37.2"
    assert versions.staging_version(versions.KUBERNETES).startswith("v0.")


def test_cache_and_state_live_outside_the_repo(monkeypatch, tmp_path):
    monkeypatch.delenv("K8SLAB_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "s"))
    monkeypatch.delenv("K8SLAB_STATE_DIR", raising=False)
    monkeypatch.delenv("K8SLAB_KUBECONFIG", raising=False)
    assert paths.cache_dir() == tmp_path / "c" / "k8slab"
    assert paths.kubeconfig_path() == tmp_path / "s" / "k8slab" / "kubeconfig"
    assert paths.bin_dir("kubernetes", "v1.37.2").name == "kubernetes-v1.37.2"


def test_every_binary_is_pinned_once():
    comps = gobuild.components()
    names = [n for c in comps for n in c.packages]
    assert len(names) == len(set(names))
    assert sorted(gobuild.binaries_for("kwok")) == sorted(["etcd", "kwok", "kwokctl", "kube-apiserver",
                                                          "kube-controller-manager", "kube-scheduler",
                                                          "kubectl"])
    assert set(gobuild.binaries_for("local")) | set(gobuild.binaries_for_addon("ingress")) == set(names)
    k8s = gobuild.component("kubernetes")
    assert k8s.version == versions.KUBERNETES
    assert f"-X k8s.io/component-base/version.gitVersion={versions.KUBERNETES}" in k8s.ldflags


def test_corrupted_binary_is_detected(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_CACHE_DIR", str(tmp_path))
    comp = gobuild.component("etcd")
    comp.bin_dir.mkdir(parents=True)
    path = comp.binary("etcd")
    assert gobuild.cached_problem(comp, "etcd") == "missing"
    path.write_bytes(b"#!/bin/sh\necho etcd\n")
    path.chmod(0o755)
    (comp.bin_dir / gobuild.STAMP).write_text('{"etcd": %s}' % json.dumps(gobuild._record(path)))
    assert gobuild.cached_problem(comp, "etcd") is None
    assert gobuild.cached_problem(comp, "etcd", thorough=False) is None
    path.write_bytes(b"#!/bin/sh\necho truncated")
    assert "corrupted" in gobuild.cached_problem(comp, "etcd")
    assert "corrupted" in gobuild.cached_problem(comp, "etcd", thorough=False)


def test_missing_go_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BuildError, match="Go is not installed"):
        gobuild.check_go()


def test_old_go_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(gobuild, "go_version", lambda: (1, 21, 0))
    with pytest.raises(BuildError, match=r"Go 1\.21\.0 is too old.*GOTOOLCHAIN"):
        gobuild.check_go()


def test_failed_build_reports_go_output(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_CACHE_DIR", str(tmp_path))
    bad = gobuild.Component("bogus", "example.invalid/nothing", "v0.0.1", {"bogus": "example.invalid/nothing"})
    monkeypatch.setattr(gobuild, "components", lambda: [bad, gobuild.Component(
        "kwok", "sigs.k8s.io/kwok", versions.KWOK, {})])
    (tmp_path / "bin" / f"kwok-{versions.KWOK}" / "stages" / "pod").mkdir(parents=True)
    monkeypatch.setenv("GOPROXY", "off")
    with pytest.raises(BuildError, match="building bogus v0.0.1 failed") as err:
        gobuild.build(echo=lambda _line: None)
    assert "k8slab build" in str(err.value)
    assert not list((tmp_path / "bin" / "bogus-v0.0.1").glob("bogus"))


def test_kind_commands_use_our_kubeconfig():
    cmd = kind.create_command("k8slab", "/tmp/c.yaml", "/state/kubeconfig")
    assert cmd[:3] == ["kind", "create", "cluster"]
    assert cmd[cmd.index("--name") + 1] == "k8slab"
    assert cmd[cmd.index("--kubeconfig") + 1] == "/state/kubeconfig"
    assert kind.delete_command("x", "/k")[:3] == ["kind", "delete", "cluster"]


def test_kind_config_maps_ingress_ports_and_workers():
    conf = yaml.safe_load(kind.config_for(2))
    roles = [n["role"] for n in conf["nodes"]]
    assert roles == ["control-plane", "worker", "worker"]
    ports = {m["containerPort"] for m in conf["nodes"][0]["extraPortMappings"]}
    assert ports == {80, 443}
    assert "ingress-ready=true" in conf["nodes"][0]["kubeadmConfigPatches"][0]
    assert len(yaml.safe_load(kind.config_for(0))["nodes"]) == 1


def test_auto_picks_kind_only_when_docker_and_kind_answer(monkeypatch):
    from k8slab.engine import local

    monkeypatch.setattr(kind, "usable", lambda: (False, "no Docker daemon answers"))
    monkeypatch.setattr(local, "usable", lambda: (False, "not root"))
    said = []
    assert cluster.pick_engine("auto", said.append) == "kwok"
    assert said == ["engine: kwok (simulated nodes; real nodes cannot run here: not root)"]
    monkeypatch.setattr(local, "usable", lambda: (True, "ok"))
    assert cluster.pick_engine("auto") == "local"
    monkeypatch.setattr(kind, "usable", lambda: (True, "ok"))
    assert cluster.pick_engine("auto") == "kind"
    assert cluster.pick_engine("kwok") == "kwok"
    with pytest.raises(UsageError, match="unknown engine"):
        cluster.pick_engine("docker")


def test_engine_kind_without_docker_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(kind, "docker_available", lambda: (False, "no Docker daemon answers"))
    with pytest.raises(EngineError, match="needs Docker and kind.*--engine kwok"):
        kind.require()


def test_cli_kind_without_docker_exits_1_without_traceback(tmp_path):
    env = dict(os.environ, K8SLAB_STATE_DIR=str(tmp_path), PATH="/usr/bin:/bin")
    proc = subprocess.run([sys.executable, "-m", "k8slab", "up", "--engine", "kind", "--name", "x"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "kind engine needs Docker" in proc.stderr


def test_bad_names_and_worker_counts_are_usage_errors():
    with pytest.raises(UsageError, match="invalid cluster name"):
        cluster.up(name="Bad_Name")
    with pytest.raises(UsageError, match="--workers"):
        cluster.up(workers=-1)


def test_nodes_are_named_as_kind_names_them():
    nodes = kwok.node_objects("k8slab", 2)
    assert [n["metadata"]["name"] for n in nodes] == [
        "k8slab-control-plane", "k8slab-worker", "k8slab-worker2"]
    assert nodes[0]["spec"]["taints"][0]["effect"] == "NoSchedule"
    assert "taints" not in kwok.node_objects("solo", 0)[0]["spec"]
    cidrs = [n["spec"]["podCIDR"] for n in nodes]
    assert len(set(cidrs)) == 3


def test_kwokctl_config_binds_loopback_and_keeps_default_stages():
    if gobuild.missing():
        pytest.skip("engine binaries not built yet (k8slab build)")
    docs = kwok.kwokctl_config()
    assert docs[0]["options"]["bindAddress"] == "127.0.0.1"
    names = {d["metadata"]["name"] for d in docs[1:]}
    assert {"node-initialize", "node-heartbeat-with-lease", "pod-ready", "pod-complete",
            "pod-delete", "k8slab-pod-crash-start", "k8slab-pod-crash-backoff",
            "k8slab-pod-crash-restart"} <= names
    ready = next(d for d in docs if d.get("metadata", {}).get("name") == "pod-ready")
    assert ready["spec"]["selector"]["matchExpressions"][-1]["key"] == stages.CRASH_QUERY
    assert all("K8SLAB_CRASHES" not in yaml.safe_dump(d) for d in docs)


def test_provisioner_waits_for_first_consumer_and_pins_node():
    sc = {"metadata": {"name": "standard"}, "provisioner": provisioner.PROVISIONER,
          "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"}
    pvc = {"metadata": {"name": "data", "namespace": "ns", "uid": "u1", "annotations": {}},
           "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                    "storageClassName": "standard"},
           "status": {"phase": "Pending"}}
    assert provisioner.wants_volume(pvc, sc) == (False, None)
    pvc["metadata"]["annotations"][provisioner.SELECTED_NODE] = "k8slab-worker"
    assert provisioner.wants_volume(pvc, sc) == (True, "k8slab-worker")
    pv = provisioner.volume_for(pvc, sc, "k8slab-worker")
    assert pv["metadata"]["name"] == "pvc-u1"
    assert pv["spec"]["claimRef"]["uid"] == "u1"
    assert pv["spec"]["capacity"] == {"storage": "1Gi"}
    term = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]
    assert term["matchExpressions"][0]["values"] == ["k8slab-worker"]
    other = dict(sc, provisioner="example.com/nfs")
    assert provisioner.wants_volume(pvc, other) == (False, None)
