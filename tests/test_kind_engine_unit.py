"""The kind engine end to end with docker and kind faked on PATH (no Docker on this machine).

The fake tools log every command line (tests/_fake_kind.py); the cluster's API is faked at
the engine's health functions, scripted node by node. Nothing here touches the lab cluster:
k8slab's state directory and kubeconfig live under the test's tmp_path.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from _fake_kind import install
from k8slab.engine import cluster, health, kind, kind_images, kind_ports, paths, versions
from k8slab.errors import EngineError

REPO = Path(__file__).resolve().parents[1]
NODES = ["k8slab-control-plane", "k8slab-worker", "k8slab-worker2"]


class FakeApi:
    """Scripted cluster answers: each node_readiness call returns the next step (the last repeats)."""

    def __init__(self, steps: list[dict[str, bool]], api_ok: bool = True):
        self.steps = steps
        self.api_ok = api_ok
        self.calls = 0

    def health(self, kubeconfig, context, timeout=3):
        return "https://127.0.0.1:6443", self.api_ok, "" if self.api_ok else "connection refused"

    def readiness(self, kubeconfig, context):
        step = self.steps[min(self.calls, len(self.steps) - 1)]
        self.calls += 1
        return dict(step)


@pytest.fixture
def fake(tmp_path, monkeypatch):
    tools = install(tmp_path, monkeypatch)
    monkeypatch.setattr(kind, "POLL", 0)
    # the real 80/443 of this machine are not the test's business: all free unless a test says
    monkeypatch.setattr(kind_ports, "port_free", lambda port: True)
    return tools


def _api(monkeypatch, steps, api_ok=True) -> FakeApi:
    api = FakeApi(steps, api_ok)
    monkeypatch.setattr(health, "api_health", api.health)
    monkeypatch.setattr(health, "node_readiness", api.readiness)
    return api


def _verbs(calls):
    return [" ".join(c[:3]) for c in calls]


def test_up_waits_for_every_node_with_progress_then_preloads(fake, monkeypatch):
    _api(monkeypatch, [{}, {NODES[0]: True}, {NODES[0]: True, NODES[1]: False},
                       {NODES[0]: True, NODES[1]: True, NODES[2]: False},
                       {n: True for n in NODES}])
    said: list[str] = []
    st = cluster.up(engine="kind", echo=said.append)

    assert st.healthy and st.engine == "kind" and sorted(st.nodes) == NODES
    create = next(c for c in fake.calls("kind") if c[1:3] == ["create", "cluster"])
    assert create[create.index("--image") + 1] == versions.KIND_NODE_IMAGE
    assert create[create.index("--kubeconfig") + 1] == str(paths.kubeconfig_path())
    progress = [line for line in said if line.startswith("nodes Ready")]
    assert progress[0] == "nodes Ready: 0/3 (waiting for " + ", ".join(NODES) + ")"
    assert "nodes Ready: 2/3 (waiting for k8slab-worker2)" in progress
    assert progress[-1] == "nodes Ready: 3/3"
    # one docker pull per series image on the host, then one kind load with all of them
    pulls = [c[-1] for c in fake.calls("docker") if c[1] == "pull"]
    assert pulls == list(kind_images.SERIES_IMAGES)
    loads = [c for c in fake.calls("kind") if c[1:3] == ["load", "docker-image"]]
    assert loads == [["kind", *kind_images.load_command("k8slab", kind_images.SERIES_IMAGES)[1:]]]
    verbs = _verbs(fake.calls("kind"))
    assert verbs.index("kind create cluster") < verbs.index("kind load docker-image")
    assert cluster.recorded_engine("k8slab") == "kind"


def test_a_rerun_while_nodes_join_waits_instead_of_recreating(fake, monkeypatch):
    fake.set("clusters", ["k8slab"])
    paths.state_dir().mkdir(parents=True)
    (paths.state_dir() / "k8slab.engine").write_text("kind")
    (paths.state_dir() / "k8slab.kind.yaml").write_text(kind.config_for(2))
    # the second worker has not registered yet: still starting, not running with 2 nodes
    _api(monkeypatch, [{NODES[0]: True, NODES[1]: True}] * 3 + [{n: True for n in NODES}])
    assert kind.status("k8slab").state == "starting"
    said: list[str] = []
    st = cluster.up(engine="kind", echo=said.append)

    assert st.healthy
    verbs = _verbs(fake.calls("kind"))
    assert "kind create cluster" not in verbs and "kind delete cluster" not in verbs
    assert "cluster k8slab is still starting; waiting for its nodes instead of recreating it" in said
    assert "nodes Ready: 2/3 (waiting for k8slab-worker2)" in said
    assert said[-2].startswith("cluster k8slab is up (kind engine, 3 nodes Ready)")


def test_a_cluster_whose_api_stays_silent_is_recreated_after_the_grace(fake, monkeypatch):
    fake.set("clusters", ["k8slab"])
    paths.state_dir().mkdir(parents=True)
    (paths.state_dir() / "k8slab.engine").write_text("kind")
    api = _api(monkeypatch, [{n: True for n in NODES}], api_ok=False)
    monkeypatch.setattr(kind, "API_GRACE", 0.05)
    # the fresh cluster answers once created
    real_create = kind.create

    def create(name, workers, echo=print):
        real_create(name, workers, echo)
        api.api_ok = True

    monkeypatch.setattr(kind, "create", create)
    said: list[str] = []
    assert cluster.up(engine="kind", echo=said.append).healthy
    verbs = _verbs(fake.calls("kind"))
    assert verbs.index("kind delete cluster") < verbs.index("kind create cluster")
    assert any(line.startswith("recreating cluster k8slab (") for line in said), said
    assert any(line.startswith("cluster k8slab's API server does not answer (") for line in said)


def test_a_failed_create_forgets_the_cluster_and_says_what_next(fake, monkeypatch):
    _api(monkeypatch, [{}])
    fake.set("fail-create", True)
    with pytest.raises(EngineError, match=r"kind create cluster failed \(exit 1\).*then: k8slab up --engine kind"):
        cluster.up(engine="kind", echo=lambda _l: None)
    assert cluster.recorded_engine("k8slab") is None
    assert not [c for c in fake.calls("kind") if c[1:3] == ["load", "docker-image"]]


def test_nodes_that_never_get_ready_time_out_and_keep_the_cluster(fake, monkeypatch):
    _api(monkeypatch, [{NODES[0]: True, NODES[1]: False, NODES[2]: True}])
    with pytest.raises(EngineError, match=r"not Ready after .*k8slab-worker;.*k8slab up waits"):
        kind.wait_nodes("k8slab", 2, echo=lambda _l: None, timeout=0.05)


def test_taken_host_ports_are_mapped_to_free_ones_and_said(fake, monkeypatch):
    _api(monkeypatch, [{n: True for n in NODES}])
    monkeypatch.setattr(kind_ports, "port_free", lambda port: port not in (80, 8080, 443))
    said: list[str] = []
    cluster.up(engine="kind", echo=said.append)
    conf = yaml.safe_load((paths.state_dir() / "k8slab.kind.yaml").read_text())
    mapped = {m["containerPort"]: m["hostPort"] for m in conf["nodes"][0]["extraPortMappings"]}
    assert mapped == {80: 8081, 443: 8443}
    assert kind.ingress_ports("k8slab") == mapped  # for an ingress controller's set-up
    assert "host port 80 is taken: the ingress port 80 is mapped to 127.0.0.1:8081 instead" in said
    assert "host port 443 is taken: the ingress port 443 is mapped to 127.0.0.1:8443 instead" in said
    create = next(c for c in fake.calls("kind") if c[1:3] == ["create", "cluster"])
    assert create[create.index("--config") + 1] == str(paths.state_dir() / "k8slab.kind.yaml")


def test_port_free_sees_a_real_listener():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert not kind_ports.port_free(port)
        chosen = kind_ports.choose({80: (port, port + 1, port + 2)}, echo=lambda _l: None,
                                   is_free=lambda p: p != port and kind_ports.port_free(p))
        assert chosen[80] in (port + 1, port + 2)
    with pytest.raises(EngineError, match=r"all taken.*ingress port 80.*ss -ltnp"):
        kind_ports.choose({80: (1, 2)}, is_free=lambda p: False)


def test_down_with_docker_stopped_keeps_the_cluster_on_record(fake, monkeypatch):
    _api(monkeypatch, [{n: True for n in NODES}])
    cluster.up(engine="kind", echo=lambda _l: None)
    fake.set("docker-down", True)
    st = cluster.status("k8slab")
    assert st.state == "broken" and "start Docker" in st.problem
    assert st.fix() == "start Docker, then: k8slab up --name k8slab"
    with pytest.raises(EngineError, match=r"cannot remove the kind cluster k8slab: no Docker daemon "
                                          r"answers.*start Docker, then run k8slab down"):
        cluster.down("k8slab", echo=lambda _l: None)
    assert cluster.recorded_engine("k8slab") == "kind"
    fake.set("docker-down", False)
    assert cluster.down("k8slab", echo=lambda _l: None) is True
    assert cluster.recorded_engine("k8slab") is None
    assert fake.lines("clusters") == []


def test_cli_down_with_docker_stopped_is_one_clear_line(fake, tmp_path):
    import os

    state = paths.state_dir()
    state.mkdir(parents=True)
    (state / "k8slab.engine").write_text("kind")
    fake.set("docker-down", True)
    proc = subprocess.run([sys.executable, "-m", "k8slab", "down"], capture_output=True, text=True,
                          env=dict(os.environ), timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: cannot remove the kind cluster k8slab")
    assert (state / "k8slab.engine").read_text() == "kind"


def test_a_failed_pull_is_a_warning_and_the_rest_is_loaded(fake, monkeypatch):
    _api(monkeypatch, [{n: True for n in NODES}])
    perl = "docker.io/library/perl:5.34.0"
    fake.set("fail-pull", [perl])
    fake.set("images", ["docker.io/library/busybox:1.36"])  # already on the host: not pulled again
    said: list[str] = []
    assert cluster.up(engine="kind", echo=said.append).healthy
    assert any(line.startswith(f"warning: docker pull {perl} failed (toomanyrequests") for line in said)
    pulls = [c[-1] for c in fake.calls("docker") if c[1] == "pull"]
    assert "docker.io/library/busybox:1.36" not in pulls
    load = next(c for c in fake.calls("kind") if c[1:3] == ["load", "docker-image"])
    assert perl not in load and "docker.io/library/busybox:1.36" in load
    assert len(load) == 5 + len(kind_images.SERIES_IMAGES) - 1


def test_reusing_a_running_cluster_pulls_nothing(fake, monkeypatch):
    _api(monkeypatch, [{n: True for n in NODES}])
    cluster.up(engine="kind", echo=lambda _l: None)
    before = len(fake.calls())
    said: list[str] = []
    cluster.up(echo=said.append)
    assert said == ["cluster k8slab is already running (kind engine); reusing it"]
    assert not [c for c in fake.calls()[before:] if c[1] in ("pull", "load", "create")]


def test_the_node_image_is_pinned_by_tag_and_digest():
    m = re.fullmatch(r"kindest/node:v1\.(\d+)\.\d+@sha256:[0-9a-f]{64}", versions.KIND_NODE_IMAGE)
    assert m, versions.KIND_NODE_IMAGE
    assert m.group(1) == versions.KUBERNETES.split(".")[1]  # the same minor as the other engines
    workflow = (REPO / ".github/workflows/notebooks-kind.yml").read_text()
    assert f"sigs.k8s.io/kind@{versions.KIND}" in workflow


IMAGE_LINE = re.compile(r"""(?:image:\s*|--image[= ])["']?([a-z0-9][\w./-]*:[\w][\w.-]*)""")
SET_IMAGE = re.compile(r"set image \S+((?:\s+[\w-]+=[a-z0-9][\w./-]*:[\w][\w.-]*)+)")
FAMILIES = re.compile(r"(?<![\w./-])((?:[a-z0-9.-]+/)*(?:busybox|nginx|nginx-slim|perl|agnhost)"
                      r":[0-9][\w.-]*[0-9])")


