"""Fetch first, build as fallback: official release binaries, or a classroom mirror of them.

The Kubernetes binaries the Docker-less engines run (kube-apiserver, kube-controller-manager,
kube-scheduler, kubectl, kubelet, kube-proxy) are published for each release at
``https://dl.k8s.io/release/<version>/bin/<os>/<arch>/<name>``, each with ``<name>.sha256``
beside it. ``k8slab build`` (and ``up``) try that first, verify the SHA-256, and build from
Go modules only what could not be fetched. ``--mirror URL`` / ``$K8SLAB_MIRROR`` points at a
server laid out the same way (``k8slab mirror export DIR`` writes such a tree from this
machine's cache, for a teacher to serve to a room).

Nothing half-written is ever left in the cache: a download goes to a hidden temporary file
that is renamed into place only when its size and checksum are right.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from ..errors import BuildError
from . import versions

OFFICIAL = "https://dl.k8s.io"
KUBERNETES_BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl",
                       "kubelet", "kube-proxy")
TIMEOUT = 10.0
"""Seconds to wait for a connection or a read before the source counts as unreachable."""


class Unavailable(Exception):
    """The source does not answer or does not have the file: build from source instead.

    ``reachable`` is True when the source answered (it lacks this one file), so trying the
    next file there is worth it; False when it did not answer at all.
    """

    def __init__(self, message: str, reachable: bool = False):
        super().__init__(message)
        self.reachable = reachable


@dataclasses.dataclass(frozen=True)
class Artifact:
    """One downloadable binary: where it is below a base URL, and its checksum file."""

    name: str
    path: str

    @property
    def checksum_path(self) -> str:
        return self.path + ".sha256"


def host_platform() -> tuple[str, str]:
    """(os, arch) as release URLs spell them: ``linux``/``darwin``, ``amd64``/``arm64``."""
    osname = "darwin" if sys.platform == "darwin" else "windows" if sys.platform == "win32" else "linux"
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return osname, arch


def artifact(name: str, version: str = versions.KUBERNETES,
             plat: tuple[str, str] | None = None) -> Artifact | None:
    """The release artifact of binary ``name``, or None when none is published (build it)."""
    if name not in KUBERNETES_BINARIES:
        return None
    osname, arch = plat or host_platform()
    return Artifact(name, f"release/{version}/bin/{osname}/{arch}/{name}")


def base_url(mirror: str | None = None) -> str:
    """Where to fetch from: ``mirror``, else ``$K8SLAB_MIRROR``, else the official site."""
    url = (mirror or os.environ.get("K8SLAB_MIRROR") or OFFICIAL).rstrip("/")
    if not re.match(r"^https?://[^/\s]+", url):
        raise BuildError(f"mirror {url!r} is not an http(s) URL; e.g. --mirror http://teacher:8000")
    return url


def _open(url: str, timeout: float):
    try:
        return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (http/https checked above)
    except urllib.error.HTTPError as exc:
        raise Unavailable(f"{url} answered HTTP {exc.code}", reachable=True) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Unavailable(f"{url} is not reachable ({reason})") from None


def expected_sha256(base: str, art: Artifact, timeout: float = TIMEOUT) -> str:
    """The hex SHA-256 published beside the artifact (the file holds it, maybe with a name)."""
    url = f"{base}/{art.checksum_path}"
    with _open(url, timeout) as resp:
        text = resp.read(4096).decode("ascii", "replace")
    m = re.match(r"\s*([0-9a-fA-F]{64})\b", text)
    if not m:
        raise Unavailable(f"{url} holds no SHA-256 (got {text[:60]!r})", reachable=True)
    return m.group(1).lower()


def download(base: str, art: Artifact, dest: Path, echo: Callable[[str], None] = print,
             timeout: float = TIMEOUT) -> dict:
    """Download ``art`` to ``dest`` if its checksum is right; return its cache record.

    Raises:
        Unavailable: the source does not answer or lacks the file (nothing written).
        BuildError: a checksum mismatch, a truncated download or a full disk (nothing written).
    """
    want = expected_sha256(base, art, timeout)
    url = f"{base}/{art.path}"
    tmp = dest.with_name(f".{dest.name}.fetch")
    dest.parent.mkdir(parents=True, exist_ok=True)
    h, size = hashlib.sha256(), 0
    try:
        with _open(url, timeout) as resp, open(tmp, "wb") as out:
            length = int(resp.headers.get("Content-Length") or 0)
            echo(f"fetching {art.name} from {url}" + (f" ({length / 2**20:.0f} MiB)" if length else ""))
            while True:
                try:
                    chunk = resp.read(1 << 20)
                except (OSError, http.client.HTTPException):
                    break  # the connection broke: the size check below says so
                if not chunk:
                    break
                out.write(chunk)
                h.update(chunk)
                size += len(chunk)
        if length and size != length:
            raise BuildError(f"{url} was cut off after {size} of {length} bytes; nothing was cached. "
                             f"Run k8slab build again, or build from source: k8slab build --from-source")
        got = h.hexdigest()
        if got != want:
            raise BuildError(f"{url} does not match its published SHA-256 (expected {want[:16]}…, got "
                             f"{got[:16]}…): refused, nothing was cached. Check the mirror, or build "
                             f"from source: k8slab build --from-source")
        tmp.chmod(0o755)
        os.replace(tmp, dest)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise BuildError(f"the disk holding {dest.parent} is full; nothing was cached. Free "
                             f"space (k8slab needs ~{2 * size / 2**20:.0f} MiB more), then k8slab build") from None
        raise BuildError(f"writing {dest} failed: {exc}; nothing was cached") from None
    finally:
        tmp.unlink(missing_ok=True)
    return {"sha256": got, "origin": url}


def export(directory: Path, binaries: dict[str, Path], version: str = versions.KUBERNETES,
           plat: tuple[str, str] | None = None) -> list[Path]:
    """Lay out cached binaries as a mirror (the official paths, a ``.sha256`` beside each).

    Binaries are hard-linked where the file system allows (a mirror of ~500 MB costs no
    space), else copied. Returns the files written.
    """
    from .digest import sha256_file

    written = []
    for name, src in binaries.items():
        art = artifact(name, version, plat)
        if art is None or not src.is_file():
            continue
        dest = directory / art.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.unlink(missing_ok=True)
        try:
            os.link(src, dest)
        except OSError:
            shutil.copy2(src, dest)
        (directory / art.checksum_path).write_text(f"{sha256_file(src)}\n")
        written.append(dest)
    (directory / "k8slab-mirror.json").write_text(json.dumps(
        {"kubernetes": version, "binaries": sorted(p.name for p in written)}, indent=1))
    return written
