"""``k8slab image load``: bring a user's image into the set the lab's registry serves.

Accepted: a docker-archive tar (``docker save``, ``podman save``), an OCI image
layout tar (``skopeo copy ... oci-archive:FILE``, ``docker buildx ... --output
type=oci``), either possibly gzip-compressed, or a directory taken as the
image's root filesystem. The result is always a single-image docker-archive
``loaded-<name>.tar`` plus its ``.refs`` in the destination directory.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from ...errors import BuildError, UsageError
from . import archive, debian, refs
from .entries import PATH
from .rootfs import Rootfs
from ..digest import sha256_file as _sha256

_GZIP, _ZSTD = b"\x1f\x8b", b"\x28\xb5\x2f\xfd"
_KINDS = "a docker-archive (docker save), an OCI layout tar, or a directory holding a root filesystem"


def load(source: Path, name: str, dest_dir: Path) -> list[str]:
    """Write ``source`` as a docker-archive named ``name`` into ``dest_dir``; return its references.

    Args:
        source: a docker-archive or OCI-layout tar, or a root filesystem directory.
        name: ``NAME[:TAG]`` (``myapp:1.0``, ``registry.k8s.io/foo:v2``); the tag defaults to latest.
        dest_dir: the directory the registry loads (usually :func:`set_dir`).

    Raises:
        UsageError: a bad name, a missing or unreadable source, or an image this lab cannot run.
    """
    repo, tag, digest = refs.parse(name)
    if digest:
        raise UsageError(f"--name {name}: give NAME:TAG, not a digest (the digest is the image's own)")
    ref = f"{repo}:{tag}"
    source = Path(source).expanduser()
    if not source.exists():
        raise UsageError(f"{source}: no such file or directory; give {_KINDS}")
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f"loaded-{refs.file_stem(ref)}.tar"
    with tempfile.TemporaryDirectory(prefix=".load-", dir=dest_dir) as tmp:
        work = Path(tmp)
        if source.is_dir():
            config, layers = _from_directory(source, work)
        else:
            config, layers = _from_tar(source, ref, work)
        _check_platform(source, config)
        archive.write_archive(dest, config, layers, [ref])
    sidecar = dest.with_suffix(".refs")
    tmp_refs = sidecar.with_name(f".{sidecar.name}.tmp")
    tmp_refs.write_text(ref + "\n")
    os.replace(tmp_refs, sidecar)
    return [ref]


def _check_platform(source: Path, config: bytes) -> None:
    try:
        cfg = json.loads(config)
    except ValueError as exc:
        raise UsageError(f"{source}: the image config is not JSON ({exc})") from exc
    want = ("linux", debian.oci_arch())
    have = (cfg.get("os") or "", cfg.get("architecture") or "")
    if any(have) and have != want:
        raise UsageError(f"{source}: the image is for {'/'.join(have)}; the lab's nodes run "
                         f"{'/'.join(want)}")


def _from_directory(source: Path, work: Path) -> tuple[bytes, list[archive.Layer]]:
    if not any(source.iterdir()):
        raise UsageError(f"{source} is an empty directory; give {_KINDS}")
    fs = Rootfs()
    try:
        fs.add_tree(source)
    except (OSError, BuildError) as exc:
        raise UsageError(f"cannot read {source} as a root filesystem: {exc}") from exc
    layer = archive.write_layer(fs, work / "layer.tar.gz")
    config = {"Env": [PATH],
              "Labels": {"org.opencontainers.image.description":
                         f"loaded by k8slab from the directory {source.name}"}}
    if os.path.lexists(source / "bin" / "sh"):
        config["Cmd"] = ["/bin/sh"]
    cfg = archive.image_config(debian.oci_arch(), config, [layer.diff_id], f"k8slab image load {source}")
    return archive.canonical_json(cfg), [layer]


def _from_tar(source: Path, ref: str, work: Path) -> tuple[bytes, list[archive.Layer]]:
    try:
        tar = tarfile.open(source, "r:*")
    except (tarfile.TarError, OSError) as exc:
        raise UsageError(f"{source} is not a tar archive ({exc}); give {_KINDS}") from exc
    with tar:
        try:
            members = {_clean(m.name): m for m in tar.getmembers() if m.isfile()}
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise UsageError(f"{source} is a damaged tar archive ({exc})") from exc
        reader = _Reader(source, tar, members)
        if "manifest.json" in members:
            config, layer_names = reader.docker(ref)
        elif "index.json" in members:
            config, layer_names = reader.oci(ref)
        else:
            raise UsageError(f"{source} has neither manifest.json (docker save) nor index.json "
                             f"(OCI layout); to use a root filesystem tar, unpack it into a "
                             f"directory and load the directory")
        diff_ids = (json.loads(config).get("rootfs") or {}).get("diff_ids") or []
        if len(diff_ids) != len(layer_names):
            raise UsageError(f"{source}: the config lists {len(diff_ids)} layers, the manifest "
                             f"{len(layer_names)}")
        paths = [reader.extract(n, work / f"layer{i}") for i, n in enumerate(layer_names)]
    kinds = {_magic(p) for p in paths}
    if _ZSTD in kinds:
        raise UsageError(f"{source} has zstd-compressed layers, which the lab's registry cannot "
                         f"serve; save the image with gzip or uncompressed layers")
    if len(kinds) > 1:  # a mix of gzip and plain layers: store every one plain
        for p in paths:
            if _magic(p) == _GZIP:
                with gzip.open(p, "rb") as src, open(p.with_suffix(".tar"), "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
                os.replace(p.with_suffix(".tar"), p)
    layers = [archive.Layer(p, "sha256:" + _sha256(p), d, p.stat().st_size) for p, d in zip(paths, diff_ids)]
    return config, layers


def _clean(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name.lstrip("/")


def _magic(path: Path) -> bytes:
    with open(path, "rb") as f:
        head = f.read(4)
    return _ZSTD if head == _ZSTD else _GZIP if head[:2] == _GZIP else b""


class _Reader:
    """Reads the parts of one image out of an opened docker-archive or OCI layout tar."""

    def __init__(self, source: Path, tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo]):
        self.source, self.tar, self.members = source, tar, members

    def member(self, name: str) -> tarfile.TarInfo:
        m = self.members.get(_clean(name))
        if m is None:
            raise UsageError(f"{self.source} is incomplete: {name} is missing")
        return m

    def read(self, name: str) -> bytes:
        return self.tar.extractfile(self.member(name)).read()

    def json(self, name: str):
        try:
            return json.loads(self.read(name))
        except ValueError as exc:
            raise UsageError(f"{self.source}: {name} is not JSON ({exc})") from exc

    def extract(self, name: str, dest: Path) -> Path:
        archive.copy_member(self.tar, self.member(name), dest)
        return dest

    def docker(self, ref: str) -> tuple[bytes, list[str]]:
        manifest = self.json("manifest.json")
        if not isinstance(manifest, list) or not manifest:
            raise UsageError(f"{self.source}: manifest.json lists no image")
        item = manifest[0]
        if len(manifest) > 1:
            tags = {}
            for entry in manifest:
                for t in entry.get("RepoTags") or []:
                    tags[_normal(t)] = entry
            if ref not in tags:
                raise UsageError(f"{self.source} holds {len(manifest)} images; name one of them with "
                                 f"--name: {', '.join(refs.short(t) for t in tags) or '(none tagged)'}")
            item = tags[ref]
        try:
            return self.read(item["Config"]), list(item["Layers"])
        except (KeyError, TypeError) as exc:
            raise UsageError(f"{self.source}: manifest.json has no {exc} for its image") from exc

    def _blob(self, digest: str) -> str:
        alg, _, hexpart = str(digest).partition(":")
        return f"blobs/{alg}/{hexpart}"

    def oci(self, ref: str) -> tuple[bytes, list[str]]:
        index = self.json("index.json")
        descs = list(index.get("manifests") or []) if isinstance(index, dict) else []
        if not descs:
            raise UsageError(f"{self.source}: index.json lists no image")
        if len(descs) > 1:
            tag = ref.rsplit(":", 1)[1]
            named = [d for d in descs if (d.get("annotations") or {}).get("org.opencontainers.image.ref.name")
                     in (tag, ref, refs.short(ref))]
            if len(named) == 1:
                descs = named
        desc = descs[0] if len(descs) == 1 else {"manifests": descs}
        arch = debian.oci_arch()
        for _ in range(4):  # index -> (nested index ->) manifest
            doc = desc if "manifests" in desc else self.json(self._blob(desc.get("digest")))
            if not isinstance(doc, dict) or "manifests" not in doc:
                break
            fitting = [d for d in doc.get("manifests") or []
                       if (d.get("platform") or {}).get("architecture", arch) == arch
                       and (d.get("platform") or {}).get("os", "linux") == "linux"]
            if not fitting:
                raise UsageError(f"{self.source} holds no image for linux/{arch}")
            desc = fitting[0]
        else:
            raise UsageError(f"{self.source}: index.json nests too deeply")
        try:
            config = self.read(self._blob(doc["config"]["digest"]))
            return config, [self._blob(layer["digest"]) for layer in doc["layers"]]
        except (KeyError, TypeError) as exc:
            raise UsageError(f"{self.source}: its image manifest has no {exc}") from exc


def _normal(tag: str) -> str:
    try:
        return refs.normalize(tag)
    except UsageError:
        return tag
