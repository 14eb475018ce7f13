"""Fetch first for etcd, KWOK, containerd, CoreDNS and the rest, against a mirror on 127.0.0.1.

The mirror is exported from the binaries built on this machine (~/.cache/k8slab/bin) in the
publishers' shapes (tarballs with their member paths, their checksum files) and served by a
thread of this test; k8slab's cache for each test is a tmp directory, and Go is replaced by a
stub that fails, so nothing is built and nothing of the real cache is written.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from _mirror_server import serving

from k8slab.engine import fetch, fetch_archive, fetch_catalog, fetch_export, gobuild, versions
from k8slab.errors import BuildError

REAL_CACHE = Path(os.environ.get("K8SLAB_CACHE_DIR") or Path.home() / ".cache" / "k8slab")
PLAT = ("linux", "amd64")


@pytest.fixture
def serve():
    """serve(directory) -> base URL of a server on 127.0.0.1 holding it (``.seen``: paths asked)."""
    with serving() as start:
        yield start


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("K8SLAB_MIRROR", raising=False)
    monkeypatch.delenv("K8SLAB_FROM_SOURCE", raising=False)
    monkeypatch.setattr(fetch, "host_platform", lambda: PLAT)

    def no_go():
        raise BuildError("Go is not installed (needed to build the engine): install Go 1.26+")

    monkeypatch.setattr(gobuild, "check_go", no_go)
    return tmp_path / "cache"


def _real(component: str) -> dict[str, Path]:
    comp = gobuild.component(component)
    bins = {name: REAL_CACHE / "bin" / f"{comp.name}-{comp.version}" / name for name in comp.packages}
    if not all(p.is_file() for p in bins.values()):
        pytest.skip(f"{component} {comp.version} is not built on this machine yet (k8slab build)")
    return bins


def _fake(tmp_path: Path, component: str) -> dict[str, Path]:
    comp = gobuild.component(component)
    out = {}
    for name in comp.packages:
        out[name] = tmp_path / "src" / name
        out[name].parent.mkdir(parents=True, exist_ok=True)
        out[name].write_bytes(b"\x7fELF fake " + name.encode() + b"\n" * 70000)
    return out


def _mirror(tmp_path: Path, component: str, binaries: dict[str, Path]) -> Path:
    root = tmp_path / "mirror"
    fetch_export.export(root, {component: (gobuild.component(component).version, binaries)}, PLAT)
    return root


def _art(component: str, binary: str) -> fetch_catalog.Artifact:
    return fetch_catalog.artifact_for(component, binary, gobuild.component(component).version, PLAT)


def _left(component: str) -> list[str]:
    d = gobuild.component(component).bin_dir
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_the_publishers_names_for_the_pinned_versions():
    etcd = _art("etcd", "etcd")
    assert etcd.official_url() == ("https://github.com/etcd-io/etcd/releases/download/v3.6.16/"
                                   "etcd-v3.6.16-linux-amd64.tar.gz")
    assert etcd.members == {"etcd": "etcd-v3.6.16-linux-amd64/etcd"}
    assert etcd.official_url(etcd.checksum).endswith("/v3.6.16/SHA256SUMS")
    ctd = _art("containerd", "ctr")
    assert ctd.name == "containerd-static-2.4.2-linux-amd64.tar.gz" and ctd.checksum.endswith(".tar.gz.sha256sum")
    assert ctd.members == {"containerd": "bin/containerd", "containerd-shim-runc-v2": "bin/containerd-shim-runc-v2",
                           "ctr": "bin/ctr"}
    assert _art("coredns", "coredns").official_url() == ("https://github.com/coredns/coredns/releases/download/"
                                                         "v1.14.7/coredns_1.14.7_linux_amd64.tgz")
    assert _art("traefik", "traefik").checksum.endswith("/v3.7.13/traefik_v3.7.13_checksums.txt")
    kwok = _art("kwok", "kwokctl")
    assert kwok.official_url().endswith("/kubernetes-sigs/kwok/releases/download/v0.8.0/kwokctl-linux-amd64")
    assert kwok.checksum == "" and kwok.mirror_checksum_path.endswith("kwokctl-linux-amd64.sha256")
    assert kwok.mirror_path() == "github.com/kubernetes-sigs/kwok/releases/download/v0.8.0/kwokctl-linux-amd64"
    for comp, name in (("kubernetes", "agnhost"), ("registry", "k8slab-registry")):
        art = _art(comp, name)
        assert art.official_url() is None and art.mirror_path().startswith("k8slab/")
        assert fetch.urls(art, None) is None  # no official file: built unless a mirror has it
    assert fetch.urls(kwok, None) is None  # nothing published to verify it: built
    assert fetch_catalog.artifacts("etcd", "v3.6.16", ("darwin", "arm64")) == []  # zip there: built


@pytest.mark.parametrize("text,name,want", [
    ("a" * 64 + "\n", "kubectl", "a" * 64),  # dl.k8s.io: the hash alone
    ("B" * 64 + "  coredns_1.14.7_linux_amd64.tgz\n", "coredns_1.14.7_linux_amd64.tgz", "b" * 64),
    ("c" * 64 + " *x.tar.gz\n", "x.tar.gz", "c" * 64),  # sha256sum's binary mode
    ("1" * 64 + "  etcd-v3.6.16-darwin-amd64.zip\n" + "2" * 64 + "  etcd-v3.6.16-linux-amd64.tar.gz\n",
     "etcd-v3.6.16-linux-amd64.tar.gz", "2" * 64),
    ("1" * 64 + "  other.tar.gz\n", "x.tar.gz", None),
    ("<html>404</html>", "x", None),
])
def test_checksum_files_in_each_publishers_shape(text, name, want):
    assert fetch.sha256_in(text, name) == want


@pytest.mark.parametrize("component", ["etcd", "containerd", "kwok"])
def test_binaries_built_here_are_fetched_from_the_mirror_verified_and_used(tmp_path, serve, component):
    real = _real(component)
    root = _mirror(tmp_path, component, real)
    url = serve(root)
    seen = url.seen
    said: list[str] = []
    got = gobuild.build(list(real), mirror=url, echo=said.append, report=True)

    comp = gobuild.component(component)
    assert got == [comp.binary(n) for n in real]
    arts = {_art(component, n).path: _art(component, n) for n in real}
    assert len(seen) == 2 * len(arts)  # one checksum file and one download per release file
    for name, src in real.items():
        assert comp.binary(name).read_bytes() == src.read_bytes()
        assert gobuild.cached_problem(comp, name) is None
        assert gobuild.origin(comp, name) == f"fetched from mirror {url}/{_art(component, name).mirror_path()}"
        assert any(line.startswith(f"  {name} {comp.version}: ") and "MiB, fetched from mirror" in line
                   for line in said), said
    assert _left(component) == sorted([".k8slab-build.json", *real])
    first = comp.binary(next(iter(real)))
    out = subprocess.run([str(first), "--version"], capture_output=True, text=True, timeout=30)
    assert comp.version.lstrip("v") in out.stdout + out.stderr


def test_the_exported_tarballs_have_the_publishers_shape(tmp_path):
    root = _mirror(tmp_path, "containerd", _fake(tmp_path, "containerd"))
    _mirror(tmp_path, "etcd", _fake(tmp_path, "etcd"))
    _mirror(tmp_path, "coredns", _fake(tmp_path, "coredns"))
    for comp, name, members in (
            ("containerd", "ctr", ["bin", "bin/containerd", "bin/containerd-shim-runc-v2", "bin/ctr"]),
            ("etcd", "etcd", ["etcd-v3.6.16-linux-amd64", "etcd-v3.6.16-linux-amd64/etcd"]),
            ("coredns", "coredns", ["coredns"])):
        art = _art(comp, name)
        data = (root / art.mirror_path()).read_bytes()
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            assert tar.getnames() == members
        line = (root / art.mirror_checksum_path).read_text()
        assert line == f"{hashlib.sha256(data).hexdigest()}  {art.name}\n"  # sha256sum's format
    again = tmp_path / "again"
    fetch_export.export(again, {"coredns": ("v1.14.7", _fake(tmp_path, "coredns"))}, PLAT)
    art = _art("coredns", "coredns")
    assert (again / art.mirror_path()).read_bytes() == (root / art.mirror_path()).read_bytes()  # reproducible


def test_a_partial_archive_is_not_exported(tmp_path):
    fake = _fake(tmp_path, "containerd")
    del fake["ctr"]
    root = tmp_path / "m"
    assert fetch_export.export(root, {"containerd": ("v2.4.2", fake)}, PLAT) == []


def test_a_wrong_checksum_is_refused_and_nothing_cached(tmp_path, serve):
    root = _mirror(tmp_path, "etcd", _fake(tmp_path, "etcd"))
    art = _art("etcd", "etcd")
    (root / art.mirror_checksum_path).write_text("0" * 64 + f"  {art.name}\n")
    url = serve(root)
    with pytest.raises(BuildError, match=r"does not match its published SHA-256 .*refused, nothing was cached"):
        gobuild.build(["etcd"], mirror=url, echo=lambda _l: None)
    assert _left("etcd") == []


def test_a_truncated_tarball_is_refused_and_nothing_cached(tmp_path, serve):
    root = _mirror(tmp_path, "containerd", _fake(tmp_path, "containerd"))
    art = _art("containerd", "ctr")
    url = serve(root, truncate=(art.mirror_path(),))
    with pytest.raises(BuildError, match=r"was cut off after \d+ of \d+ bytes; nothing was cached"):
        gobuild.build(["ctr", "containerd"], mirror=url, echo=lambda _l: None)
    assert _left("containerd") == []


def test_a_cut_tarball_whose_checksum_matches_is_refused_and_nothing_cached(tmp_path, serve):
    """A mirror that exported a half-written file: the checksum agrees, the archive does not."""
    root = _mirror(tmp_path, "containerd", _fake(tmp_path, "containerd"))
    art = _art("containerd", "ctr")
    path = root / art.mirror_path()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    (root / art.mirror_checksum_path).write_text(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {art.name}\n")
    url = serve(root)
    with pytest.raises(BuildError, match=r"is not a complete \.tar\.gz .*refused, nothing was cached"):
        gobuild.build(["containerd", "ctr", "containerd-shim-runc-v2"], mirror=url, echo=lambda _l: None)
    assert _left("containerd") == []


def _hostile_tarball(root: Path, art: fetch_catalog.Artifact, extra: tarfile.TarInfo, body: bytes = b"") -> None:
    path = root / art.mirror_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        tar.addfile(extra, io.BytesIO(body) if body else None)
        good = tarfile.TarInfo(art.members["etcd"])
        good.size = 5
        tar.addfile(good, io.BytesIO(b"\x7fELF\n"))
    (root / art.mirror_checksum_path).parent.mkdir(parents=True, exist_ok=True)
    (root / art.mirror_checksum_path).write_text(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {art.name}\n")


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink"])
def test_an_archive_with_an_unsafe_member_is_refused(tmp_path, serve, kind):
    art = _art("etcd", "etcd")
    root = tmp_path / "mirror"
    target = tmp_path / "escaped"
    if kind == "dotdot":
        info = tarfile.TarInfo("../../../../../../../../../../" + str(target).lstrip("/"))
        info.size = 4
        _hostile_tarball(root, art, info, b"evil")
    elif kind == "absolute":
        info = tarfile.TarInfo(str(target))
        info.size = 4
        _hostile_tarball(root, art, info, b"evil")
    else:  # the wanted member itself is a link to a file outside
        path = root / art.mirror_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(path, "w:gz") as tar:
            info = tarfile.TarInfo(art.members["etcd"])
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(info)
        (root / art.mirror_checksum_path).write_text(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {art.name}\n")
    url = serve(root)
    with pytest.raises(BuildError, match=r"(unsafe path|not a regular file).*refused, nothing was cached"):
        gobuild.build(["etcd"], mirror=url, echo=lambda _l: None)
    assert not target.exists()
    assert _left("etcd") == []


def test_extract_takes_only_the_named_members(tmp_path):
    src = tmp_path / "a.tar.gz"
    files = {"bin/ctr": tmp_path / "ctr", "bin/other": tmp_path / "other"}
    for p in files.values():
        p.write_bytes(b"x" * 10)
    fetch_archive.pack(src, files)
    out = tmp_path / "out"
    out.mkdir()
    fetch_archive.extract(src, {"bin/ctr": out / "ctr"}, "a.tar.gz")
    assert sorted(p.name for p in out.iterdir()) == ["ctr"] and os.access(out / "ctr", os.X_OK)
    with pytest.raises(BuildError, match=r"lacks bin/ctr2"):
        fetch_archive.extract(src, {"bin/ctr2": out / "ctr2"}, "a.tar.gz")
    assert sorted(p.name for p in out.iterdir()) == ["ctr"]


def test_an_unreachable_mirror_falls_back_to_the_build_after_one_try(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens there once the socket is closed
    said: list[str] = []
    started = time.monotonic()
    with pytest.raises(BuildError, match="Go is not installed"):
        gobuild.build(["etcd", "kwok", "kwokctl", "containerd", "ctr", "coredns"],
                      mirror=f"http://127.0.0.1:{closed}", echo=said.append)
    assert time.monotonic() - started < 5
    assert sum("cannot fetch" in line for line in said) == 1, said  # one try, not one per file
    assert _left("etcd") == [] and _left("kwok") == [] and _left("containerd") == []


def test_official_sites_kwok_without_checksums_is_built_without_asking(monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr(fetch, "_open", lambda url, timeout: asked.append(url) or pytest.fail(url))
    with pytest.raises(BuildError, match="Go is not installed"):
        gobuild.build(["kwok", "kwokctl", "k8slab-registry", "agnhost"], echo=lambda _l: None)
    assert asked == []


def test_a_pin_is_checked_against_the_official_checksum_file(tmp_path, serve, monkeypatch):
    """The official site stands on 127.0.0.1 here: its tree is a mirror's github.com/ folder."""
    root = _mirror(tmp_path, "coredns", _fake(tmp_path, "coredns"))
    art = _art("coredns", "coredns")
    published = fetch.sha256_in((root / art.mirror_checksum_path).read_text(), art.name)
    url = serve(root / "github.com")
    monkeypatch.setattr(fetch_catalog, "GITHUB", url)
    art = _art("coredns", "coredns")
    monkeypatch.setattr(versions, "RELEASE_SHA256", {art.official_url(): "f" * 64})
    with pytest.raises(BuildError, match=r"another SHA-256 .* than the one pinned in "
                                         r"k8slab/engine/versions.py.*refused"):
        gobuild.build(["coredns"], echo=lambda _l: None)
    assert _left("coredns") == []
    monkeypatch.setattr(versions, "RELEASE_SHA256", {art.official_url(): published})
    gobuild.build(["coredns"], echo=lambda _l: None)
    comp = gobuild.component("coredns")
    assert gobuild.origin(comp, "coredns") == f"fetched from {art.official_url()}"
    assert gobuild.cached_problem(comp, "coredns") is None  # no gosrc digest asked of a fetched binary


