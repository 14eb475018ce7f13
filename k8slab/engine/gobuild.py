"""Build the engine's binaries from pinned Go modules, cached per version.

Kubernetes cannot be built with ``go install pkg@version``: its go.mod requires
every staging module (k8s.io/api, k8s.io/client-go, ...) at ``v0.0.0`` and
replaces them with local directories. So each component is built from a small
consumer module generated in the cache, whose ``replace`` lines point every
staging module at the matching published ``v0.<minor>.<patch>`` version. The
staging list is read from the pinned k8s.io/kubernetes go.mod itself, so a
version bump in :mod:`k8slab.engine.versions` is the only edit needed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable

from ..errors import BuildError
from . import paths, versions
from .progress import Ticker, fmt_duration

STAMP = ".k8slab-build.json"


@dataclasses.dataclass(frozen=True)
class Component:
    """One Go module and the binaries built from it."""

    name: str
    module: str
    version: str
    packages: dict[str, str]  # binary name -> Go package path
    ldflags: tuple[str, ...] = ()

    @property
    def bin_dir(self) -> Path:
        return paths.bin_dir(self.name, self.version)

    def binary(self, name: str) -> Path:
        return self.bin_dir / name


def _kubernetes_ldflags(version: str) -> tuple[str, ...]:
    major, minor = version.lstrip("v").split(".")[:2]
    flags = []
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [f"-X {pkg}.gitVersion={version}", f"-X {pkg}.gitMajor={major}",
                  f"-X {pkg}.gitMinor={minor}", f"-X {pkg}.gitTreeState=clean"]
    return tuple(flags)


def components() -> list[Component]:
    """The pinned components, in build order."""
    k8s = versions.KUBERNETES
    return [
        Component("etcd", "go.etcd.io/etcd/server/v3", versions.ETCD,
                  {"etcd": "go.etcd.io/etcd/server/v3"}),
        Component("kwok", "sigs.k8s.io/kwok", versions.KWOK,
                  {"kwok": "sigs.k8s.io/kwok/cmd/kwok", "kwokctl": "sigs.k8s.io/kwok/cmd/kwokctl"},
                  (f"-X sigs.k8s.io/kwok/pkg/consts.Version={versions.KWOK.lstrip('v')}",
                   f"-X sigs.k8s.io/kwok/pkg/consts.KubeVersion={k8s.lstrip('v')}")),
        Component("kubernetes", "k8s.io/kubernetes", k8s,
                  {name: f"k8s.io/kubernetes/cmd/{name}" for name in
                   ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")},
                  _kubernetes_ldflags(k8s)),
    ]


def component(name: str) -> Component:
    """Look up a pinned component by name (``etcd``, ``kwok``, ``kubernetes``)."""
    for comp in components():
        if comp.name == name:
            return comp
    raise KeyError(name)


def binary(name: str) -> Path:
    """Path of a cached binary by its name (``kube-apiserver``, ``kwokctl``, ...)."""
    for comp in components():
        if name in comp.packages:
            return comp.binary(name)
    raise KeyError(name)


# --- Go toolchain -------------------------------------------------------------------------


def go_env() -> dict[str, str]:
    """Environment for every ``go`` call: static binaries, the machine's own toolchain."""
    env = dict(os.environ)
    env.setdefault("GOTOOLCHAIN", "local")
    env["CGO_ENABLED"] = "0"
    env["GOFLAGS"] = "-mod=mod"
    env.setdefault("GOPROXY", "https://proxy.golang.org,direct")
    return env


def go_version() -> tuple[int, int, int] | None:
    """The ``go`` on PATH as (major, minor, patch), or None when there is none."""
    go = shutil.which("go")
    if not go:
        return None
    try:
        out = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True,
                             timeout=30, env=go_env()).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.match(r"go(\d+)\.(\d+)(?:\.(\d+))?", out)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def check_go() -> tuple[int, int, int]:
    """Return the Go version, or raise :class:`BuildError` saying how to get a usable one."""
    ver = go_version()
    need = ".".join(map(str, versions.GO_MIN))
    if ver is None:
        raise BuildError(f"Go is not installed or not on PATH; the engine needs Go {need}+. "
                         f"Install it (https://go.dev/doc/install) and run: k8slab build")
    if ver[:2] < versions.GO_MIN:
        have = ".".join(map(str, ver))
        raise BuildError(f"Go {have} is too old; the engine needs Go {need}+. Upgrade Go, or let "
                         f"it fetch a newer toolchain: GOTOOLCHAIN=go{need}.0+auto k8slab build")
    return ver


# --- the cache ----------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_stamp(comp: Component) -> dict:
    try:
        return json.loads((comp.bin_dir / STAMP).read_text())
    except (OSError, ValueError):
        return {}


