"""Unit tests of the engine's build plan: components, engine sets, flags, generated modules.

No network and no Go toolchain: builds go through a fake ``go`` that writes a file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from k8slab.engine import gobuild, versions
from k8slab.errors import BuildError

KWOK_SET = ["etcd", "kwok", "kwokctl", "kube-apiserver", "kube-controller-manager",
            "kube-scheduler", "kubectl"]
ADDON_SET = ["traefik"]  # the ingress addon: built by `k8slab addons ingress`, no engine needs it
NODE_SET = ["kubelet", "kube-proxy", "agnhost", "containerd", "containerd-shim-runc-v2", "ctr",
            "coredns", "k8slab-registry"]


@pytest.fixture
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def fake_go(monkeypatch, cache):
    """Record every ``go build`` and write a stand-in binary where it was asked for."""
    calls: list[list[str]] = []

    def run_go(args, cwd, what):
        calls.append(list(args))
        if args[0] == "build":
            out = Path(args[args.index("-o") + 1])
            out.write_text(f"#!/bin/sh\necho {out.name}\n")
            out.chmod(0o755)
        return ""

    monkeypatch.setattr(gobuild, "_run_go", run_go)
    monkeypatch.setattr(gobuild, "_staging_modules", lambda work, version: ["k8s.io/api"])
    monkeypatch.setattr(gobuild, "check_go", lambda: (1, 26, 8))
    monkeypatch.setattr(gobuild, "agnhost_version", lambda: versions.AGNHOST)
    monkeypatch.setenv("K8SLAB_FROM_SOURCE", "1")  # no release download in these tests
    (gobuild.stage_root() / "pod").mkdir(parents=True)  # no KWOK stage copy wanted
    return calls


def built_packages(calls):
    return [c[-1] for c in calls if c[0] == "build"]


def test_engine_sets():
    assert gobuild.binaries_for("kwok") == KWOK_SET
    assert gobuild.binaries_for("local") == KWOK_SET + NODE_SET
    assert gobuild.binaries_for("kind") == []
    with pytest.raises(ValueError, match="unknown engine 'docker'"):
        gobuild.binaries_for("docker")


def test_every_binary_has_one_home():
    names = [n for c in gobuild.components() for n in c.packages]
    assert len(names) == len(set(names)) == len(KWOK_SET + NODE_SET + ADDON_SET)
    assert gobuild.binary("kubelet").parent == gobuild.component("kubernetes").bin_dir
    assert gobuild.binary("agnhost").parent.name == f"kubernetes-{versions.KUBERNETES}"
    assert gobuild.binary("ctr").parent.name == f"containerd-{versions.CONTAINERD}"
    assert gobuild.binary("coredns").parent.name == f"coredns-{versions.COREDNS}"
    assert gobuild.binary("k8slab-registry").parent.name == \
        f"registry-{versions.GO_CONTAINERREGISTRY}"
    with pytest.raises(KeyError):
        gobuild.binary("dockerd")


def test_containerd_is_static_and_stamped():
    comp = gobuild.component("containerd")
    args = comp.build_args("containerd-shim-runc-v2", Path("/out/shim"))
    assert args[args.index("-tags") + 1] == \
        "no_btrfs,no_devmapper,no_zfs,static_build,netgo,osusergo"
    assert f"-X github.com/containerd/containerd/v2/version.Version={versions.CONTAINERD}" in \
        args[args.index("-ldflags") + 1]
    assert args[-3:] == ["-o", "/out/shim",
                         "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"]


def test_agnhost_gets_its_own_version_and_kubelet_does_not():
    k8s = gobuild.component("kubernetes")
    assert f"-X main.Version={versions.AGNHOST}" in k8s.link_flags("agnhost")
    assert "main.Version" not in k8s.link_flags("kubelet")
    assert f"gitVersion={versions.KUBERNETES}" in k8s.link_flags("kubelet")
    assert "-tags" not in k8s.build_args("kubelet", Path("/out/kubelet"))
    assert k8s.packages["agnhost"] == "k8s.io/kubernetes/test/images/agnhost"


def test_go_mod_replaces_staging_modules_only_for_kubernetes():
    k8s = gobuild.go_mod_text(gobuild.component("kubernetes"), ["k8s.io/api", "k8s.io/kubelet"])
    staging = versions.staging_version()
    assert f"require k8s.io/kubernetes {versions.KUBERNETES}" in k8s
    assert f"\tk8s.io/kubelet => k8s.io/kubelet {staging}\n" in k8s
    ctrd = gobuild.go_mod_text(gobuild.component("containerd"))
    assert ctrd.startswith("module k8slab.local/engine/containerd\n")
    assert "replace" not in ctrd


@pytest.mark.parametrize("name", ["coredns", "registry"])
def test_module_with_own_main_copies_it(cache, name):
    comp = gobuild.component(name)
    work = gobuild.write_module(comp)
    src = (gobuild.GOSRC / name / "main.go").read_text()
    assert (work / "main.go").read_text() == src
    assert src.startswith("//") and "\npackage main\n" in src
    gomod = (work / "go.mod").read_text()
    assert gomod.startswith(f"module k8slab.local/engine/{name}\n")
    assert f"require {comp.module} {comp.version}\n" in gomod
    assert comp.packages == {("coredns" if name == "coredns" else "k8slab-registry"):
                             f"k8slab.local/engine/{name}"}
    (work / "left-over.go").write_text("package main\n")
    gobuild.write_module(comp)
    assert sorted(p.name for p in work.glob("*.go")) == ["main.go"]


def test_coredns_directives_match_imports_in_upstream_order():
    text = (gobuild.GOSRC / "coredns" / "main.go").read_text()
    imported = re.findall(r'_ "github.com/coredns/coredns/plugin/(\w+)"', text)
    body = text.split("var directives = []string{", 1)[1].split("}", 1)[0]
    directives = re.findall(r'"(\w+)"', body)
    directive_of = {"metrics": "prometheus"}
    assert sorted(directive_of.get(p, p) for p in imported) == sorted(directives)
    # CoreDNS v1.14.7 plugin.cfg, the entries kept here, in its order
    upstream = ["reload", "bind", "ready", "health", "prometheus", "errors", "log",
                "loadbalance", "cache", "hosts", "kubernetes", "loop", "forward"]
    assert directives == [d for d in upstream if d in directives]
    assert "dnsserver.Directives = directives" in text and "coremain.Run()" in text


def test_missing_defaults_to_what_kwok_needs(cache):
    assert [n for _, n, _ in gobuild.missing(thorough=False)] == KWOK_SET
    assert [n for _, n, _ in gobuild.missing(engine="local")] == KWOK_SET + NODE_SET
    assert len(gobuild.missing(engine=None)) == len(KWOK_SET + NODE_SET + ADDON_SET)


def test_build_without_names_builds_the_kwok_set(fake_go):
    built = gobuild.build(echo=lambda _line: None)
    assert [p.name for p in built] == KWOK_SET
    assert not any("kubelet" in p for p in built_packages(fake_go))


def test_building_node_binaries_keeps_the_cached_control_plane(fake_go):
    gobuild.build(["kube-apiserver"], echo=lambda _line: None)
    apiserver = gobuild.binary("kube-apiserver")
    before = apiserver.stat().st_mtime_ns
    built = gobuild.build(engine="local", echo=lambda _line: None)
    assert [p.name for p in built] == [n for n in KWOK_SET + NODE_SET if n != "kube-apiserver"]
    assert apiserver.stat().st_mtime_ns == before
    assert gobuild.missing(engine="local") == []
    assert gobuild.build(engine="local", echo=lambda _line: None) == []


def test_editing_gosrc_makes_only_that_binary_stale(fake_go, monkeypatch, tmp_path):
    gobuild.build(["k8slab-registry", "coredns"], echo=lambda _line: None)
    registry = gobuild.component("registry")
    assert gobuild.cached_problem(registry, "k8slab-registry") is None
    src = tmp_path / "gosrc"
    for name in ("registry", "coredns"):
        (src / name).mkdir(parents=True)
        (src / name / "main.go").write_text((gobuild.GOSRC / name / "main.go").read_text())
    (src / "registry" / "main.go").write_text("package main\n\nfunc main() {}\n")
    monkeypatch.setattr(gobuild, "GOSRC", src)
    assert "stale" in gobuild.cached_problem(registry, "k8slab-registry")
    assert gobuild.cached_problem(gobuild.component("coredns"), "coredns") is None


def test_agnhost_pin_must_match_the_module(fake_go, monkeypatch):
    monkeypatch.setattr(gobuild, "agnhost_version", lambda: "9.9.9")
    with pytest.raises(BuildError, match=r"holds agnhost 9\.9\.9.*AGNHOST"):
        gobuild.build(["agnhost"], echo=lambda _line: None)
    assert not gobuild.binary("agnhost").exists()


def test_kind_builds_nothing_and_needs_no_go(monkeypatch, tmp_path):
    """On a kind-only machine `k8slab build` (run by `make lab`) must not ask for Go."""
    from k8slab.engine import gobuild

    monkeypatch.setenv("K8SLAB_CACHE_DIR", str(tmp_path))  # an empty cache: no stages either

    def no_go():
        raise AssertionError("Go was asked for although kind builds nothing")

    monkeypatch.setattr(gobuild, "check_go", no_go)
    said = []
    assert gobuild.build(engine="kind", echo=said.append) == []
    assert said == ["the kind engine needs nothing built (kind brings its own node image)"]
