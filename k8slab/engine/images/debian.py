"""Debian packages as image material: resolve, download (cached) and unpack, no root needed.

Which packages and versions go into an image is what apt's candidate is on this
machine: a seed list (``nginx``, ``busybox``, ...) plus the library
packages those depend on, followed only through library packages (so nginx's
``iproute2`` does not drag in half a system). Only the shared objects the
binaries really load are copied into the image later (see :mod:`.elf`).

apt-cache re-reads every package list on each call here (~1 s), so the
resolution is kept in the cache and reused until the lists change.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
from pathlib import Path

from ...errors import BuildError
from .. import paths

_NOT_LIBRARIES = ("-bin", "-common", "-data", "-dev", "-doc", "-l10n", "-utils", "-tools", "-perl")
_OCI_ARCH = {"amd64": "amd64", "arm64": "arm64", "armhf": "arm", "i386": "386",
             "ppc64el": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}


def images_cache() -> Path:
    """Root of everything the image builder caches: ``cache_dir()/images``."""
    return paths.cache_dir() / "images"


def deb_dir() -> Path:
    """Where downloaded .deb files are kept."""
    return images_cache() / "debs"


def run(cmd: list[str], what: str, *, cwd: Path | None = None, timeout: float = 600) -> str:
    """Run a command, returning stdout; a failure becomes a :class:`BuildError` saying what failed."""
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "LC_ALL": "C"})
    except FileNotFoundError as exc:
        raise BuildError(f"{what}: {cmd[0]} is not installed ({exc})") from exc
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"{what}: {cmd[0]} did not finish within {int(timeout)} s") from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise BuildError(f"{what} failed ({' '.join(cmd[:3])} ..., exit {proc.returncode}):\n{tail}")
    return proc.stdout


def dpkg_arch() -> str:
    """Debian's name for this machine's architecture (``amd64``)."""
    return run(["dpkg", "--print-architecture"], "finding the architecture").strip()


def oci_arch() -> str:
    """The OCI/Go name for this machine's architecture (``amd64``, ``arm64``)."""
    arch = dpkg_arch()
    return _OCI_ARCH.get(arch, arch)


def is_library(name: str) -> bool:
    """Whether a Debian package name is a shared-library package (``libssl3``, ``zlib1g``)."""
    return (name.startswith("lib") or name == "zlib1g") and not name.endswith(_NOT_LIBRARIES)


def parse_depends(text: str) -> dict[str, list[str]]:
    """``apt-cache depends`` output as {package: [packages it (pre-)depends on]}; virtuals dropped."""
    graph: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line and not line[0].isspace():
            current = line.strip()
            if current.startswith("<"):
                current = None
            else:
                graph.setdefault(current, [])
            continue
        m = re.match(r"\s*\|?(?:Pre)?Depends:\s+(\S+)", line)
        if m and current and not m.group(1).startswith("<"):
            dep = m.group(1).split(":", 1)[0]  # libc6:amd64 -> libc6
            if dep not in graph[current]:
                graph[current].append(dep)
    return graph


def parse_policy(text: str) -> dict[str, str | None]:
    """``apt-cache policy`` output as {package: candidate version, or None when there is none}."""
    out: dict[str, str | None] = {}
    current = None
    for line in text.splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith(":"):
            current = line.rstrip()[:-1].split(":", 1)[0]
            out[current] = None
        elif current and line.strip().startswith("Candidate:"):
            value = line.split(":", 1)[1].strip()
            out[current] = None if value == "(none)" else value
    return out


def library_closure(graph: dict[str, list[str]], seeds: list[str]) -> list[str]:
    """The seeds plus every library package reachable from them through library packages."""
    seen = list(dict.fromkeys(seeds))
    todo = list(seen)
    while todo:
        for dep in graph.get(todo.pop(), []):
            if is_library(dep) and dep not in seen:
                seen.append(dep)
                todo.append(dep)
    return sorted(seen)