def _record(path: Path) -> dict:
    st = path.stat()
    return {"sha256": _sha256(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def cached_problem(comp: Component, name: str, *, thorough: bool = True) -> str | None:
    """Why a cached binary is unusable ("missing", "corrupted ..."), or None when it is fine.

    ``thorough`` re-hashes the binary against its build record; otherwise size and
    modification time are compared (``k8slab up`` runs this on every start, and hashing
    the ~500 MB of binaries took seconds on a loaded machine).
    """
    path = comp.binary(name)
    if not path.exists():
        return "missing"
    want = _read_stamp(comp).get(name)
    if not want:
        return "missing build record"
    if isinstance(want, str):  # records written before size/mtime were kept
        want = {"sha256": want}
    if not os.access(path, os.X_OK):
        return "not executable"
    corrupted = "corrupted (checksum differs from the build record)"
    if thorough or "size" not in want:
        return corrupted if _sha256(path) != want["sha256"] else None
    st = path.stat()
    if st.st_size != want["size"] or st.st_mtime_ns != want["mtime_ns"]:
        return corrupted if _sha256(path) != want["sha256"] else None
    return None


def stage_root() -> Path:
    """KWOK's default stage files, copied from the pinned module next to its binaries."""
    return component("kwok").bin_dir / "stages"


def _copy_kwok_stages(comp: Component) -> None:
    info = json.loads(_run_go(["list", "-m", "-json", comp.module], module_dir(comp),
                              "kwok (locate module)"))
    src = Path(info["Dir"]) / "kustomize" / "stage"
    dst = stage_root()
    tmp = dst.with_name(".stages.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    for path in tmp.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # the module cache is read-only
    shutil.rmtree(dst, ignore_errors=True)
    os.replace(tmp, dst)


def missing(comps: list[Component] | None = None, *,
            thorough: bool = True) -> list[tuple[Component, str, str]]:
    """Every (component, binary, problem) that needs building."""
    out = []
    for comp in comps or components():
        for name in comp.packages:
            problem = cached_problem(comp, name, thorough=thorough)
            if problem:
                out.append((comp, name, problem))
    return out


# --- building -----------------------------------------------------------------------------


def _run_go(args: list[str], cwd: Path, what: str) -> str:
    try:
        proc = subprocess.run(["go", *args], cwd=cwd, env=go_env(), capture_output=True, text=True)
    except OSError as exc:
        raise BuildError(f"could not run go for {what}: {exc}") from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise BuildError(f"building {what} failed (go {args[0]}, exit {proc.returncode}):\n{tail}\n"
                         f"Fix the cause above, then run: k8slab build")
    return proc.stdout


def _staging_modules(work: Path, version: str) -> list[str]:
    """The k8s.io modules that k8s.io/kubernetes at ``version`` requires at v0.0.0."""
    info = json.loads(_run_go(["mod", "download", "-json", f"k8s.io/kubernetes@{version}"],
                              work, "k8s.io/kubernetes (download)"))
    text = Path(info["GoMod"]).read_text()
    return sorted(set(re.findall(r"^\s*(k8s\.io/[\w.-]+) v0\.0\.0\s*$", text, re.M)))


def module_dir(comp: Component) -> Path:
    """The generated consumer module for a component (kept in the cache, not the repo)."""
    return paths.cache_dir() / "src" / f"{comp.name}-{comp.version}"


def write_module(comp: Component) -> Path:
    """Write the consumer module's go.mod (with staging replaces for Kubernetes)."""
    work = module_dir(comp)
    work.mkdir(parents=True, exist_ok=True)
    lines = [f"module k8slab.local/engine/{comp.name}", "", "go 1.26.0", "",
             f"require {comp.module} {comp.version}", ""]
    if comp.name == "kubernetes":
        staging = versions.staging_version(comp.version)
        lines.append("replace (")
        lines += [f"\t{mod} => {mod} {staging}" for mod in _staging_modules(work, comp.version)]
        lines.append(")")
    gomod = work / "go.mod"
    text = "\n".join(lines) + "\n"
    if not gomod.exists() or gomod.read_text() != text:
        gomod.write_text(text)
    return work


def build(names: list[str] | None = None, *, force: bool = False,
          echo: Callable[[str], None] = print) -> list[Path]:
    """Build the missing (or, with ``force``, all) binaries; return the paths built.

    Args:
        names: binary names to consider (default: all of them).
        force: rebuild even when the cached binary is fine.
        echo: where progress lines go.
    """
    todo = []
    for comp in components():
        for name in comp.packages:
            if names and name not in names:
                continue
            problem = cached_problem(comp, name)
            if force or problem:
                todo.append((comp, name, problem or "forced"))
    kwok = component("kwok")
    need_stages = force or not (stage_root() / "pod").is_dir()
    if not todo and not need_stages:
        echo("all engine binaries are cached in " + str(paths.cache_dir() / "bin"))
        return []
    check_go()
    built: list[Path] = []
    started = time.monotonic()
    for i, (comp, name, problem) in enumerate(todo, 1):
        label = f"[{i}/{len(todo)}] {name} {comp.version}"
        work = write_module(comp)
        comp.bin_dir.mkdir(parents=True, exist_ok=True)
        tmp = comp.bin_dir / f".{name}.tmp"
        with Ticker(echo, f"building {label} ({problem})"):
            _run_go(["build", "-trimpath", "-ldflags", " ".join(("-s", "-w", *comp.ldflags)),
                     "-o", str(tmp), comp.packages[name]], work, f"{name} {comp.version}")
        os.replace(tmp, comp.binary(name))
        stamp = _read_stamp(comp)
        stamp[name] = _record(comp.binary(name))
        (comp.bin_dir / STAMP).write_text(json.dumps(stamp, indent=1, sort_keys=True))
        built.append(comp.binary(name))
    if need_stages:
        write_module(kwok)
        _copy_kwok_stages(kwok)
        echo(f"copied KWOK's default stages to {stage_root()}")
    echo(f"built {len(built)} binaries in {fmt_duration(time.monotonic() - started)}; "
         f"cache: {paths.cache_dir() / 'bin'}")
    return built