def test_a_cached_binary_asks_no_network(monkeypatch, serve, tmp_path):
    root = _mirror(tmp_path, "etcd", _fake(tmp_path, "etcd"))
    url = serve(root)
    seen = url.seen
    gobuild.build(["etcd"], mirror=url, echo=lambda _l: None)
    n = len(seen)
    monkeypatch.setattr(fetch, "_open", lambda url, timeout: pytest.fail(f"asked {url}"))
    said: list[str] = []
    gobuild.build(["etcd"], mirror=url, echo=said.append)
    assert len(seen) == n and said[0].startswith("all engine binaries are cached")


def test_cli_mirror_export_then_build_from_it(tmp_path, serve):
    cache = tmp_path / "teacher"
    comp = gobuild.component("kwok")
    bins = cache / "bin" / f"kwok-{comp.version}"
    bins.mkdir(parents=True)
    stamp = {}
    for name in comp.packages:
        (bins / name).write_bytes(b"\x7fELF " + name.encode() * 1000)
        (bins / name).chmod(0o755)
        stamp[name] = {"sha256": hashlib.sha256((bins / name).read_bytes()).hexdigest()}
    (bins / gobuild.STAMP).write_text(json.dumps(stamp))
    env = dict(os.environ, K8SLAB_CACHE_DIR=str(cache))
    out = tmp_path / "m"
    proc = subprocess.run([sys.executable, "-m", "k8slab", "mirror", "export", str(out)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "github.com/kubernetes-sigs/kwok/releases/download/v0.8.0/kwokctl-linux-amd64" in proc.stdout
    url = serve(out)
    env = dict(os.environ, K8SLAB_CACHE_DIR=str(tmp_path / "learner"), K8SLAB_MIRROR=url)
    proc = subprocess.run([sys.executable, "-m", "k8slab", "build", "kwok", "kwokctl"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert f"kwokctl v0.8.0: 0.0 MiB, fetched from mirror {url}/github.com/" in proc.stdout


def _stage_tree(tmp_path: Path) -> Path:
    real = REAL_CACHE / "bin" / f"kwok-{versions.KWOK}" / "stages"
    if (real / "pod").is_dir():
        return real
    tree = tmp_path / "stages"
    for rel in ("pod/pod-ready.yaml", "node/node-initialize.yaml"):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text("kind: Stage\n")
    return tree


def test_the_kwok_engine_gets_everything_from_a_mirror_without_go(tmp_path, serve):
    """A classroom: the teacher's mirror holds the kwok engine's binaries and KWOK's stages."""
    names = gobuild.binaries_for("kwok")
    cached = {}
    for comp in gobuild.components():
        fakes = {n: p for n, p in _fake(tmp_path / comp.name, comp.name).items() if n in names}
        if fakes:
            cached[comp.name] = (comp.version, fakes)
    root = tmp_path / "mirror"
    stages = _stage_tree(tmp_path)
    fetch_export.export(root, cached, PLAT, (versions.KWOK, stages))
    url = serve(root)
    said: list[str] = []
    gobuild.build(engine="kwok", mirror=url, echo=said.append)  # Go is a stub that fails: nothing built
    assert gobuild.missing(engine="kwok") == []
    got = sorted(p.relative_to(gobuild.stage_root()) for p in gobuild.stage_root().rglob("*") if p.is_file())
    assert got == sorted(p.relative_to(stages) for p in stages.rglob("*") if p.is_file())
    assert any(line.startswith("fetched KWOK's default stages to ") for line in said), said
    assert all("fetched from mirror" in gobuild.origin(gobuild.component(c), n)
               for c, (_v, fakes) in cached.items() for n in fakes)


def test_a_stage_archive_with_a_link_is_refused(tmp_path, serve):
    art = fetch_catalog.stages_artifact()
    root = tmp_path / "mirror"
    path = root / art.mirror_path()
    path.parent.mkdir(parents=True)
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("pod/pod-ready.yaml")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/shadow"
        tar.addfile(info)
    (root / art.mirror_checksum_path).write_text(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {art.name}\n")
    url = serve(root)
    with pytest.raises(BuildError, match=r"not a plain file or directory .*refused, nothing was cached"):
        fetch.fetch_tree(art, gobuild.stage_root(), url, echo=lambda _l: None)
    assert not gobuild.stage_root().exists()
    assert not gobuild.stage_root().parent.exists() or list(gobuild.stage_root().parent.iterdir()) == []


def test_a_full_disk_while_unpacking_is_one_message_and_nothing_cached(tmp_path, serve, monkeypatch):
    root = _mirror(tmp_path, "containerd", _fake(tmp_path, "containerd"))
    url = serve(root)
    real_open = open

    def full_open(path, mode="r", *a, **k):
        f = real_open(path, mode, *a, **k)
        if "w" in mode:
            def write(_data):
                raise OSError(28, "No space left on device")
            f.write = write
        return f

    monkeypatch.setattr(fetch_archive, "open", full_open, raising=False)
    with pytest.raises(BuildError, match=r"^the disk holding .* is full; nothing was cached"):
        gobuild.build(["containerd", "ctr", "containerd-shim-runc-v2"], mirror=url, echo=lambda _l: None)
    assert _left("containerd") == []


def test_doctor_needs_no_go_once_a_mirror_filled_the_cache(tmp_path, serve, monkeypatch):
    from k8slab.engine import doctor

    monkeypatch.setattr(gobuild, "go_version", lambda: None)
    assert doctor._check_go("kwok").required  # nothing cached: Go builds it
    cached = {c.name: (c.version, {n: p for n, p in _fake(tmp_path / c.name, c.name).items()
                                   if n in gobuild.binaries_for("kwok")})
              for c in gobuild.components() if set(c.packages) & set(gobuild.binaries_for("kwok"))}
    root = tmp_path / "mirror"
    fetch_export.export(root, cached, PLAT, (versions.KWOK, _stage_tree(tmp_path)))
    url = serve(root)
    monkeypatch.setenv("K8SLAB_MIRROR", url)
    gobuild.build(engine="kwok", echo=lambda _l: None)
    go = doctor._check_go("kwok")
    assert not go.ok and not go.required and "Go is only needed to rebuild" in go.detail
    assert doctor._check_downloads().detail.startswith(f"from the mirror {url} only")
    lines = [c.line() for c in doctor._check_binaries("kwok")]
    assert any(line.startswith("[ok  ] binary etcd v3.6.16: ") and "MiB, fetched from mirror" in line
               for line in lines), lines
    monkeypatch.setenv("K8SLAB_MIRROR", "ftp://nope")
    assert not doctor._check_downloads().ok


def test_a_long_download_says_how_far_it_got(tmp_path, serve, monkeypatch):
    root = _mirror(tmp_path, "etcd", _fake(tmp_path, "etcd"))
    monkeypatch.setattr(fetch, "PROGRESS_EVERY", -1.0)  # a line before every chunk
    said: list[str] = []
    gobuild.build(["etcd"], mirror=serve(root), echo=said.append)
    assert any(line.startswith("  still fetching etcd: ") and line.endswith(" MiB") for line in said), said
