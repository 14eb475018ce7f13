"""The shared objects a set of ELF programs loads, found in unpacked Debian packages.

``readelf`` (binutils) lists each file's ``NEEDED`` libraries and program
interpreter; they are looked up in the library directories of the unpacked
trees, symlink chains included, and followed until nothing new is needed.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from ...errors import BuildError
from .debian import run

_LIBDIR = re.compile(r"^(?:usr/)?lib(?:32|64|x32)?(?:/[a-z0-9_]+-linux-[a-z0-9_]+)?$")


def is_elf(path: Path) -> bool:
    """Whether ``path`` is a regular file starting with the ELF magic."""
    try:
        if os.path.islink(path) or not os.path.isfile(path):
            return False
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def dynamic_info(files: list[Path]) -> dict[Path, tuple[list[str], str | None]]:
    """{file: (NEEDED sonames, program interpreter or None)} for ELF files, via one readelf call."""
    out: dict[Path, tuple[list[str], str | None]] = {}
    if not files:
        return out
    text = run(["readelf", "-W", "-d", "-l", *map(str, files)], "reading ELF headers")
    current = files[0]
    by_name = {str(f): f for f in files}
    for line in text.splitlines():
        if line.startswith("File: "):
            current = by_name.get(line[6:].strip(), current)
            continue
        needed, interp = out.setdefault(current, ([], None))
        m = re.search(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", line)
        if m:
            needed.append(m.group(1))
        m = re.search(r"\[Requesting program interpreter: ([^\]]+)\]", line)
        if m:
            out[current] = (needed, m.group(1))
    return out


class Closure:
    """Library lookup across unpacked package trees.

    Args:
        trees: directories each holding one unpacked package.
    """

    def __init__(self, trees: list[Path]):
        self.trees = [Path(t) for t in trees]
        self.index: dict[str, tuple[Path, str]] = {}
        for tree in self.trees:
            for root, dirs, files in os.walk(tree):
                rel = os.path.relpath(root, tree)
                if not _LIBDIR.match(rel):
                    continue
                for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
                    self.index.setdefault(name, (tree, f"{rel}/{name}"))

    def _find(self, abspath: str) -> tuple[Path, str] | None:
        rel = posixpath.normpath(abspath).lstrip("/")
        alternatives = [rel]
        first = rel.split("/", 1)[0]
        if first in ("bin", "sbin", "lib", "lib64"):
            alternatives.append("usr/" + rel)
        elif rel.startswith("usr/"):
            alternatives.append(rel[4:])
        for tree in self.trees:
            for candidate in alternatives:
                if os.path.lexists(tree / candidate):
                    return tree, candidate
        return None

    def _chain(self, tree: Path, rel: str, out: set[tuple[Path, str]]) -> tuple[Path, str]:
        """Add a path and, for a symlink, everything it leads to; return the final file."""
        for _ in range(40):
            out.add((tree, rel))
            full = tree / rel
            if not os.path.islink(full):
                return tree, rel
            target = os.readlink(full)
            path = target if target.startswith("/") else posixpath.join(posixpath.dirname(rel), target)
            found = self._find("/" + path)
            if found is None:
                raise BuildError(f"{rel} in {tree.name} links to {target}, which no unpacked package holds")
            tree, rel = found
        raise BuildError(f"too many levels of symbolic links at {rel} in {tree.name}")

    def resolve(self, roots: list[tuple[Path, str]], what: str) -> set[tuple[Path, str]]:
        """Every (tree, path) the ELF files among ``roots`` need, roots excluded.

        Raises:
            BuildError: a needed library is in none of the trees (a package is missing).
        """
        out: set[tuple[Path, str]] = set()
        done: set[Path] = set()
        todo = [tree / rel for tree, rel in roots if is_elf(tree / rel)]
        while todo:
            batch = [p for p in dict.fromkeys(todo) if p not in done]
            todo = []
            done.update(batch)
            for path, (needed, interp) in dynamic_info(batch).items():
                wanted = [(n, self.index.get(n)) for n in needed]
                if interp:
                    wanted.append((interp, self._find(interp)))
                for name, hit in wanted:
                    if hit is None:
                        raise BuildError(f"{what}: {path.name} needs {name}, which none of the "
                                         f"unpacked Debian packages provides")
                    tree, rel = self._chain(*hit, out)
                    if tree / rel not in done:
                        todo.append(tree / rel)
        return out