def _normalize(ref: str) -> str:
    first = ref.split("/")[0]
    if "/" not in ref:
        return f"docker.io/library/{ref}"
    return ref if ("." in first or ":" in first) else f"docker.io/{ref}"


def test_series_images_are_every_tagged_image_of_the_notebooks_and_manifests():
    files = [*REPO.glob("notebooks/*.ipynb"), *REPO.glob("manifests/**/*.y*ml")]
    found = {}
    for f in files:
        text = f.read_text()
        refs = IMAGE_LINE.findall(text) + FAMILIES.findall(text)
        refs += [arg.split("=", 1)[1] for args in SET_IMAGE.findall(text) for arg in args.split()]
        for ref in refs:
            if not ref.endswith(":latest"):
                found.setdefault(_normalize(ref), f.name)
    assert "docker.io/library/nginx:1.14.2" in found  # the scan itself works
    missing = {r: f for r, f in found.items() if r not in kind_images.SERIES_IMAGES}
    assert not missing, f"add these to k8slab/engine/kind_images.py SERIES_IMAGES: {missing}"
    addon = {f"docker.io/library/traefik:{versions.TRAEFIK}"}  # what %k8s addons ingress (09) runs
    unused = set(kind_images.SERIES_IMAGES) - set(found) - addon
    assert not unused, f"no notebook uses these any more: {unused}"


