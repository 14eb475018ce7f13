"""macOS and Windows: ``auto`` picks only kind, the Linux-only engines refuse clearly, no fcntl crash.

``sys.platform`` is faked; fcntl is hidden by setting ``sys.modules["fcntl"] = None`` (an
import of it then raises ImportError, as on Windows).
"""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from _fake_kind import install
from k8slab.engine import cluster, doctor, hostos, kind
from k8slab.errors import EngineError


@pytest.fixture(params=["darwin", "win32"])
def not_linux(request, monkeypatch):
    monkeypatch.setattr(sys, "platform", request.param)
    from k8slab.engine import local

    def never(*_a):
        raise AssertionError("the real-node engine must not even be probed off Linux")

    monkeypatch.setattr(local, "usable", never)
    return {"darwin": "macOS", "win32": "Windows"}[request.param]


def test_auto_picks_kind_there_or_says_what_to_install(not_linux, monkeypatch):
    assert hostos.engines() == ("kind",)
    monkeypatch.setattr(kind, "usable", lambda: (True, "kind v0.33.0"))
    assert cluster.pick_engine("auto") == "kind"
    monkeypatch.setattr(kind, "usable", lambda: (False, "no Docker daemon answers"))
    with pytest.raises(EngineError, match=rf"on {not_linux} the lab runs on the kind engine only, "
                                          r"and it cannot run: no Docker daemon answers\. Install "
                                          r"and start Docker Desktop"):
        cluster.pick_engine("auto")


@pytest.mark.parametrize("engine", ["local", "kwok"])
def test_linux_only_engines_refuse_with_the_way_out(not_linux, engine):
    with pytest.raises(EngineError, match=rf"the {engine} engine runs on Linux only; on {not_linux} "
                                          r"the lab runs on kind.*k8slab up --engine kind"):
        cluster.pick_engine(engine)


def test_linux_keeps_all_three(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert hostos.engines() == ("kind", "local", "kwok")
    hostos.require("local")  # no error


def test_lock_without_fcntl_uses_msvcrt(monkeypatch, tmp_path):
    monkeypatch.setenv("K8SLAB_STATE_DIR", str(tmp_path))
    monkeypatch.setitem(sys.modules, "fcntl", None)
    held: set[int] = set()
    calls: list[int] = []

    def locking(fd, mode, nbytes):
        calls.append(mode)
        key = 1  # one lock file per cluster name: one region
        if mode == fake.LK_NBLCK:
            if key in held:
                raise OSError(36, "Resource deadlock avoided")
            held.add(key)
        elif mode == fake.LK_UNLCK:
            held.discard(key)

    fake = types.SimpleNamespace(LK_NBLCK=2, LK_UNLCK=0, locking=locking)
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    with cluster.lock("x"):
        with pytest.raises(EngineError, match="another k8slab command holds cluster 'x'"):
            with cluster.lock("x", timeout=0.3):
                pass
    assert calls[0] == fake.LK_NBLCK and calls[-1] == fake.LK_UNLCK and not held


def test_the_cli_and_engine_modules_import_without_fcntl():
    code = ("import sys; sys.modules['fcntl'] = None\n"
            "import k8slab.cli, k8slab.engine.cluster, k8slab.engine.doctor, k8slab.engine.kind_images\n"
            "import k8slab.engine.images.build\n"
            "print('imported')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "imported", proc.stderr


def test_doctor_there_judges_for_kind(not_linux, tmp_path, monkeypatch):
    if sys.platform == "win32":
        # shutil.which looks for docker.exe when it believes it is on Windows: fake the answers
        monkeypatch.setattr(kind.shutil, "which", lambda cmd, *a, **k: str(tmp_path / "fakebin" / cmd))
    tools = install(tmp_path, monkeypatch)
    monkeypatch.setenv("K8SLAB_CACHE_DIR", str(tmp_path / "cache"))
    checks = {c.name: c for c in doctor.run("k8slab")}
    assert checks["engine"].detail.startswith("kind (")
    assert "real nodes" not in checks
    assert not [c for c in checks.values() if not c.ok and c.required]
    tools.set("docker-down", True)
    checks = {c.name: c for c in doctor.run("k8slab")}
    assert checks["engine"].detail.startswith(f"kind (on {not_linux} the lab runs on the kind engine only")
    assert not checks["docker"].ok and checks["docker"].required
    local = {c.name: c for c in doctor.run("k8slab", engine="local")}
    assert local["real nodes"].required and "Linux only" in local["real nodes"].detail
