"""An image's root filesystem described in memory, before it becomes a layer.

Entries are kept by path (``usr/bin/perl``, no leading slash); files point at
their source on disk or hold their bytes, so a large tree costs no copying
until the layer is written. Owners are always root: the layer writer stores
uid/gid 0 for everything.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import stat
from pathlib import Path
from typing import Callable

from ...errors import BuildError

MERGED_DIRS = ("bin", "sbin", "lib", "lib64")


@dataclasses.dataclass
class Entry:
    """One path of the root filesystem."""

    kind: str  # "dir", "file" or "symlink"
    mode: int = 0o755
    data: bytes | None = None  # a file's bytes, or None when it comes from ``source``
    source: Path | None = None
    target: str = ""  # a symlink's target
    inode: tuple[int, int] | None = None  # files sharing one become hard links


class Rootfs:
    """A root filesystem under construction.

    Args:
        merged_usr: lay it out as Debian bookworm does: ``/bin``, ``/sbin``, ``/lib``
            and ``/lib64`` are symlinks into ``/usr`` and whatever is added under them
            lands in ``/usr``.
    """

    def __init__(self, merged_usr: bool = False):
        self.merged_usr = merged_usr
        self.entries: dict[str, Entry] = {}
        if merged_usr:
            for name in MERGED_DIRS:
                self.dir("usr/" + name)
                self.entries[name] = Entry("symlink", 0o777, target="usr/" + name)

    def place(self, path: str) -> str:
        """Where ``path`` ends up (relative, normalized, merged into /usr if so laid out)."""
        rel = posixpath.normpath("/" + str(path)).lstrip("/")
        if rel in ("", "."):
            raise BuildError(f"cannot add the root directory itself as an entry ({path!r})")
        if self.merged_usr and rel.split("/", 1)[0] in MERGED_DIRS:
            rel = "usr/" + rel
        return rel

    def _parents(self, rel: str) -> None:
        parent = posixpath.dirname(rel)
        while parent:
            have = self.entries.get(parent)
            if have is None:
                self.entries[parent] = Entry("dir", 0o755)
            elif have.kind != "dir":
                raise BuildError(f"cannot put {rel} in the image: {parent} is a {have.kind}")
            parent = posixpath.dirname(parent)

    def _put(self, path: str, entry: Entry, overwrite: bool) -> bool:
        rel = self.place(path)
        have = self.entries.get(rel)
        if have is not None:
            if have.kind == "dir" and entry.kind == "dir":
                have.mode = entry.mode if overwrite else have.mode
                return True
            if not overwrite:
                return False
            if have.kind == "dir" and any(p.startswith(rel + "/") for p in self.entries):
                raise BuildError(f"cannot replace directory {rel} of the image with a {entry.kind}")
        self._parents(rel)
        self.entries[rel] = entry
        return True

    def dir(self, path: str, mode: int = 0o755) -> None:
        """Add a directory (parents are made with mode 0755)."""
        self._put(path, Entry("dir", mode), True)

    def file(self, path: str, data: bytes | str, mode: int = 0o644, overwrite: bool = True) -> None:
        """Add a file with the given content."""
        raw = data.encode() if isinstance(data, str) else bytes(data)
        self._put(path, Entry("file", mode, data=raw), overwrite)

    def copy(self, path: str, source: Path, mode: int | None = None, overwrite: bool = True) -> None:
        """Add a file whose content is read from ``source`` when the layer is written."""
        st = os.stat(source)
        self._put(path, Entry("file", stat.S_IMODE(st.st_mode) if mode is None else mode,
                              source=Path(source)), overwrite)

    def symlink(self, path: str, target: str, overwrite: bool = True) -> bool:
        """Add a symbolic link; returns False when something was there and ``overwrite`` is off."""
        return self._put(path, Entry("symlink", 0o777, target=target), overwrite)

    def add_from(self, tree: Path, rel: str, overwrite: bool = True) -> None:
        """Add one path of an unpacked tree (a file, symlink or directory, not its contents)."""
        src = Path(tree) / rel
        st = os.lstat(src)
        if stat.S_ISDIR(st.st_mode):
            self._put(rel, Entry("dir", stat.S_IMODE(st.st_mode)), overwrite)
        elif stat.S_ISLNK(st.st_mode):
            self._put(rel, Entry("symlink", 0o777, target=os.readlink(src)), overwrite)
        elif stat.S_ISREG(st.st_mode):
            inode = (st.st_dev, st.st_ino) if st.st_nlink > 1 else None
            self._put(rel, Entry("file", stat.S_IMODE(st.st_mode), source=src, inode=inode), overwrite)
        # device nodes, fifos and sockets have no place in an image layer: skipped

    def add_tree(self, tree: Path, keep: Callable[[str], bool] = lambda rel: True,
                 overwrite: bool = True) -> int:
        """Add everything under ``tree`` whose relative path ``keep`` accepts; return the count."""
        tree = Path(tree)
        count = 0
        for root, dirs, files in os.walk(tree):
            dirs.sort()
            base = os.path.relpath(root, tree)
            for name in sorted(dirs) + sorted(files):
                rel = name if base == "." else f"{base}/{name}"
                if not keep(rel):
                    continue
                self.add_from(tree, rel, overwrite)
                count += 1
            dirs[:] = [d for d in dirs if keep(d if base == "." else f"{base}/{d}")]
        return count

    def size(self) -> int:
        """Bytes of file content (hard-linked copies counted once)."""
        seen: set = set()
        total = 0
        for entry in self.entries.values():
            if entry.kind != "file":
                continue
            if entry.inode is not None:
                if entry.inode in seen:
                    continue
                seen.add(entry.inode)
            total += len(entry.data) if entry.data is not None else os.stat(entry.source).st_size
        return total