def test_docker_containerd_store_falls_back_to_a_one_platform_archive(fake, monkeypatch):
    _api(monkeypatch, [{n: True for n in NODES}])
    fake.set("containerd-store", True)
    said: list[str] = []
    assert cluster.up(engine="kind", echo=said.append).healthy
    save = next(c for c in fake.calls("docker") if c[1:3] == ["image", "save"])
    assert save[save.index("--platform") + 1] == "linux/amd64"
    assert save[-len(kind_images.SERIES_IMAGES):] == list(kind_images.SERIES_IMAGES)
    archive = save[save.index("-o") + 1]
    assert ["kind", "load", "image-archive", "--name", "k8slab", archive] in fake.calls("kind")
    assert not any(line.startswith("warning:") for line in said)
    assert not Path(archive).exists()  # the temporary archive is gone


def _cli(fake, tmp_path, *args, path_extra: str = ""):
    """Run ``k8slab ARGS`` with the fake tools, no Go on PATH, empty cache and state."""
    import os

    env = dict(os.environ, PATH=f"{fake.dir}{os.pathsep}{path_extra}/usr/bin:/bin",
               K8SLAB_CACHE_DIR=str(tmp_path / "cache"))
    return subprocess.run([sys.executable, "-m", "k8slab", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_doctor_on_a_kind_only_machine_fails_nothing(fake, tmp_path):
    proc = _cli(fake, tmp_path, "doctor")
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "[FAIL]" not in out
    assert "[ok  ] engine: kind (" in out
    assert "[warn] go: not found on PATH (the kind engine needs no Go)" in out
    assert "[ok  ] docker: Docker 29.0.0" in out and "[ok  ] kind: kind v0.33.0" in out
    assert "binary kube-apiserver" not in out
    # the same machine judged for the real-node engine: Go and its binaries are needed
    local = _cli(fake, tmp_path, "doctor", "--engine", "local")
    assert local.returncode == 1
    assert "[FAIL] go: not found on PATH (Go 1.26+ builds the local engine)" in local.stdout
    assert "[FAIL] binary kubelet" in local.stdout


def test_doctor_for_kind_without_docker_fails_docker_with_the_fix(fake, tmp_path):
    fake.set("docker-down", True)
    proc = _cli(fake, tmp_path, "doctor", "--engine", "kind")
    assert proc.returncode == 1
    assert "[FAIL] docker: no Docker daemon answers (docker info failed)" in proc.stdout
    assert "fix: start Docker" in proc.stdout
    assert "[warn] go" in proc.stdout


def test_make_lab_steps_on_a_kind_machine_build_nothing(fake, tmp_path):
    """``make lab`` runs ``k8slab build --engine auto``: with Docker and kind it must not call Go."""
    gobin = tmp_path / "gobin"
    gobin.mkdir()
    (gobin / "go").write_text(f"#!/bin/sh\necho go \"$@\" >> {tmp_path}/go-calls\nexit 1\n")
    (gobin / "go").chmod(0o755)
    proc = _cli(fake, tmp_path, "build", path_extra=f"{gobin}:")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (tmp_path / "go-calls").exists()
    assert not (tmp_path / "cache" / "bin").exists()
