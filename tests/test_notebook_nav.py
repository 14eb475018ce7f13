"""The notebook index and prev/next navigation are generated (tools/nbnav.py) and up to date."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "nbnav.py"


def _load():
    spec = importlib.util.spec_from_file_location("nbnav", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_series_navigation_is_current():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _write(path: Path, title: str, extra=()):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nIntro."), *extra,
                nbformat.v4.new_code_cell("1 + 1")]
    nbformat.write(nb, path)


def test_generate_then_check(tmp_path):
    nbnav = _load()
    index_cell = nbformat.v4.new_markdown_cell("(generated)")
    index_cell.metadata["tags"] = [nbnav.INDEX_TAG]
    _write(tmp_path / "00-index.ipynb", "Index", [index_cell])
    _write(tmp_path / "01-first.ipynb", "First topic")
    _write(tmp_path / "02-second.ipynb", "Second topic")
    (tmp_path / "scratch.ipynb").write_text((tmp_path / "01-first.ipynb").read_text())

    assert nbnav.main([str(tmp_path), "--check"]) == 1
    assert nbnav.main([str(tmp_path)]) == 0
    assert nbnav.main([str(tmp_path), "--check"]) == 0

    index = nbformat.read(tmp_path / "00-index.ipynb", as_version=4)
    contents = next(c for c in index.cells if nbnav.INDEX_TAG in c.metadata.get("tags", []))
    assert contents.source.splitlines()[2:] == [
        "- [First topic](01-first.ipynb)", "- [Second topic](02-second.ipynb)"]

    first = nbformat.read(tmp_path / "01-first.ipynb", as_version=4)
    assert first.cells[0].source.startswith("# First topic")
    nav = [c for c in first.cells if nbnav.NAV_TAG in c.metadata.get("tags", [])]
    assert [first.cells.index(c) for c in nav] == [1, len(first.cells) - 1]
    assert nav[0].source == "< [Index](00-index.ipynb) | [Contents](00-index.ipynb) | [Second topic](02-second.ipynb) >"
    assert nav[0].source == nav[1].source
    last = nbformat.read(tmp_path / "02-second.ipynb", as_version=4)
    assert last.cells[1].source == "< [First topic](01-first.ipynb) | [Contents](00-index.ipynb)"

    # renaming a title makes the neighbours stale
    first.cells[0].source = "# Renamed topic"
    nbformat.write(first, tmp_path / "01-first.ipynb")
    assert nbnav.main([str(tmp_path), "--check"]) == 1
    assert nbnav.main([str(tmp_path)]) == 0
    assert "Renamed topic" in nbformat.read(tmp_path / "02-second.ipynb", as_version=4).cells[1].source


def test_outputs_are_kept(tmp_path):
    nbnav = _load()
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("print('hi')")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# Only"), code]
    index_cell = nbformat.v4.new_markdown_cell("")
    index_cell.metadata["tags"] = [nbnav.INDEX_TAG]
    idx = nbformat.v4.new_notebook()
    idx.cells = [nbformat.v4.new_markdown_cell("# Index"), index_cell]
    nbformat.write(idx, tmp_path / "00-index.ipynb")
    nbformat.write(nb, tmp_path / "01-only.ipynb")
    nbnav.main([str(tmp_path)])
    again = nbformat.read(tmp_path / "01-only.ipynb", as_version=4)
    assert again.cells[2].outputs[0].text == "hi\n"
