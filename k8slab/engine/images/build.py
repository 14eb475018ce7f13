"""Build the image set into one directory, each image only when its recipe changed.

An image's recipe is everything that decides its bytes: the Debian package
versions apt would pick, the sha256 of the Go binary it carries, the compiler
that builds pause, its references and config, and the source of this package.
Its digest is stored in the image's config as the label ``dev.k8slab.recipe``;
a build compares it with the archive already in the set directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
import subprocess
import time
from importlib import resources
from pathlib import Path
from typing import Callable

from ...errors import BuildError
from .. import gobuild
from ..progress import Ticker, fmt_duration
from . import archive, debian, recipes
from .entries import Image, catalog
from .requirements import check
from ..digest import sha256_file as _sha256

RECIPE_VERSION = 2
"""Bump to rebuild every image (the package source is hashed into recipes as well)."""

RECIPE_LABEL = "dev.k8slab.recipe"


def set_dir() -> Path:
    """The directory of image archives the lab's registry serves: ``cache_dir()/images/set``."""
    return debian.images_cache() / "set"


@dataclasses.dataclass
class Plan:
    """What one image would be built from, and whether it can be."""

    image: Image
    packages: dict[str, str]
    binary: Path | None
    facts: dict
    digest: str = ""
    skip: str | None = None  # why it cannot be built now


CONTENT_SOURCES = ("archive.py", "build.py", "debian.py", "elf.py", "entries.py", "recipes.py", "rootfs.py",
                   "pause.c", "files")
"""The files of this package that decide what an image holds (their bytes go into every recipe)."""


def _source_digest() -> str:
    h = hashlib.sha256()
    root = Path(str(resources.files(__package__)))
    for name in CONTENT_SOURCES:
        paths = sorted(p for p in (root / name).rglob("*") if p.is_file()) if (root / name).is_dir() \
            else [root / name]
        for path in paths:
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def go_binary(name: str) -> tuple[Path | None, str | None]:
    """(path, None) of a built Go binary, or (None, why it is unavailable)."""
    try:
        path = gobuild.binary(name)
    except KeyError:
        return None, f"k8slab's Go builds have no {name} binary yet"
    if not path.is_file() or not os.access(path, os.X_OK):
        return None, f"{name} is not built yet (run: k8slab build)"
    return path, None


def _toolchain() -> dict:
    gcc = debian.run(["gcc", "-dumpfullversion", "-dumpversion"], "asking gcc its version").strip()
    try:
        libc = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libc6-dev"], capture_output=True,
                              text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        libc = ""
    return {"gcc": gcc, "libc6-dev": libc or "unknown"}


def plan(images: list[Image] | None = None) -> list[Plan]:
    """The recipe of each image (cheap: apt's answer is cached until its lists change)."""
    images = images if images is not None else catalog()
    arch = debian.oci_arch()
    # always the whole catalog: apt's answer is cached under one key, whichever images are asked for
    resolved = debian.resolve({i.name: list(i.packages) for i in catalog() if i.packages})
    source = _source_digest()
    plans = []
    for image in images:
        facts: dict = {"recipe": RECIPE_VERSION, "source": source, "arch": arch, "refs": list(image.refs),
                       "config": image.config, "packages": resolved.get(image.name, {})}
        p = Plan(image, resolved.get(image.name, {}), None, facts)
        if image.binary:
            p.binary, p.skip = go_binary(image.binary)
            if p.binary:
                facts["binary_sha256"] = _sha256(p.binary)
        if image.name == "pause":
            facts["toolchain"] = _toolchain()
        p.digest = "sha256:" + hashlib.sha256(archive.canonical_json(facts)).hexdigest()
        plans.append(p)
    return plans


def refs_text(refs) -> str:
    return "".join(f"{r}\n" for r in refs)


def built_recipe(name: str, directory: Path | None = None) -> str | None:
    """The recipe digest of the image archive in the set directory, or None (missing, unreadable)."""
    directory = directory or set_dir()
    tar, refs = directory / f"{name}.tar", directory / f"{name}.refs"
    try:
        images = archive.read_archive(tar)
        labels = (images[0].config.get("config") or {}).get("Labels") or {}
        want_refs = refs_text(images[0].repo_tags)
        if refs.read_text() != want_refs:
            return None
        return labels.get(RECIPE_LABEL)
    except (BuildError, OSError, IndexError, AttributeError):
        return None


def _version_facts(p: Plan) -> tuple[str, dict]:
    """(description with the real version, extra labels/env) of a planned image."""
    name, v = p.image.name, p.packages
    if name in ("busybox", "nginx", "perl"):
        deb = {"busybox": "busybox", "nginx": "nginx", "perl": "perl"}[name]
        env = [f"NGINX_VERSION={debian.upstream_version(v[deb])}"] if name == "nginx" else []
        return f"{p.image.description} {v[deb]}", {"version": debian.upstream_version(v[deb]), "env": env}
    if name == "pause":
        tc = p.facts["toolchain"]
        return f"{p.image.description} ({tc['gcc']}, libc6-dev {tc['libc6-dev']})", {"version": "k8slab"}
    if name == "agnhost":
        return (f"{p.image.description} {debian.upstream_version(v['busybox'])}",
                {"version": p.image.refs[0].rsplit(':', 1)[1]})
    return p.image.description, {"version": p.image.refs[0].rsplit(":", 1)[1]}


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _compile_pause(work: Path) -> Path:
    src = work / "pause.c"
    src.write_bytes(recipes.data_file("pause.c"))
    out = work / "pause"
    debian.run(["gcc", "-static", "-Os", "-s", "-Wall", "-o", str(out), str(src)], "compiling pause.c")
    return out


