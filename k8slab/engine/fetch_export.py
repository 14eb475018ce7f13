"""``k8slab mirror export``: lay this machine's binaries out as the official sites do.

Plain binaries are hard-linked where the file system allows (a mirror costs no space), else
copied; tarballs are packed in the publisher's shape (the same member paths) from the binaries
built or fetched here. Beside each file goes the checksum file its publisher names, in the
``sha256sum`` format (dl.k8s.io's ``.sha256`` holds the hash alone, as there), or
``<file>.sha256`` where the publisher has none. See :mod:`k8slab.engine.fetch_catalog` for the
paths.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Mapping

from . import fetch_archive, fetch_catalog
from .digest import sha256_file
from .fetch_catalog import DL_K8S, Artifact

INDEX = "k8slab-mirror.json"


def _place(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.unlink(missing_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def _write_checksum(directory: Path, art: Artifact, digest: str) -> Path:
    path = directory / art.mirror_checksum_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{digest}\n" if art.site == DL_K8S else f"{digest}  {art.name}\n")
    return path


def export(directory: Path, cached: Mapping[str, tuple[str, Mapping[str, Path]]],
           plat: tuple[str, str], stages: tuple[str, Path] | None = None) -> list[Path]:
    """Write the mirror tree for ``cached`` (component -> (version, {binary: file})) and, given
    ``stages`` (KWOK's version, its stage directory), KWOK's default stages.

    A tarball is written only when every binary it holds is cached (a partial one would stop
    a learner's build instead of letting it build the rest). Returns the files written, not
    counting the checksum files.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for comp, (version, binaries) in cached.items():
        for art in fetch_catalog.artifacts(comp, version, plat):
            have = {name: binaries[name] for name in art.members if name in binaries}
            if not have or (art.is_archive and len(have) < len(art.members)):
                continue
            dest = directory / art.mirror_path()
            if art.is_archive:
                dest.parent.mkdir(parents=True, exist_ok=True)
                fetch_archive.pack(dest, {art.members[name]: src for name, src in have.items()})
            else:
                _place(next(iter(have.values())), dest)
            _write_checksum(directory, art, sha256_file(dest))
            written.append(dest)
    if stages and stages[1].is_dir():
        art = fetch_catalog.stages_artifact(stages[0])
        dest = directory / art.mirror_path()
        dest.parent.mkdir(parents=True, exist_ok=True)
        fetch_archive.pack_tree(dest, stages[1])
        _write_checksum(directory, art, sha256_file(dest))
        written.append(dest)
    (directory / INDEX).write_text(json.dumps(
        {"platform": "/".join(plat), "files": sorted(str(p.relative_to(directory)) for p in written)},
        indent=1))
    return written
