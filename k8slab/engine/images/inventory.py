"""``k8slab images``: what the set directory serves, one row per repository."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ...errors import BuildError, UsageError
from . import archive, refs
from .build import set_dir
from .entries import catalog


def _refs_of(tar: Path, fallback: list[str]) -> list[str]:
    sidecar = tar.with_suffix(".refs")
    try:
        lines = [ln.strip() for ln in sidecar.read_text().splitlines()]
        return [ln for ln in lines if ln and not ln.startswith("#")]
    except OSError:
        return fallback


def _rows(ref_list: list[str], **common) -> list[dict]:
    by_repo: dict[str, list[str]] = {}
    for ref in ref_list:
        try:
            repo, tag = refs.split(ref)
        except UsageError:  # a hand-edited .refs line: shown as it is
            repo, tag = ref, ""
        by_repo.setdefault(repo, []).append(tag)
    return [{"image": repo, "tags": tags, **common} for repo, tags in by_repo.items()]


def _describe(tar: Path, default_what: str, default_refs: list[str]) -> list[dict]:
    try:
        img = archive.read_archive(tar)[0]
        labels = (img.config.get("config") or {}).get("Labels") or {}
        what = labels.get("org.opencontainers.image.description") or default_what
        tags = img.repo_tags or default_refs
    except (BuildError, IndexError):
        what, tags = f"unreadable archive {tar.name} (rebuild: k8slab build, or load it again)", default_refs
    return _rows(_refs_of(tar, tags), size=tar.stat().st_size, what=what, file=str(tar))


def listing(directory: Path | None = None, extra_dirs: Iterable[Path] = ()) -> list[dict]:
    """One dict per repository served: ``image``, ``tags``, ``size`` (bytes of the archive), ``what``, ``file``.

    The built catalog images come first, in catalog order, then any other archive
    of ``directory`` and of ``extra_dirs`` (images added with ``k8slab image load``).
    Images not built yet are not listed.
    """
    directory = Path(directory or set_dir())
    rows: list[dict] = []
    known = set()
    for image in catalog():
        tar = directory / f"{image.name}.tar"
        known.add(tar)
        if tar.is_file():
            rows += _describe(tar, image.description, list(image.refs))
    for d in [directory, *map(Path, extra_dirs)]:
        for tar in sorted(d.glob("*.tar")) if d.is_dir() else []:
            if tar not in known:
                known.add(tar)
                rows += _describe(tar, "loaded image", [])
    return rows
