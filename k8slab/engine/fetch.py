"""Fetch first, build as fallback: official release files, or a classroom mirror of them.

Every binary the Docker-less engines run that its publisher releases as a file (the six
Kubernetes binaries on dl.k8s.io; etcd, KWOK, containerd, CoreDNS and Traefik on their GitHub
release pages: see :mod:`k8slab.engine.fetch_catalog`) is downloaded and verified against the
SHA-256 published beside it, or pinned in :data:`versions.RELEASE_SHA256`, before anything is
built. A file with nothing to verify it against (KWOK publishes no checksums) is not fetched
from its publisher: it is built. ``--mirror URL`` / ``$K8SLAB_MIRROR`` points at a server laid
out like the official sites (``k8slab mirror export DIR`` writes one from this machine's cache,
with a checksum file beside every file), and is then the only place asked.

Nothing half-written is ever left in the cache: a download goes to a hidden temporary file,
and the binaries are renamed into place only once the size and checksum are right (for a
tarball: once every wanted member was read in full).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import http.client
import os
import platform
import re
import sys
import time
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import urlparse

from ..errors import BuildError
from . import fetch_archive
from .fetch_catalog import Artifact

TIMEOUT = 10.0
"""Seconds to wait for a connection or a read before the source counts as unreachable."""
PROGRESS_EVERY = 10.0
"""Seconds between progress lines of a download."""


class Unavailable(Exception):
    """The source does not answer or does not have the file: build from source instead.

    ``reachable`` is True when the source answered (it lacks this one file), so trying the
    next file there is worth it; False when it did not answer at all.
    """

    def __init__(self, message: str, reachable: bool = False):
        super().__init__(message)
        self.reachable = reachable


def host_platform() -> tuple[str, str]:
    """(os, arch) as release URLs spell them: ``linux``/``darwin``, ``amd64``/``arm64``."""
    osname = "darwin" if sys.platform == "darwin" else "windows" if sys.platform == "win32" else "linux"
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return osname, arch


def mirror_url(mirror: str | None = None) -> str | None:
    """The mirror to fetch from: ``mirror``, else ``$K8SLAB_MIRROR``; None: the official sites."""
    url = (mirror or os.environ.get("K8SLAB_MIRROR") or "").rstrip("/")
    if url and not re.match(r"^https?://[^/\s]+", url):
        raise BuildError(f"mirror {url!r} is not an http(s) URL; e.g. --mirror http://teacher:8000")
    return url or None


def urls(art: Artifact, mirror: str | None) -> tuple[str, str | None] | None:
    """(file URL, checksum URL) to fetch ``art`` from; None when it must be built.

    From a mirror both come from the mirror. From the publisher a file needs a published
    checksum or a pinned one (the checksum URL is None when only the pin verifies it).
    """
    if mirror:
        return f"{mirror}/{art.mirror_path()}", f"{mirror}/{art.mirror_checksum_path}"
    if not art.site or not (art.checksum or art.pinned_sha256):
        return None
    return art.official_url(), art.official_url(art.checksum) if art.checksum else None


def host_of(url: str) -> str:
    return urlparse(url).netloc


def _open(url: str, timeout: float):
    import urllib.error  # urllib.request reads the OS's proxy settings at import: load it when asked
    import urllib.request

    try:
        return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (http/https checked above)
    except urllib.error.HTTPError as exc:
        raise Unavailable(f"{url} answered HTTP {exc.code}", reachable=True) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Unavailable(f"{url} is not reachable ({reason})") from None


def sha256_in(text: str, filename: str) -> str | None:
    """The SHA-256 a checksum file gives for ``filename``.

    Reads both shapes publishers use: a file holding one hash (maybe followed by a name), and
    a ``sha256sum`` list with one ``<hash>  [*]<name>`` line per file.
    """
    lines = [m for m in (re.match(r"\s*([0-9a-fA-F]{64})(?:\s+\*?(\S+))?\s*$", line)
                         for line in text.splitlines()) if m]
    for m in lines:
        if m.group(2) and m.group(2).rsplit("/", 1)[-1] == filename:
            return m.group(1).lower()
    if len(lines) == 1 and not lines[0].group(2):
        return lines[0].group(1).lower()
    return None


def expected_sha256(art: Artifact, checksum_url: str | None, pinned: str | None = None,
                    timeout: float = TIMEOUT) -> str:
    """The SHA-256 the file must have: the published one, which must equal ``pinned`` if given.

    Raises:
        Unavailable: the checksum file cannot be had (nothing to verify against: build).
        BuildError: the published checksum differs from the pinned one.
    """
    if checksum_url is None:
        if not pinned:
            raise Unavailable(f"nothing to verify {art.name} against", reachable=True)
        return pinned
    with _open(checksum_url, timeout) as resp:
        text = resp.read(1 << 16).decode("ascii", "replace")
    published = sha256_in(text, art.name)
    if not published:
        raise Unavailable(f"{checksum_url} holds no SHA-256 for {art.name} (got {text[:60]!r})",
                          reachable=True)
    if pinned and pinned != published:
        raise BuildError(f"{checksum_url} gives {art.name} another SHA-256 ({published[:16]}…) than the "
                         f"one pinned in k8slab/engine/versions.py ({pinned[:16]}…): refused, nothing "
                         f"was cached. Build from source: k8slab build --from-source")
    return published


def download(url: str, tmp: Path, want: str, label: str, echo: Callable[[str], None] = print,
             timeout: float = TIMEOUT) -> int:
    """Stream ``url`` into ``tmp``; raise unless it is complete and has SHA-256 ``want``.

    Returns the size. ``tmp`` is left for the caller to move or remove.
    """
    h, size = hashlib.sha256(), 0
    with _open(url, timeout) as resp, open(tmp, "wb") as out:
        length = int(resp.headers.get("Content-Length") or 0)
        echo(f"fetching {label} from {url}" + (f" ({length / 2**20:.1f} MiB)" if length else ""))
        said = time.monotonic()
        while True:
            if time.monotonic() - said > PROGRESS_EVERY:  # a slow link must not look hung
                said = time.monotonic()
                echo(f"  still fetching {label}: {size / 2**20:.0f}"
                     + (f" of {length / 2**20:.0f} MiB" if length else " MiB"))
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
    return size


@contextlib.contextmanager
def _cache_writes(where: Path, tmp: Path, sized: list[int]):
    """Turn a failed write into one message and always remove the temporary download."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            need = f" (k8slab needs ~{3 * sized[0] / 2**20:.0f} MiB more)" if sized[0] else ""
            raise BuildError(f"the disk holding {where} is full; nothing was cached. Free space{need}, "
                             f"then k8slab build") from None
        raise BuildError(f"writing {where} failed: {exc}; nothing was cached") from None
    finally:
        tmp.unlink(missing_ok=True)


