"""Build the engine's binaries from pinned Go modules, cached per version.

Kubernetes cannot be built with ``go install pkg@version``: its go.mod requires
every staging module (k8s.io/api, k8s.io/client-go, ...) at ``v0.0.0`` and
replaces them with local directories. So each component is built from a small
consumer module generated in the cache, whose ``replace`` lines point every
staging module at the matching published ``v0.<minor>.<patch>`` version. The
staging list is read from the pinned k8s.io/kubernetes go.mod itself, so a
version bump in :mod:`k8slab.engine.versions` is the only edit needed.

Two components (CoreDNS with a small plugin set, and ``k8slab-registry``) are built from
main packages k8slab ships in ``gosrc/<name>/``, copied into their consumer module.

Engines need different sets (:func:`binaries_for`): the kwok engine only the control plane
and KWOK, the local engine also what real nodes run (kubelet, containerd, CoreDNS, ...).
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
from typing import Callable, Mapping, Sequence

from ..errors import BuildError
from . import paths, traefikmod, versions
from .progress import Ticker, fmt_duration
from .digest import sha256_file as _sha256

STAMP = ".k8slab-build.json"
GOSRC = Path(__file__).with_name("gosrc")
ENGINES = ("kwok", "local", "kind")
DEFAULT_ENGINE = "kwok"
"""What :func:`missing` and :func:`build` cover when given no names: existing callers (``k8slab up``
on KWOK, ``k8slab build``) keep building only the control plane and KWOK."""


@dataclasses.dataclass(frozen=True)
class Component:
    """One Go module and the binaries built from it."""

    name: str
    module: str
    version: str
    packages: dict[str, str]  # binary name -> Go package path
    ldflags: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    local_only: frozenset[str] = frozenset()
    """Binaries only the local (real-node) engine needs; the kwok engine skips them."""
    main_src: str = ""
    """A directory under ``gosrc/`` whose Go files become the consumer module's main package."""
    binary_ldflags: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    """Extra ``-X`` flags for one binary (its ``main`` package's variables)."""
    addon: str = ""
    """The addon (``ingress``) whose command builds this component; no engine builds it."""

    @property
    def bin_dir(self) -> Path:
        return paths.bin_dir(self.name, self.version)

    def binary(self, name: str) -> Path:
        return self.bin_dir / name

    def link_flags(self, name: str) -> str:
        """The ``-ldflags`` value for one binary: stripped, with the version stamps."""
        return " ".join(("-s", "-w", *self.ldflags, *self.binary_ldflags.get(name, ())))

    def build_args(self, name: str, out: Path) -> list[str]:
        """Arguments of the ``go`` call that builds one binary to ``out``."""
        args = ["build", "-trimpath"]
        if self.tags:
            args += ["-tags", ",".join(self.tags)]
        return [*args, "-ldflags", self.link_flags(name), "-o", str(out), self.packages[name]]


def _kubernetes_ldflags(version: str) -> tuple[str, ...]:
    major, minor = version.lstrip("v").split(".")[:2]
    flags = []
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [f"-X {pkg}.gitVersion={version}", f"-X {pkg}.gitMajor={major}",
                  f"-X {pkg}.gitMinor={minor}", f"-X {pkg}.gitTreeState=clean"]
    return tuple(flags)


def _consumer(name: str) -> str:
    return f"k8slab.local/engine/{name}"


_KUBE_NODE = ("kubelet", "kube-proxy", "agnhost")
_CONTAINERD_VERSION_PKG = "github.com/containerd/containerd/v2/version"
_CONTAINERD_TAGS = ("no_btrfs", "no_devmapper", "no_zfs", "static_build", "netgo", "osusergo")


