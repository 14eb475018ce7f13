"""Fake ``docker`` and ``kind`` executables for the kind engine's unit tests (no Docker here).

``install(tmp_path, monkeypatch)`` puts both first on PATH. Every call is logged as a JSON
line (the argv) in ``<dir>/calls.jsonl``; the state they share lives in small files of the
same directory: ``clusters`` (one name a line), ``images`` (pulled on the "host"),
``fail-pull`` (images whose pull fails), ``docker-down`` (present: the daemon does not answer),
``containerd-store`` (present: ``kind load docker-image`` fails as with Docker's containerd
image store and multi-platform images).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

SCRIPT = r'''#!{python}
import json, os, sys
from pathlib import Path

d = Path({dir!r})
tool = os.path.basename(sys.argv[0])
args = sys.argv[1:]
with open(d / "calls.jsonl", "a") as f:
    f.write(json.dumps([tool, *args]) + "\n")

def lines(name):
    p = d / name
    return [l for l in p.read_text().splitlines() if l] if p.exists() else []

def write(name, items):
    (d / name).write_text("".join(i + "\n" for i in items))

if tool == "docker":
    if (d / "docker-down").exists():
        print("Cannot connect to the Docker daemon", file=sys.stderr); sys.exit(1)
    if args[:1] == ["info"]:
        print("29.0.0"); sys.exit(0)
    if args[:2] == ["image", "inspect"]:
        sys.exit(0 if args[-1] in lines("images") else 1)
    if args[:1] == ["version"]:
        print("linux/amd64"); sys.exit(0)
    if args[:2] == ["image", "save"]:
        Path(args[args.index("-o") + 1]).write_text("archive")
        sys.exit(0)
    if args[:1] == ["pull"]:
        if args[-1] in lines("fail-pull"):
            print("toomanyrequests: You have reached your pull rate limit", file=sys.stderr); sys.exit(1)
        write("images", lines("images") + [args[-1]]); print(args[-1]); sys.exit(0)
    sys.exit(0)

if tool == "kind":
    if args[:1] == ["version"]:
        print("kind v0.33.0 go1.26.0 linux/amd64"); sys.exit(0)
    if (d / "docker-down").exists():
        print("ERROR: failed to list clusters", file=sys.stderr); sys.exit(1)
    name = args[args.index("--name") + 1] if "--name" in args else "kind"
    if args[:2] == ["get", "clusters"]:
        print("\n".join(lines("clusters"))); sys.exit(0)
    if args[:2] == ["create", "cluster"]:
        if (d / "fail-create").exists():
            print("ERROR: failed to create cluster", file=sys.stderr); sys.exit(1)
        write("clusters", lines("clusters") + [name]); sys.exit(0)
    if args[:2] == ["delete", "cluster"]:
        write("clusters", [c for c in lines("clusters") if c != name]); sys.exit(0)
    if args[:2] == ["load", "docker-image"] and (d / "containerd-store").exists():
        print("ERROR: failed to load image: command ctr images import failed: content digest "
              "sha256:0123: not found", file=sys.stderr); sys.exit(1)
    if args[:2] == ["load", "image-archive"]:
        sys.exit(0 if Path(args[-1]).read_text() == "archive" else 1)
    if args[:2] == ["load", "docker-image"]:
        missing = [i for i in args[4:] if i not in lines("images")]
        if missing:
            print("ERROR: image: " + missing[0] + " not present locally", file=sys.stderr); sys.exit(1)
        sys.exit(0)
sys.exit(0)
'''


class FakeTools:
    """The fake tools' directory, with helpers to read their calls and set their state."""

    def __init__(self, directory: Path):
        self.dir = directory

    def calls(self, tool: str | None = None) -> list[list[str]]:
        log = self.dir / "calls.jsonl"
        rows = [json.loads(l) for l in log.read_text().splitlines()] if log.exists() else []
        return [r for r in rows if tool is None or r[0] == tool]

    def set(self, name: str, items: list[str] | bool) -> None:
        path = self.dir / name
        if items is False:
            path.unlink(missing_ok=True)
        else:
            path.write_text("".join(i + "\n" for i in (items if items is not True else [])))

    def lines(self, name: str) -> list[str]:
        path = self.dir / name
        return path.read_text().split() if path.exists() else []


def install(tmp_path: Path, monkeypatch) -> FakeTools:
    """Fake docker and kind first on PATH; k8slab's state and kubeconfig under ``tmp_path``."""
    bindir = tmp_path / "fakebin"
    bindir.mkdir()
    text = SCRIPT.replace("{python}", sys.executable).replace("{dir!r}", repr(str(bindir)))
    for tool in ("docker", "kind"):
        path = bindir / tool
        path.write_text(text)
        path.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("K8SLAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(tmp_path / "state" / "kubeconfig"))
    return FakeTools(bindir)
