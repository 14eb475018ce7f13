"""Gateway API's standard-channel CRDs, read from the pinned ``sigs.k8s.io/gateway-api`` module zip.

The zip is the one the Go module proxy serves (and ``go mod download`` keeps); it is
checked against the module's ``h1:`` hash (Go's dirhash, pinned in :data:`SUM`) before
anything in it is used, so the same bytes are applied whether Go is installed or not
(kind users have no Go: the zip is then fetched from ``$GOPROXY`` with Python).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import urllib.request
import zipfile
from pathlib import Path

import yaml

from ..errors import BuildError
from . import paths, versions

MODULE = "sigs.k8s.io/gateway-api"
SUM = "h1:mock6phZbI6rvZerwrVNk7hVNymQgHo+6sJ81Ia7ftY="
"""The module zip's hash as go.sum records it (Traefik's go.sum for ``MODULE`` at ``versions.GATEWAY_API``)."""
CRD_DIR = "config/crd/standard/"


def dirhash(zf: zipfile.ZipFile) -> str:
    """Go's ``dirhash.Hash1`` of a module zip: sha256 over "<sha256>  <name>\\n" lines, sorted by name."""
    lines = []
    for name in sorted(zf.namelist()):
        if name.endswith("/"):
            continue
        lines.append(f"{hashlib.sha256(zf.read(name)).hexdigest()}  {name}\n")
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()


def _gomodcache_zip() -> Path | None:
    roots = [os.environ.get("GOMODCACHE"), os.path.join(os.environ.get("GOPATH") or
                                                        os.path.join(Path.home(), "go"), "pkg", "mod")]
    for root in filter(None, roots):
        path = Path(root) / "cache" / "download" / MODULE / "@v" / f"{versions.GATEWAY_API}.zip"
        if path.is_file():
            return path
    return None


def _proxy_url() -> str:
    for entry in (os.environ.get("GOPROXY") or "https://proxy.golang.org").split(","):
        entry = entry.split("|")[0].strip()
        if entry.startswith(("https://", "http://")):
            return entry.rstrip("/")
    return "https://proxy.golang.org"


def module_zip(echo=print) -> bytes:
    """The verified module zip: from Go's module cache, k8slab's cache, or the module proxy."""
    cached = paths.cache_dir() / "addons" / f"gateway-api-{versions.GATEWAY_API}.zip"
    for path in filter(None, (_gomodcache_zip(), cached)):
        if path.is_file():
            data = path.read_bytes()
            if dirhash(zipfile.ZipFile(io.BytesIO(data))) == SUM:
                return data
    url = f"{_proxy_url()}/{MODULE}/@v/{versions.GATEWAY_API}.zip"
    echo(f"downloading Gateway API {versions.GATEWAY_API} CRDs from {url} ...")
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            data = resp.read()
    except OSError as exc:
        raise BuildError(f"could not download {url}: {exc}; set GOPROXY to a module proxy this "
                         f"machine reaches, then try again") from exc
    try:
        got = dirhash(zipfile.ZipFile(io.BytesIO(data)))
    except zipfile.BadZipFile:
        got = "not a zip file"
    if got != SUM:
        raise BuildError(f"{url} does not match the pinned hash ({got} != {SUM}); nothing was kept")
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, cached)
    return data


def standard_objects(echo=print) -> list[dict]:
    """The standard channel's objects (CRDs, then the ValidatingAdmissionPolicy and its binding)."""
    zf = zipfile.ZipFile(io.BytesIO(module_zip(echo)))
    prefix = f"{MODULE}@{versions.GATEWAY_API}/{CRD_DIR}"
    objs = []
    for name in sorted(n for n in zf.namelist() if n.startswith(prefix) and n.endswith(".yaml")):
        objs += [d for d in yaml.safe_load_all(zf.read(name)) if isinstance(d, dict) and d.get("kind")]
    if not any(o["kind"] == "CustomResourceDefinition" for o in objs):
        raise BuildError(f"{MODULE}@{versions.GATEWAY_API} holds no CRDs under {CRD_DIR}")
    order = {"CustomResourceDefinition": 0}
    return sorted(objs, key=lambda o: order.get(o["kind"], 1))
