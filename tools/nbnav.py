"""Generate the notebook index and the prev/next navigation of the notebook series.

The PythonDataScienceHandbook ``generate_contents.py`` pattern: the series is
``notebooks/NN-topic.ipynb``; each notebook's title is its first ``# Title`` cell.
The script rewrites

* the cell tagged ``k8slab-index`` in ``00-index.ipynb`` with a list of links to
  every other notebook, and
* a navigation cell tagged ``k8slab-nav`` right after the title cell and one at
  the end of every notebook (previous · contents · next).

Everything else in the notebooks (cells, outputs, metadata) is left as it is.

Example:
    python tools/nbnav.py            # rewrite stale cells
    python tools/nbnav.py --check    # exit 1 and name the stale notebooks
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

NAV_TAG = "k8slab-nav"
INDEX_TAG = "k8slab-index"
INDEX_NAME = "00-index.ipynb"
NAME_RE = re.compile(r"^\d\d-[a-z0-9-]+\.ipynb$")
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "notebooks"


def series(directory: Path) -> list[Path]:
    """The notebooks of the series, ``NN-topic.ipynb``, in file-name order."""
    return sorted(p for p in directory.iterdir() if NAME_RE.match(p.name))


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _is_generated(cell) -> bool:
    tags = _tags(cell)
    return NAV_TAG in tags or INDEX_TAG in tags


def title_of(nb, path: Path) -> str:
    """The text of the first ``# Title`` heading, from the first non-generated cell."""
    for cell in nb.cells:
        if _is_generated(cell):
            continue
        first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        if cell.cell_type == "markdown" and first.startswith("# "):
            return first[2:].strip()
        break
    raise SystemExit(f"{path}: the first cell must be a markdown '# Title' cell")


def _nav_cell(cell_id: str, prev: tuple[str, str] | None, nxt: tuple[str, str] | None, index: bool):
    parts = []
    if prev:
        parts.append(f"< [{prev[1]}]({prev[0]})")
    if index:
        parts.append(f"[Contents]({INDEX_NAME})")
    if nxt:
        parts.append(f"[{nxt[1]}]({nxt[0]}) >")
    cell = nbformat.v4.new_markdown_cell(" | ".join(parts))
    cell.id = cell_id
    cell.metadata = {"tags": [NAV_TAG]}
    return cell


def _index_source(entries: list[tuple[str, str]]) -> str:
    lines = ["## Contents", ""]
    lines += [f"- [{title}]({name})" for name, title in entries if name != INDEX_NAME]
    return "\n".join(lines)


def render(nb, position: int, entries: list[tuple[str, str]]):
    """Return a copy of ``nb`` with its generated cells brought up to date."""
    new = copy.deepcopy(nb)
    name = entries[position][0]
    cells = [c for c in new.cells if NAV_TAG not in _tags(c)]
    prev = entries[position - 1] if position > 0 else None
    nxt = entries[position + 1] if position + 1 < len(entries) else None
    is_index = name == INDEX_NAME
    top = _nav_cell("k8slab-nav-top", prev, nxt, not is_index)
    bottom = _nav_cell("k8slab-nav-bottom", prev, nxt, not is_index)
    title_at = next(i for i, c in enumerate(cells) if not _is_generated(c))
    cells.insert(title_at + 1, top)
    cells.append(bottom)
    if is_index:
        for cell in cells:
            if INDEX_TAG in _tags(cell):
                cell.source = _index_source(entries)
                break
        else:
            raise SystemExit(f"{name}: no cell tagged {INDEX_TAG!r} to hold the contents")
    new.cells = cells
    return new


def run(directory: Path, check: bool) -> list[Path]:
    """Update (or, with ``check``, only compare) every notebook; return the stale ones."""
    paths = series(directory)
    notebooks = [nbformat.read(p, as_version=4) for p in paths]
    entries = [(p.name, title_of(nb, p)) for p, nb in zip(paths, notebooks)]
    stale = []
    for position, (path, nb) in enumerate(zip(paths, notebooks)):
        new = render(nb, position, entries)
        if new != nb:
            stale.append(path)
            if not check:
                nbformat.write(new, path)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--check", action="store_true", help="only report stale notebooks (exit 1)")
    args = parser.parse_args(argv)
    stale = run(args.directory, args.check)
    for path in stale:
        print(f"{'stale' if args.check else 'updated'}: {path}")
    if args.check and stale:
        print("run: python tools/nbnav.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