def components() -> list[Component]:
    """The pinned components, in build order."""
    k8s = versions.KUBERNETES
    kube = {name: f"k8s.io/kubernetes/cmd/{name}" for name in
            ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl",
             "kubelet", "kube-proxy")}
    kube["agnhost"] = "k8s.io/kubernetes/test/images/agnhost"
    containerd = {name: f"github.com/containerd/containerd/v2/cmd/{name}"
                  for name in ("containerd", "containerd-shim-runc-v2", "ctr")}
    return [
        Component("etcd", "go.etcd.io/etcd/server/v3", versions.ETCD,
                  {"etcd": "go.etcd.io/etcd/server/v3"}),
        Component("kwok", "sigs.k8s.io/kwok", versions.KWOK,
                  {"kwok": "sigs.k8s.io/kwok/cmd/kwok", "kwokctl": "sigs.k8s.io/kwok/cmd/kwokctl"},
                  (f"-X sigs.k8s.io/kwok/pkg/consts.Version={versions.KWOK.lstrip('v')}",
                   f"-X sigs.k8s.io/kwok/pkg/consts.KubeVersion={k8s.lstrip('v')}")),
        Component("kubernetes", "k8s.io/kubernetes", k8s, kube, _kubernetes_ldflags(k8s),
                  local_only=frozenset(_KUBE_NODE),
                  binary_ldflags={"agnhost": (f"-X main.Version={versions.AGNHOST}",)}),
        Component("containerd", "github.com/containerd/containerd/v2", versions.CONTAINERD,
                  containerd,
                  (f"-X {_CONTAINERD_VERSION_PKG}.Version={versions.CONTAINERD}",),
                  tags=_CONTAINERD_TAGS, local_only=frozenset(containerd)),
        Component("coredns", "github.com/coredns/coredns", versions.COREDNS,
                  {"coredns": _consumer("coredns")},
                  (f"-X github.com/coredns/coredns/coremain.gitTag={versions.COREDNS}",),
                  local_only=frozenset({"coredns"}), main_src="coredns"),
        Component("registry", "github.com/google/go-containerregistry",
                  versions.GO_CONTAINERREGISTRY, {"k8slab-registry": _consumer("registry")},
                  local_only=frozenset({"k8slab-registry"}), main_src="registry"),
        Component("traefik", traefikmod.MODULE, versions.TRAEFIK,
                  {"traefik": f"{traefikmod.MODULE}/cmd/traefik"},
                  (f"-X {traefikmod.MODULE}/pkg/version.Version={versions.TRAEFIK}",),
                  addon="ingress"),
    ]