def build_one(p: Plan, directory: Path, echo: Callable[[str], None], label: str) -> int:
    """Build one planned image into ``directory``; return the archive's size."""
    started = time.monotonic()
    work = debian.images_cache() / "work" / f"{p.image.name}-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        trees = {}
        if p.packages:
            missing = [k for k, v in p.packages.items() if debian.deb_path(k, v) is None]
            if missing:
                with Ticker(echo, f"{label}: downloading {_count(len(missing), 'Debian package')}"):
                    debs = debian.download(p.packages)
            else:
                debs = debian.download(p.packages)
            echo(f"{label}: unpacking {_count(len(debs), 'package')} ({', '.join(sorted(debs))})")
            trees = {k: debian.unpack(d, work / "pkgs" / k) for k, d in debs.items()}
        binary = p.binary
        if p.image.name == "pause":
            echo(f"{label}: compiling pause.c (gcc -static -Os)")
            binary = _compile_pause(work)
        m = recipes.Material(trees, p.packages, binary, p.facts["arch"])
        fs = recipes.assemble(p.image, m)
        description, extra = _version_facts(p)
        with Ticker(echo, f"{label}: writing layer ({_count(len(fs.entries), 'entry', 'entries')}, "
                          f"{fs.size() / 2**20:.1f} MiB uncompressed)"):
            layer = archive.write_layer(fs, work / "layer.tar.gz")
        config = dict(p.image.config)
        config["Env"] = list(config.get("Env", [])) + extra.get("env", [])
        config["Labels"] = {
            "org.opencontainers.image.title": p.image.name,
            "org.opencontainers.image.description": description,
            "org.opencontainers.image.version": extra["version"],
            RECIPE_LABEL: p.digest,
        }
        cfg = archive.image_config(p.facts["arch"], config, [layer.diff_id], f"k8slab: {description}")
        directory.mkdir(parents=True, exist_ok=True)
        archive.write_archive(directory / f"{p.image.name}.tar", archive.canonical_json(cfg), [layer],
                              list(p.image.refs))
        refs = directory / f"{p.image.name}.refs"
        tmp = refs.with_name(f".{refs.name}.tmp")
        tmp.write_text(refs_text(p.image.refs))
        os.replace(tmp, refs)
        size = (directory / f"{p.image.name}.tar").stat().st_size
        echo(f"{label}: built {size / 2**20:.1f} MiB in {fmt_duration(time.monotonic() - started)}")
        return size
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(OSError):
            work.parent.rmdir()  # only when no other build is using it


def build_all(echo: Callable[[str], None] = print, force: bool = False,
              directory: Path | None = None, names: list[str] | None = None) -> Path:
    """Build the missing or outdated images of the set; return the set directory.

    Args:
        echo: where progress lines go (one per step of a long build).
        force: rebuild every image even when its recipe is unchanged.
        directory: where to write (default :func:`set_dir`).
        names: only these images (default: all of the catalog).

    Raises:
        BuildError: a tool is missing, apt cannot supply a package, or a step failed.
    """
    directory = Path(directory or set_dir())
    problems = check()
    if problems:
        raise BuildError("cannot build the lab's images:\n  " + "\n  ".join(problems))
    unknown = sorted(set(names or ()) - {i.name for i in catalog()})
    if unknown:
        raise BuildError(f"no image called {', '.join(unknown)}; the set has "
                         f"{', '.join(i.name for i in catalog())}")
    with _build_lock(echo):
        return _build(directory, echo, force, names)


@contextlib.contextmanager
def _build_lock(echo: Callable[[str], None]):
    """One image build at a time per cache (they share the .deb cache and the set directory)."""
    import fcntl  # here, not at import time: the image set is the real-node engine's (Linux only)

    path = debian.images_cache() / ".build.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            echo("waiting for another k8slab image build to finish ...")
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _build(directory: Path, echo: Callable[[str], None], force: bool, names: list[str] | None) -> Path:
    started = time.monotonic()
    plans = plan([i for i in catalog() if (i.name in names if names else not i.addon)])
    built = fresh = skipped = 0
    for n, p in enumerate(plans, 1):
        label = f"[{n}/{len(plans)}] {p.image.name}"
        if p.skip:
            have = (directory / f"{p.image.name}.tar").exists()
            echo(f"{label}: skipped: {p.skip}" + ("; keeping the image built earlier" if have else ""))
            skipped += 1
        elif not force and built_recipe(p.image.name, directory) == p.digest:
            fresh += 1
        else:
            build_one(p, directory, echo, label)
            built += 1
    if not names:
        used = {debian.deb_path(k, v) for p in plans for k, v in p.packages.items()}
        debian.prune({u for u in used if u is not None})
    echo(f"images: {built} built, {fresh} up to date, {skipped} skipped, in "
         f"{fmt_duration(time.monotonic() - started)}; set: {directory}")
    return directory
