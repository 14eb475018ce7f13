"""The consumer module that builds Traefik from its Go module (the ingress addon's controller).

Traefik does not build from the module proxy as published (see ENGINE-FACTS, "Ingress
controller"); the consumer module generated in the cache fixes three things:

- Traefik's own ``replace`` and ``exclude`` lines are copied (a ``replace`` in a dependency's
  go.mod is ignored by Go), except the local one for ``github.com/traefik/traefik/dynamic/ext``,
  a nested module of Traefik's repository that is neither in the v3 zip nor served: an
  equivalent package (two empty structs, as upstream's) is written next to go.mod.
- ``github.com/abbot/go-http-auth`` points at the fork version the proxy serves
  (:data:`versions.TRAEFIK_HTTP_AUTH_FORK`).
- ``github.com/go-acme/lego/v5`` is a copy with the ACME DNS providers whose SDKs the proxy
  refuses taken out of its provider switch (:data:`versions.TRAEFIK_LEGO_DROP`).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Callable

from ..errors import BuildError
from . import versions

MODULE = "github.com/traefik/traefik/v3"
EXT_MODULE = "github.com/traefik/traefik/dynamic/ext"
HTTP_AUTH = "github.com/abbot/go-http-auth"
HTTP_AUTH_FORK = "github.com/containous/go-http-auth"
LEGO = "github.com/go-acme/lego/v5"
LEGO_SWITCH = "providers/dns/zz_gen_dns_providers.go"

EXT_GO = """// Package ext is the extension point of Traefik's dynamic configuration. Upstream keeps it as a
// nested module that the module proxy does not serve; k8slab writes this equivalent (no fields).
package ext

// HTTP is inlined into Traefik's HTTPConfiguration.
type HTTP struct{}

// Router is inlined into Traefik's Router.
type Router struct{}
"""

RunGo = Callable[[list[str], Path, str], str]


def drop_providers(text: str, names: tuple[str, ...]) -> str:
    """The lego provider switch without the named providers (their imports and cases).

    Raises :class:`BuildError` when a name is not in the file, so a Traefik bump that changes
    lego's layout stops the build with a clear message instead of building something else.
    """
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    found: set[str] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r'\s*"github\.com/go-acme/lego/v5/providers/dns/([\w-]+)"\s*$', line)
        if m and m.group(1) in names:
            found.add(m.group(1))
            i += 1
            continue
        # a case (with any aliases: case "edgedns", "fastdns":) whose body returns a dropped package
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        r = re.match(r"\s*return ([\w]+)\.NewDNSProvider\(\)\s*$", nxt)
        if re.match(r"\s*case .*:\s*$", line) and r and r.group(1) in names:
            i += 2
            continue
        out.append(line)
        i += 1
    missing = sorted(set(names) - found)
    if missing:
        raise BuildError(f"lego's {LEGO_SWITCH} has no provider {', '.join(missing)}; update "
                         f"TRAEFIK_LEGO_DROP in k8slab/engine/versions.py for Traefik {versions.TRAEFIK}")
    return "".join(out)


def _download(run_go: RunGo, work: Path, module: str, version: str) -> dict:
    return json.loads(run_go(["mod", "download", "-json", f"{module}@{version}"], work,
                             f"{module} (download)"))


def _lego_copy(run_go: RunGo, work: Path, version: str) -> Path:
    """A writable copy of lego at ``version`` without the refused providers (kept when current)."""
    dst = work / f"lego-{version}"
    marker = dst / ".k8slab-dropped"
    want = ",".join(versions.TRAEFIK_LEGO_DROP)
    if marker.is_file() and marker.read_text() == want:
        return dst
    src = Path(_download(run_go, work, LEGO, version)["Dir"])
    tmp = work / f".lego-{version}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    for path in (tmp, *tmp.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)  # the module cache is read-only
    switch = tmp / LEGO_SWITCH
    switch.write_text(drop_providers(switch.read_text(), versions.TRAEFIK_LEGO_DROP))
    (tmp / ".k8slab-dropped").write_text(want)
    shutil.rmtree(dst, ignore_errors=True)
    tmp.rename(dst)
    return dst


def _fmt_replace(r: dict) -> str:
    old, new = r["Old"], r["New"]
    left = old["Path"] + (f" {old['Version']}" if old.get("Version") else "")
    right = new["Path"] + (f" {new['Version']}" if new.get("Version") else "")
    return f"\t{left} => {right}"


def go_mod_lines(upstream: dict, lego_dir: str, lego_version: str) -> list[str]:
    """The ``replace``/``exclude`` lines of the consumer go.mod, from Traefik's own go.mod
    (as ``go mod edit -json`` prints it)."""
    replaces = []
    for r in upstream.get("Replace") or []:
        path = r["Old"]["Path"]
        if path in (EXT_MODULE, HTTP_AUTH):
            continue  # both are replaced below
        if r["New"]["Path"].startswith("."):
            raise BuildError(f"Traefik {versions.TRAEFIK} replaces {path} with a local directory "
                             f"k8slab does not know how to provide; see k8slab/engine/traefikmod.py")
        replaces.append(_fmt_replace(r))
    replaces += [f"\t{EXT_MODULE} => ./ext",
                 f"\t{HTTP_AUTH} => {HTTP_AUTH_FORK} {versions.TRAEFIK_HTTP_AUTH_FORK}",
                 f"\t{LEGO} => ./{lego_dir}"]
    lines = ["replace (", *replaces, ")"]
    for e in upstream.get("Exclude") or []:
        lines.append(f"exclude {e['Path']} {e['Version']}")
    lines.append(f"require {LEGO} {lego_version}")
    return lines


def prepare(work: Path, run_go: RunGo) -> list[str]:
    """Write what the consumer module needs beside go.mod; return the extra go.mod lines."""
    info = _download(run_go, work, MODULE, versions.TRAEFIK)
    upstream = json.loads(run_go(["mod", "edit", "-json", info["GoMod"]], work,
                                 "Traefik's go.mod (read)"))
    lego_version = next((r["Version"] for r in upstream.get("Require") or [] if r["Path"] == LEGO), None)
    if not lego_version:
        raise BuildError(f"Traefik {versions.TRAEFIK} does not require {LEGO}; see k8slab/engine/traefikmod.py")
    lego = _lego_copy(run_go, work, lego_version)
    ext = work / "ext"
    ext.mkdir(exist_ok=True)
    (ext / "go.mod").write_text(f"module {EXT_MODULE}\n\ngo 1.24\n")
    (ext / "ext.go").write_text(EXT_GO)
    return go_mod_lines(upstream, lego.name, lego_version)