def binaries_for(engine: str) -> list[str]:
    """The binary names an engine needs, in build order.

    ``kwok`` needs the control plane and KWOK; ``local`` (real nodes) needs those plus
    kubelet, kube-proxy, agnhost, containerd and its shim, ctr, CoreDNS and k8slab-registry;
    ``kind`` builds nothing (kind brings its own node images).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if engine == "kind":
        return []
    return [name for comp in components() if not comp.addon for name in comp.packages
            if engine == "local" or name not in comp.local_only]


def binaries_for_addon(addon: str) -> list[str]:
    """The binary names an addon (``ingress``) builds for the real-node engine."""
    return [name for comp in components() if comp.addon == addon for name in comp.packages]


def component(name: str) -> Component:
    """Look up a pinned component by name (``etcd``, ``kwok``, ``kubernetes``, ``containerd``,
    ``coredns``, ``registry``)."""
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


def agnhost_version() -> str:
    """agnhost's version as the pinned k8s.io/kubernetes module states it (its VERSION file).

    Downloads the module when the Go module cache lacks it; :data:`versions.AGNHOST` holds
    the same value for callers that must not touch the network.
    """
    root = _module_root(component("kubernetes"))
    return (root / "test" / "images" / "agnhost" / "VERSION").read_text().strip()


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


def _read_stamp(comp: Component) -> dict:
    try:
        return json.loads((comp.bin_dir / STAMP).read_text())
    except (OSError, ValueError):
        return {}


def _record(path: Path) -> dict:
    st = path.stat()
    return {"sha256": _sha256(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def source_digest(comp: Component) -> str | None:
    """A digest of the Go files k8slab ships for a component's main package (None: none)."""
    if not comp.main_src:
        return None
    h = hashlib.sha256()
    for path in sorted((GOSRC / comp.main_src).glob("*.go")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def cached_problem(comp: Component, name: str, *, thorough: bool = True) -> str | None:
    """Why a cached binary is unusable ("missing", "corrupted ..."), or None when it is fine.

    ``thorough`` re-hashes the binary against its build record; otherwise size and
    modification time are compared (``k8slab up`` runs this on every start, and hashing
    the ~500 MB of binaries took seconds on a loaded machine). A binary built from
    k8slab's own ``gosrc/`` is stale when those files changed since.
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
    if comp.main_src and not want.get("origin") and want.get("source") != source_digest(comp):
        return f"stale (k8slab's gosrc/{comp.main_src} changed since it was built)"
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
    for path in (tmp, *tmp.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)  # the module cache is read-only
    shutil.rmtree(dst, ignore_errors=True)
    os.replace(tmp, dst)


def missing(comps: list[Component] | None = None, *, thorough: bool = True,
            engine: str | None = DEFAULT_ENGINE) -> list[tuple[Component, str, str]]:
    """Every (component, binary, problem) that needs building.

    Args:
        comps: components to look at (default: all).
        thorough: see :func:`cached_problem`.
        engine: only the binaries this engine needs (:func:`binaries_for`); None: every
            binary. The default, ``kwok``, is what ``k8slab up`` on KWOK needs.
    """
    wanted = set(binaries_for(engine)) if engine else None
    out = []
    for comp in comps or components():
        for name in comp.packages:
            if wanted is not None and name not in wanted:
                continue
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


def _module_root(comp: Component) -> Path:
    """Where the Go module cache holds a component's pinned module (downloading it if need be)."""
    work = module_dir(comp)
    work.mkdir(parents=True, exist_ok=True)
    info = json.loads(_run_go(["mod", "download", "-json", f"{comp.module}@{comp.version}"],
                              work, f"{comp.module} (download)"))
    return Path(info["Dir"])


def _check_agnhost_pin() -> None:
    found = agnhost_version()
    if found != versions.AGNHOST:
        raise BuildError(f"k8s.io/kubernetes {versions.KUBERNETES} holds agnhost {found}, but "
                         f"k8slab/engine/versions.py pins AGNHOST = {versions.AGNHOST!r}; "
                         f"set it to {found!r}, then run: k8slab build")


def module_dir(comp: Component) -> Path:
    """The generated consumer module for a component (kept in the cache, not the repo)."""
    return paths.cache_dir() / "src" / f"{comp.name}-{comp.version}"


def go_mod_text(comp: Component, staging_modules: Sequence[str] = (),
                extra: Sequence[str] = ()) -> str:
    """The consumer module's go.mod: require the pinned module, replace staging modules, and
    any ``extra`` lines (Traefik's, from :func:`traefikmod.prepare`)."""
    lines = [f"module {_consumer(comp.name)}", "", "go 1.26.0", "",
             f"require {comp.module} {comp.version}", ""]
    if comp.name == "kubernetes":
        staging = versions.staging_version(comp.version)
        lines.append("replace (")
        lines += [f"\t{mod} => {mod} {staging}" for mod in staging_modules]
        lines.append(")")
    lines += extra
    return "\n".join(lines) + "\n"


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def write_module(comp: Component) -> Path:
    """Write the consumer module: its go.mod (with staging replaces for Kubernetes) and,
    for a component with ``main_src``, k8slab's main package copied from ``gosrc/``."""
    work = module_dir(comp)
    work.mkdir(parents=True, exist_ok=True)
    staging = _staging_modules(work, comp.version) if comp.name == "kubernetes" else []
    if comp.name == "traefik" and not (work / "go.mod").exists():
        # go mod download needs a module to run in; Traefik's lines come from its own go.mod
        _write_if_changed(work / "go.mod", go_mod_text(comp))
    extra = traefikmod.prepare(work, _run_go) if comp.name == "traefik" else []
    _write_if_changed(work / "go.mod", go_mod_text(comp, staging, extra))
    if comp.main_src:
        sources = {p.name: p.read_text() for p in (GOSRC / comp.main_src).glob("*.go")}
        if not sources:
            raise BuildError(f"no Go files in {GOSRC / comp.main_src}; reinstall k8slab")
        for old in work.glob("*.go"):
            if old.name not in sources:
                old.unlink()
        for filename, text in sources.items():
            _write_if_changed(work / filename, text)
    return work


def _fetch_first(todo: list[tuple[Component, str, str]], mirror: str | None,
                 echo: Callable[[str], None]) -> tuple[list[tuple[Component, str, str]], list[Path], bool]:
    """Fetch what has a release file (checksum verified); return (still to build, fetched,
    whether every source asked answered)."""
    from . import fetch

    mirror = fetch.mirror_url(mirror)
    started = time.monotonic()
    got, rest, down = fetch.fetch_missing([(comp.name, comp.version, name, comp.binary(name))
                                     for comp, name, _problem in todo], mirror, echo)
    fetched = []
    for comp, name, _problem in todo:
        if name in got:
            stamp = _read_stamp(comp)
            stamp[name] = {**_record(comp.binary(name)), "origin": got[name],
                           "via": "mirror" if mirror else "official"}
            (comp.bin_dir / STAMP).write_text(json.dumps(stamp, indent=1, sort_keys=True))
            fetched.append(comp.binary(name))
    if fetched:
        size = sum(p.stat().st_size for p in fetched)
        echo(f"fetched {len(fetched)} binaries ({size / 2**20:.0f} MiB, SHA-256 verified) from "
             f"{mirror or 'the official release sites'} in {fmt_duration(time.monotonic() - started)}")
    return [t for t in todo if t[1] in rest], fetched, not down


def _fetch_stages(mirror: str | None, echo: Callable[[str], None]) -> bool:
    """Fetch KWOK's default stages from a mirror (no official file holds them); True if done."""
    from . import fetch, fetch_catalog

    mirror = fetch.mirror_url(mirror)
    if not mirror:
        return False
    try:
        url = fetch.fetch_tree(fetch_catalog.stages_artifact(versions.KWOK), stage_root(), mirror, echo)
    except fetch.Unavailable as exc:
        echo(f"cannot fetch KWOK's stages: {exc}; copying them from its Go module")
        return False
    echo(f"fetched KWOK's default stages to {stage_root()} from {url}")
    return True


def origin(comp: Component, name: str) -> str:
    """Where a cached binary came from: ``fetched from <URL>``, ``fetched from mirror <URL>``
    or ``built from Go modules``."""
    rec = _read_stamp(comp).get(name)
    url = rec.get("origin") if isinstance(rec, dict) else None
    if not url:
        return "built from Go modules"
    return f"fetched from {'mirror ' if rec.get('via') == 'mirror' else ''}{url}"


def inventory(engine: str | None = DEFAULT_ENGINE, *, thorough: bool = False) -> list[dict]:
    """Each binary an engine needs (None: all) with its state: name, version, path, problem
    (None when usable), origin and size in bytes (0 when missing)."""
    wanted = set(binaries_for(engine)) if engine else None
    out = []
    for comp in components():
        for name in comp.packages:
            if wanted is not None and name not in wanted:
                continue
            path = comp.binary(name)
            problem = cached_problem(comp, name, thorough=thorough)
            out.append({"name": name, "component": comp.name, "version": comp.version,
                        "path": path, "problem": problem,
                        "origin": origin(comp, name) if problem != "missing" else "",
                        "size": path.stat().st_size if path.exists() else 0})
    return out


def describe(item: dict) -> str:
    """One line for a binary of :func:`inventory`: ``kubectl v1.37.2: 59.1 MiB, built from Go modules``."""
    state = item["problem"] or f"{item['size'] / 2**20:.1f} MiB, {item['origin']}"
    return f"{item['name']} {item['version']}: {state}"


def build(names: list[str] | None = None, *, engine: str | None = DEFAULT_ENGINE,
          force: bool = False, echo: Callable[[str], None] = print,
          from_source: bool = False, mirror: str | None = None, report: bool = False) -> list[Path]:
    """Build the missing (or, with ``force``, all) binaries; return the paths built.

    Each binary is cached on its own (per component version, with a build record), so
    building one never invalidates another.

    Args:
        names: binary names to consider; when given, ``engine`` is not consulted.
        engine: without ``names``, the binaries this engine needs (:func:`binaries_for`);
            None means every binary. The default, ``kwok``, keeps ``k8slab build`` and
            ``k8slab up`` on KWOK from building node binaries they never run.
        force: rebuild even when the cached binary is fine.
        echo: where progress lines go.
        from_source: build everything from Go modules, fetching nothing (also when
            ``$K8SLAB_FROM_SOURCE`` is set to anything but ``0``).
        mirror: fetch release binaries from this URL (default: ``$K8SLAB_MIRROR``, else the
            official sites; see :mod:`k8slab.engine.fetch`); what cannot be fetched is built.
        report: end with a line per binary considered: its size and where it came from.
    """
    wanted = set(names) if names else (set(binaries_for(engine)) if engine else None)
    todo = []
    for comp in components():
        for name in comp.packages:
            if wanted is not None and name not in wanted:
                continue
            problem = cached_problem(comp, name)
            if force or problem:
                todo.append((comp, name, problem or "forced"))
    kwok = component("kwok")
    # KWOK's stages serve the engines that run kwok; kind needs nothing built (nor Go)
    need_stages = (names is None and engine != "kind") and (force or not (stage_root() / "pod").is_dir())
    fetched: list[Path] = []
    from_source = from_source or os.environ.get("K8SLAB_FROM_SOURCE", "") not in ("", "0")
    answered = True
    if todo and not from_source:
        todo, fetched, answered = _fetch_first(todo, mirror, echo)
    if need_stages and not from_source and answered:
        need_stages = not _fetch_stages(mirror, echo)
    if not todo and not need_stages:
        if names is None and engine == "kind":
            echo("the kind engine needs nothing built (kind brings its own node image)")
        else:
            echo("all engine binaries are cached in " + str(paths.cache_dir() / "bin"))
            if report:
                _report(wanted, echo)
        return fetched
    check_go()
    built: list[Path] = list(fetched)
    started = time.monotonic()
    for i, (comp, name, problem) in enumerate(todo, 1):
        label = f"[{i}/{len(todo)}] {name} {comp.version}"
        work = write_module(comp)
        if name == "agnhost":
            _check_agnhost_pin()
        comp.bin_dir.mkdir(parents=True, exist_ok=True)
        tmp = comp.bin_dir / f".{name}.tmp"
        with Ticker(echo, f"building {label} ({problem})"):
            _run_go(comp.build_args(name, tmp), work, f"{name} {comp.version}")
        os.replace(tmp, comp.binary(name))
        stamp = _read_stamp(comp)
        stamp[name] = _record(comp.binary(name))
        if comp.main_src:
            stamp[name]["source"] = source_digest(comp)
        (comp.bin_dir / STAMP).write_text(json.dumps(stamp, indent=1, sort_keys=True))
        built.append(comp.binary(name))
    if need_stages:
        write_module(kwok)
        _copy_kwok_stages(kwok)
        echo(f"copied KWOK's default stages to {stage_root()}")
    echo(f"built {len(built) - len(fetched)} binaries in {fmt_duration(time.monotonic() - started)}; "
         f"cache: {paths.cache_dir() / 'bin'}")
    if report:
        _report(wanted, echo)
    return built


def _report(wanted: set[str] | None, echo: Callable[[str], None]) -> None:
    """Say, for each binary considered, its size and where it came from."""
    for item in inventory(None):
        if wanted is None or item["name"] in wanted:
            echo("  " + describe(item))