def _lists_fingerprint() -> str:
    """Changes whenever ``apt-get update`` (or an apt preference) changes what apt would pick."""
    parts = []
    for single in (Path("/etc/apt/preferences"), Path("/etc/apt/sources.list")):
        with contextlib.suppress(OSError):
            st = os.stat(single)
            parts.append(f"{single}:{st.st_size}:{st.st_mtime_ns}")
    for base in (Path("/var/lib/apt/lists"), Path("/etc/apt/preferences.d"), Path("/etc/apt/sources.list.d")):
        try:
            names = sorted(os.listdir(base))
        except OSError:
            continue
        for name in names:
            try:
                st = os.stat(base / name)
            except OSError:
                continue
            if not os.path.isdir(base / name):
                parts.append(f"{base}/{name}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def resolve(seed_sets: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """For each named seed list, {package: candidate version} of the seeds and their libraries.

    Raises:
        BuildError: apt knows no candidate for a package (the usual fix: ``apt-get update``).
    """
    key = json.dumps({"lists": _lists_fingerprint(), "seeds": seed_sets}, sort_keys=True)
    memo = images_cache() / "apt-resolve.json"
    try:
        saved = json.loads(memo.read_text())
        if saved.get("key") == key:
            return saved["result"]
    except (OSError, ValueError, AttributeError):
        pass
    seeds = sorted({p for s in seed_sets.values() for p in s})
    graph = parse_depends(run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
                               "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", *seeds],
                              "resolving Debian dependencies"))
    sets = {name: library_closure(graph, s) for name, s in seed_sets.items()}
    every = sorted({p for s in sets.values() for p in s})
    versions = parse_policy(run(["apt-cache", "policy", *every], "asking apt for package versions"))
    missing = [p for p in every if not versions.get(p)]
    if missing:
        raise BuildError(f"apt has no installable version of {', '.join(missing)}. "
                         f"Refresh its package lists: apt-get update (as root), then build again.")
    result = {name: {p: versions[p] for p in s} for name, s in sets.items()}
    memo.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_suffix(".tmp")
    tmp.write_text(json.dumps({"key": key, "result": result}))
    os.replace(tmp, memo)
    return result


def deb_path(package: str, version: str) -> Path | None:
    """The cached .deb of ``package`` at ``version``, or None."""
    pattern = f"{package}_{version.replace(':', '%3a')}_*.deb"
    found = sorted(deb_dir().glob(pattern))
    return found[0] if found else None


def download(packages: dict[str, str]) -> dict[str, Path]:
    """Make sure each package's .deb is in the cache (one ``apt-get download`` for the missing)."""
    deb_dir().mkdir(parents=True, exist_ok=True)
    want = {p: v for p, v in packages.items() if deb_path(p, v) is None}
    if want:
        cmd = ["apt-get", "download", "-q"]
        if os.geteuid() == 0:  # apt's _apt sandbox user cannot write into root's cache
            cmd += ["-o", "APT::Sandbox::User=root"]
        run(cmd + [f"{p}={v}" for p, v in sorted(want.items())],
            f"downloading {', '.join(sorted(want))}", cwd=deb_dir(), timeout=1200)
    out = {}
    for p, v in packages.items():
        path = deb_path(p, v)
        if path is None:
            raise BuildError(f"apt-get download reported success but {p} {v} is not in {deb_dir()}")
        out[p] = path
    return out


def unpack(deb: Path, dest: Path) -> Path:
    """Unpack a .deb's files (not its scripts) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    run(["dpkg-deb", "-x", str(deb), str(dest)], f"unpacking {deb.name}")
    return dest


def prune(keep: set[Path]) -> int:
    """Delete cached .debs no current recipe uses (superseded by security updates); return the count."""
    removed = 0
    for path in deb_dir().glob("*.deb"):
        if path not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def upstream_version(version: str) -> str:
    """The upstream part of a Debian version: ``1:1.35.0-4+deb12u1+b1`` -> ``1.35.0``."""
    v = version.split(":", 1)[-1]
    return v.rsplit("-", 1)[0] if "-" in v else v