def _prepare(art: Artifact, mirror: str | None, timeout: float) -> tuple[str, str]:
    where = urls(art, mirror)
    if where is None:
        raise Unavailable(f"{art.name} has no official release file with a checksum", reachable=True)
    url, checksum_url = where
    return url, expected_sha256(art, checksum_url, None if mirror else art.pinned_sha256, timeout)


def fetch(art: Artifact, dests: Mapping[str, Path], mirror: str | None,
          echo: Callable[[str], None] = print, timeout: float = TIMEOUT) -> tuple[str, int]:
    """Fetch ``art`` and put the binaries named in ``dests`` (name -> path) in place.

    Returns (the URL fetched, its size in bytes).

    Raises:
        Unavailable: the source does not answer or lacks the file (nothing written).
        BuildError: a checksum mismatch, a truncated download, a damaged or unsafe archive,
            or a full disk (nothing written).
    """
    url, want = _prepare(art, mirror, timeout)
    first = next(iter(dests.values()))
    first.parent.mkdir(parents=True, exist_ok=True)
    tmp = first.with_name(f".{art.name}.download")
    sized = [0]
    with _cache_writes(first.parent, tmp, sized):
        sized[0] = download(url, tmp, want, ", ".join(dests) if art.is_archive else art.name, echo, timeout)
        if art.is_archive:
            fetch_archive.extract(tmp, {art.members[name]: dest for name, dest in dests.items()}, url)
        else:
            tmp.chmod(0o755)
            os.replace(tmp, first)
    return url, sized[0]


def fetch_tree(art: Artifact, dest: Path, mirror: str | None, echo: Callable[[str], None] = print,
               timeout: float = TIMEOUT) -> str:
    """Fetch a tarball of plain files (KWOK's stages) and make it the directory ``dest``."""
    url, want = _prepare(art, mirror, timeout)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{art.name}.download")
    sized = [0]
    with _cache_writes(dest.parent, tmp, sized):
        sized[0] = download(url, tmp, want, art.name, echo, timeout)
        fetch_archive.extract_tree(tmp, dest, url)
    return url


def fetch_missing(wanted: list[tuple[str, str, str, Path]], mirror: str | None,
                  echo: Callable[[str], None] = print,
                  plat: tuple[str, str] | None = None) -> tuple[dict[str, str], list[str], set[str]]:
    """Fetch what has a release file; say what must be built instead.

    Args:
        wanted: (component, version, binary, destination) for each missing binary.
        mirror: the mirror's URL, or None for the official sites.

    Returns:
        ({binary: URL it came from}, [binaries to build], {hosts that did not answer}). A
        source that does not answer is asked once: every later file on the same host is built
        without another try.
    """
    from . import fetch_catalog

    plat = plat or host_platform()
    groups: dict[str, tuple[Artifact, dict[str, Path]]] = {}
    rest: list[str] = []
    for comp, version, name, dest in wanted:
        art = fetch_catalog.artifact_for(comp, name, version, plat)
        if art is None or urls(art, mirror) is None:
            rest.append(name)
        else:
            groups.setdefault(art.path, (art, {}))[1][name] = dest
    got: dict[str, str] = {}
    down: set[str] = set()
    for art, dests in groups.values():
        url = urls(art, mirror)[0]
        if host_of(url) in down:
            rest += list(dests)
            continue
        try:
            fetched, _size = fetch(art, dests, mirror, echo)
        except Unavailable as exc:
            if exc.reachable:  # the source lacks this file: build it, try the next one there
                echo(f"cannot fetch {', '.join(dests)}: {exc}; building from Go modules")
            else:
                echo(f"cannot fetch from {host_of(url)}: {exc}; building from Go modules instead")
                down.add(host_of(url))
            rest += list(dests)
            continue
        got.update({name: fetched for name in dests})
    order = [name for _c, _v, name, _d in wanted]
    return got, sorted(rest, key=order.index), down
