"""Fetch first, build as fallback, against a mirror served on 127.0.0.1.

The mirror is laid out by ``k8slab mirror export`` from the binaries built on this machine
(~/.cache/k8slab/bin) and served by a thread of this test; k8slab's cache for the test is a
tmp directory, so nothing of the real cache is written.
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from _mirror_server import serving

from k8slab.engine import fetch, fetch_catalog, fetch_export, gobuild, versions
from k8slab.errors import BuildError

REAL_CACHE = Path(os.environ.get("K8SLAB_CACHE_DIR") or Path.home() / ".cache" / "k8slab")


@pytest.fixture
def serve():
    """serve(directory) -> base URL of a server on 127.0.0.1 holding it (``.seen``: paths asked)."""
    with serving() as start:
        yield start


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("K8SLAB_MIRROR", raising=False)
    return gobuild.component("kubernetes")


def _no_go(monkeypatch):
    def check_go():
        raise BuildError("Go is not installed (needed to build the engine): install Go 1.26+")

    monkeypatch.setattr(gobuild, "check_go", check_go)


def _export(mirror: Path, binaries: dict[str, Path], component: str = "kubernetes") -> None:
    version = gobuild.component(component).version
    fetch_export.export(mirror, {component: (version, binaries)}, fetch.host_platform())


def _art(name: str = "kubectl") -> fetch_catalog.Artifact:
    return fetch_catalog.artifact_for("kubernetes", name, versions.KUBERNETES, fetch.host_platform())


def _small_mirror(tmp_path, name="kubectl", body=b"\x7fELF fake kubectl\n" * 4096) -> Path:
    src = tmp_path / "src" / name
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(body)
    _export(tmp_path / "mirror", {name: src})
    return tmp_path / "mirror"


def _left_in(comp) -> list[str]:
    return sorted(p.name for p in comp.bin_dir.iterdir()) if comp.bin_dir.exists() else []


def test_binaries_built_here_are_fetched_verified_and_used(tmp_path, serve, cache, monkeypatch):
    real = gobuild.Component(cache.name, cache.module, cache.version, cache.packages)
    real_bin = REAL_CACHE / "bin" / f"kubernetes-{versions.KUBERNETES}" / "kubectl"
    if not real_bin.is_file():
        pytest.skip(f"kubectl {versions.KUBERNETES} is not built on this machine yet (k8slab build)")
    mirror = tmp_path / "mirror"
    _export(mirror, {"kubectl": real_bin})
    art = _art()
    assert (mirror / art.mirror_path()).is_file() and (mirror / art.mirror_checksum_path).read_text().strip()
    url = serve(mirror)
    monkeypatch.setattr(gobuild, "check_go", lambda: pytest.fail("nothing may be built"))
    said: list[str] = []
    got = gobuild.build(["kubectl"], mirror=url, echo=said.append, report=True)

    assert got == [real.binary("kubectl")]
    assert gobuild.cached_problem(real, "kubectl") is None  # what up checks before it starts
    assert gobuild.cached_problem(real, "kubectl", thorough=False) is None
    assert gobuild.origin(real, "kubectl") == f"fetched from mirror {url}/{art.path}"
    assert real.binary("kubectl").read_bytes() == real_bin.read_bytes()
    assert any(line.startswith(f"fetching kubectl from {url}/{art.path} (") for line in said)
    assert any(line.startswith("  kubectl v1.37.2: ") and line.endswith(f"fetched from mirror {url}/{art.path}")
               for line in said), said
    assert any(line.startswith("fetched 1 binaries (") and "SHA-256 verified" in line for line in said)
    out = subprocess.run([str(real.binary("kubectl")), "version", "--client"], capture_output=True,
                         text=True, timeout=30)
    assert versions.KUBERNETES in out.stdout
    assert _left_in(real) == [".k8slab-build.json", "kubectl"]


def test_a_wrong_checksum_is_refused_and_nothing_cached(tmp_path, serve, cache, monkeypatch):
    mirror = _small_mirror(tmp_path)
    (mirror / _art().mirror_checksum_path).write_text("0" * 64 + "  kubectl\n")
    _no_go(monkeypatch)
    with pytest.raises(BuildError, match=r"does not match its published SHA-256 .*refused, nothing "
                                         r"was cached.*--from-source"):
        gobuild.build(["kubectl"], mirror=serve(mirror), echo=lambda _l: None)
    assert _left_in(cache) == []


def test_a_truncated_download_is_refused_and_nothing_cached(tmp_path, serve, cache, monkeypatch):
    mirror = _small_mirror(tmp_path)
    art = _art()
    _no_go(monkeypatch)
    with pytest.raises(BuildError, match=r"was cut off after \d+ of \d+ bytes; nothing was cached"):
        gobuild.build(["kubectl"], mirror=serve(mirror, truncate=(art.path,)), echo=lambda _l: None)
    assert _left_in(cache) == []


def test_a_full_disk_is_one_message_and_nothing_cached(tmp_path, serve, cache, monkeypatch):
    mirror = _small_mirror(tmp_path)
    real_open = open

    class Full:
        def __init__(self, f):
            self.f = f

        def write(self, _data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.setattr(fetch, "open", lambda path, mode="r", *a, **k: Full(real_open(path, mode, *a, **k)),
                        raising=False)
    with pytest.raises(BuildError, match=r"is full; nothing was cached"):
        gobuild.build(["kubectl"], mirror=serve(mirror), echo=lambda _l: None)
    assert _left_in(cache) == []


def test_an_unreachable_mirror_falls_back_to_the_build(tmp_path, cache, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens there once the socket is closed
    _no_go(monkeypatch)
    said: list[str] = []
    with pytest.raises(BuildError, match="Go is not installed"):
        gobuild.build(["kubectl", "kube-scheduler"], mirror=f"http://127.0.0.1:{closed}",
                      echo=said.append)
    assert any(line.startswith(f"cannot fetch from 127.0.0.1:{closed}: ") and "not reachable" in line
               and line.endswith("building from Go modules instead") for line in said), said
    assert sum("cannot fetch" in line for line in said) == 1  # one try, not one per binary
    assert _left_in(cache) == []


def test_what_the_mirror_lacks_is_built_the_rest_fetched(tmp_path, serve, cache, monkeypatch):
    url = serve(_small_mirror(tmp_path))
    _no_go(monkeypatch)
    said: list[str] = []
    with pytest.raises(BuildError, match="Go is not installed"):
        gobuild.build(["kubectl", "kube-scheduler"], mirror=url, echo=said.append)
    assert gobuild.cached_problem(cache, "kubectl") is None
    assert gobuild.cached_problem(cache, "kube-scheduler") == "missing"
    assert any(line.startswith("cannot fetch kube-scheduler: ") and "HTTP 404" in line for line in said)


def test_the_environment_variable_names_the_mirror_and_bad_urls_are_refused(monkeypatch):
    monkeypatch.setenv("K8SLAB_MIRROR", "http://teacher.local:8000/")
    assert fetch.mirror_url() == "http://teacher.local:8000"
    assert fetch.mirror_url("http://other:1") == "http://other:1"
    monkeypatch.delenv("K8SLAB_MIRROR")
    assert fetch.mirror_url() is None  # the official sites
    with pytest.raises(BuildError, match=r"not an http\(s\) URL"):
        fetch.mirror_url("ftp://x")
    art = fetch_catalog.artifact_for("kubernetes", "kubelet", "v1.37.2", ("linux", "arm64"))
    assert art.official_url() == "https://dl.k8s.io/release/v1.37.2/bin/linux/arm64/kubelet"
    assert art.mirror_path() == "release/v1.37.2/bin/linux/arm64/kubelet"


def test_cli_mirror_export_and_bad_mirror(tmp_path):
    env = dict(os.environ, K8SLAB_CACHE_DIR=str(tmp_path / "empty"))
    proc = subprocess.run([sys.executable, "-m", "k8slab", "mirror", "export", str(tmp_path / "m")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1 and proc.stderr.startswith("error: no binary is cached yet")
    proc = subprocess.run([sys.executable, "-m", "k8slab", "build", "--mirror", "ftp://x", "kubectl"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "is not an http(s) URL" in proc.stderr


def test_from_source_fetches_nothing(tmp_path, serve, cache, monkeypatch):
    url = serve(_small_mirror(tmp_path))
    _no_go(monkeypatch)
    for kwargs, env in (({"from_source": True}, None), ({}, "1")):
        if env:
            monkeypatch.setenv("K8SLAB_FROM_SOURCE", env)
        said: list[str] = []
        with pytest.raises(BuildError, match="Go is not installed"):
            gobuild.build(["kubectl"], mirror=url, echo=said.append, **kwargs)
        assert not any("fetch" in line for line in said)
        assert _left_in(cache) == []


def test_cli_mirror_export_writes_the_official_layout(tmp_path):
    real = REAL_CACHE / "bin" / f"kubernetes-{versions.KUBERNETES}"
    if not (real / "kubectl").is_file():
        pytest.skip("the Kubernetes binaries are not built on this machine yet (k8slab build)")
    env = dict(os.environ, K8SLAB_CACHE_DIR=str(REAL_CACHE))
    out = tmp_path / "m"
    proc = subprocess.run([sys.executable, "-m", "k8slab", "mirror", "export", str(out)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "python3 -m http.server --directory" in proc.stdout
    from k8slab.engine.digest import sha256_file

    art = _art()
    assert (out / art.mirror_checksum_path).read_text().strip() == sha256_file(out / art.mirror_path())
    assert "github.com/etcd-io/etcd/releases/download/" in proc.stdout
    (tmp_path / "a-file").write_text("not a directory")  # refused even for root
    proc = subprocess.run([sys.executable, "-m", "k8slab", "mirror", "export", str(tmp_path / "a-file" / "x")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: cannot write the mirror to {tmp_path / 'a-file' / 'x'}: Not a directory")
