"""Release tarballs: take out only the named binaries, safely; pack cached binaries the same way.

Extraction never uses the archive's own paths to decide where to write: each wanted member is
copied into a destination k8slab chose. An archive that holds an absolute path, a ``..`` part,
or a wanted member that is a link or a device is refused as a whole, since an archive shaped
like that was not made by the publisher.
"""

from __future__ import annotations

import gzip
import os
import posixpath
import shutil
import tarfile
import zlib
from pathlib import Path
from typing import Mapping

from ..errors import BuildError


def _clean(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return posixpath.normpath(name) if name else name


def _unsafe(name: str) -> bool:
    return name.startswith("/") or ".." in name.replace("\\", "/").split("/")


def extract(archive: Path, members: Mapping[str, Path], label: str) -> None:
    """Copy each wanted member (archive path -> destination) out of a .tar.gz.

    Each destination is written to a hidden temporary file beside it and renamed into place
    once every member was read in full, so a damaged archive leaves nothing behind.

    Raises:
        BuildError: the archive is damaged, holds an unsafe path, or lacks a member.
    """
    temps: dict[Path, Path] = {}
    try:
        try:
            with tarfile.open(archive, "r:gz") as tar:
                found = {}
                for info in tar:
                    if _unsafe(info.name) or (info.islnk() or info.issym()) and _unsafe(info.linkname):
                        raise BuildError(f"{label} holds an unsafe path {info.name!r}: refused, "
                                         f"nothing was cached. Check the mirror or build from source: "
                                         f"k8slab build --from-source")
                    clean = _clean(info.name)
                    if clean in members:
                        if not info.isfile():
                            raise BuildError(f"{label}: {info.name!r} is not a regular file: refused, "
                                             f"nothing was cached")
                        dest = members[clean]
                        tmp = dest.with_name(f".{dest.name}.fetch")
                        temps[dest] = tmp
                        src = tar.extractfile(info)
                        with open(tmp, "wb") as out:
                            while chunk := src.read(1 << 20):
                                out.write(chunk)
                        found[clean] = info.size
                missing = sorted(set(members) - set(found))
                if missing:
                    raise BuildError(f"{label} lacks {', '.join(missing)}: refused, nothing was cached")
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise BuildError(f"{label} is not a complete .tar.gz ({exc}): refused, nothing was "
                             f"cached. Run k8slab build again, or: k8slab build --from-source") from None
        for dest, tmp in temps.items():
            tmp.chmod(0o755)
            os.replace(tmp, dest)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)


def pack(dest: Path, members: Mapping[str, Path]) -> None:
    """Write a .tar.gz holding ``members`` (archive path -> file), reproducibly.

    Directories named in the paths get entries of their own, as ``tar`` makes them; owners,
    times and gzip's header are fixed, so packing the same binaries twice gives the same bytes.
    """
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=raw, mtime=0) as gz, \
                tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
            dirs = sorted({posixpath.dirname(n) for n in members} - {""})
            for d in dirs:
                info = tarfile.TarInfo(d + "/")
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            for name, src in sorted(members.items()):
                info = tarfile.TarInfo(name)
                info.size, info.mode = src.stat().st_size, 0o755
                with open(src, "rb") as f:
                    tar.addfile(info, f)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def extract_tree(archive: Path, dest: Path, label: str) -> int:
    """Unpack a .tar.gz of plain files and directories into ``dest``, replacing it whole.

    Everything goes to a hidden sibling directory first, renamed over ``dest`` at the end.
    Links, devices and unsafe paths make the whole archive refused. Returns the file count.

    Raises:
        BuildError: the archive is damaged or holds anything but plain files and directories.
    """
    tmp = dest.with_name(f".{dest.name}.fetch")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    files = 0
    try:
        try:
            with tarfile.open(archive, "r:gz") as tar:
                for info in tar:
                    clean = _clean(info.name)
                    if _unsafe(info.name) or not (info.isfile() or info.isdir()):
                        raise BuildError(f"{label} holds {info.name!r}, which is not a plain file or "
                                         f"directory below the archive's root: refused, nothing was cached")
                    target = tmp / clean
                    if info.isdir():
                        target.mkdir(parents=True, exist_ok=True)
                        continue
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(info) as src, open(target, "wb") as out:
                        shutil.copyfileobj(src, out, 1 << 20)
                    target.chmod(0o644)
                    files += 1
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise BuildError(f"{label} is not a complete .tar.gz ({exc}): refused, nothing was "
                             f"cached. Run k8slab build again, or: k8slab build --from-source") from None
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return files


def pack_tree(dest: Path, root: Path) -> None:
    """Pack every plain file below ``root`` (paths relative to it) with :func:`pack`."""
    pack(dest, {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()})
