"""Deterministic image layers and docker-archive files (the ``docker save`` format).

An archive holds ``manifest.json`` (first, so readers find it without reading
past the layers), the image config and the layers, each stored as
``blobs/sha256/<sha256 of its bytes>``. Layers are gzip-compressed tars, which
``docker load``, ``ctr images import`` and go-containerregistry's ``tarball``
package all read; a registry serving them then only hashes, never recompresses.
Every tar entry has mtime 0 and owner 0:0, entries are sorted, and gzip's own
timestamp is 0: the same input gives the same bytes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from ...errors import BuildError
from .rootfs import Rootfs

EPOCH = "1970-01-01T00:00:00Z"
"""The ``created`` time of every image built here: reproducible builds carry no clock."""


@dataclasses.dataclass(frozen=True)
class Layer:
    """A written layer blob."""

    path: Path
    digest: str  # sha256:<hex> of the stored (compressed) bytes
    diff_id: str  # sha256:<hex> of the uncompressed tar
    size: int


class _Hashing(io.RawIOBase):
    """A write-only stream that hashes and counts what passes through to ``out``."""

    def __init__(self, out):
        self.out = out
        self.sha = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha.update(data)
        self.size += len(data)
        self.out.write(data)
        return len(data)


def _info(name: str, kind: bytes, mode: int, size: int = 0, link: str = "") -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.size, ti.linkname = kind, mode, size, link
    ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = 0, 0, 0, "", ""
    return ti


def _sort_key(path: str) -> list[str]:
    return path.split("/")  # parents before children, siblings by name


def write_layer(fs: Rootfs, dest: Path) -> Layer:
    """Write ``fs`` as a gzip-compressed layer tar at ``dest``."""
    dest = Path(dest)
    first_of: dict[tuple[int, int], str] = {}
    with open(dest, "wb") as raw:
        stored = _Hashing(raw)
        with gzip.GzipFile(filename="", mode="wb", fileobj=stored, mtime=0, compresslevel=6) as gz:
            plain = _Hashing(gz)
            with tarfile.open(fileobj=plain, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for path in sorted(fs.entries, key=_sort_key):
                    e = fs.entries[path]
                    if e.kind == "dir":
                        tar.addfile(_info(path, tarfile.DIRTYPE, e.mode))
                    elif e.kind == "symlink":
                        tar.addfile(_info(path, tarfile.SYMTYPE, 0o777, link=e.target))
                    elif e.inode is not None and e.inode in first_of:
                        tar.addfile(_info(path, tarfile.LNKTYPE, e.mode, link=first_of[e.inode]))
                    elif e.data is not None:
                        tar.addfile(_info(path, tarfile.REGTYPE, e.mode, len(e.data)), io.BytesIO(e.data))
                    else:
                        with open(e.source, "rb") as f:
                            size = os.fstat(f.fileno()).st_size
                            tar.addfile(_info(path, tarfile.REGTYPE, e.mode, size), f)
                        if e.inode is not None:
                            first_of[e.inode] = path
    return Layer(dest, "sha256:" + stored.sha.hexdigest(), "sha256:" + plain.sha.hexdigest(), stored.size)


def canonical_json(obj) -> bytes:
    """JSON with sorted keys and no spaces: the bytes a digest is taken of."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def image_config(arch: str, config: dict, diff_ids: list[str], history: str) -> dict:
    """An OCI/Docker image config for linux/``arch`` with the given runtime ``config``."""
    return {
        "architecture": arch,
        "os": "linux",
        "created": EPOCH,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": list(diff_ids)},
        "history": [{"created": EPOCH, "created_by": history}],
    }


def _blob_name(digest: str) -> str:
    alg, hexpart = digest.split(":", 1)
    return f"blobs/{alg}/{hexpart}"


def write_archive(dest: Path, config: bytes, layers: list[Layer], repo_tags: list[str]) -> str:
    """Write a docker-archive holding one image; return the config's digest.

    The file appears at ``dest`` only once complete (written beside it, then renamed).
    """
    dest = Path(dest)
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    manifest = [{"Config": _blob_name(config_digest), "RepoTags": list(repo_tags),
                 "Layers": [_blob_name(layer.digest) for layer in layers]}]
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            doc = json.dumps(manifest, indent=None, separators=(",", ":")).encode() + b"\n"
            tar.addfile(_info("manifest.json", tarfile.REGTYPE, 0o644, len(doc)), io.BytesIO(doc))
            tar.addfile(_info(_blob_name(config_digest), tarfile.REGTYPE, 0o644, len(config)),
                        io.BytesIO(config))
            seen = set()
            for layer in layers:
                if layer.digest in seen:
                    continue
                seen.add(layer.digest)
                with open(layer.path, "rb") as f:
                    tar.addfile(_info(_blob_name(layer.digest), tarfile.REGTYPE, 0o644, layer.size), f)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return config_digest


@dataclasses.dataclass
class ArchiveImage:
    """One image of a docker-archive, as read back."""

    repo_tags: list[str]
    config_path: str
    layer_paths: list[str]
    config: dict


def read_archive(path: Path) -> list[ArchiveImage]:
    """The images in a docker-archive (manifest and configs; layers are not read).

    Raises:
        BuildError: the file is not a readable docker-archive.
    """
    try:
        with tarfile.open(path, "r:*") as tar:
            names = {_clean(m.name): m for m in tar.getmembers()}
            if "manifest.json" not in names:
                raise BuildError(f"{path} is not a docker-archive: it has no manifest.json")
            manifest = json.loads(tar.extractfile(names["manifest.json"]).read())
            out = []
            for item in manifest:
                member = names.get(_clean(item["Config"]))
                if member is None:
                    raise BuildError(f"{path}: config {item['Config']} is missing")
                out.append(ArchiveImage(list(item.get("RepoTags") or []), item["Config"],
                                        list(item["Layers"]), json.loads(tar.extractfile(member).read())))
            return out
    except (OSError, tarfile.TarError, ValueError, KeyError, TypeError) as exc:
        raise BuildError(f"cannot read image archive {path}: {exc}") from exc


def _clean(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name.lstrip("/")


def copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path) -> None:
    """Extract one regular member's bytes to ``dest`` (no path from the archive is trusted)."""
    src = tar.extractfile(member)
    if src is None:
        raise BuildError(f"{member.name} is not a regular file")
    with src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
