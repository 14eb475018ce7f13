"""The series' lessons have the shape the README describes (no cluster needed).

Each task: a Markdown ``### Task N`` cell, a stub tagged ``k8slab-task`` holding ``___``
blanks, a collapsed ``%%k8s solution N`` cell tagged ``k8slab-solution``, and a
``%k8s check … --hint`` cell (in 09: ``%k8s curl … --expect … --hint``) tagged ``k8slab-check``. A notebook made a lesson keeps
no old-style hidden solution that a plain Run All would apply.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]


def _notebook(prefix: str):
    (path,) = NOTEBOOKS.glob(f"{prefix}-*.ipynb")
    return nbformat.read(path, as_version=4)


def tasks(nb) -> list[tuple[int, int]]:
    """(task number, index of its solution cell) for every solution cell."""
    out = []
    for i, cell in enumerate(nb.cells):
        m = re.match(r"%%k8s solution (\S+)\n", cell.source)
        if cell.cell_type == "code" and m:
            out.append((int(m.group(1)), i))
    return out


def problems(nb) -> list[str]:
    """What is wrong with the lessons of ``nb``; empty when every task is well formed."""
    out = []
    found = tasks(nb)
    if [n for n, _ in found] != list(range(1, len(found) + 1)):
        out.append(f"tasks are not numbered 1, 2, … in order: {[n for n, _ in found]}")
    for n, i in found:
        heading, stub, solution = nb.cells[i - 2], nb.cells[i - 1], nb.cells[i]
        # the check follows the solution, at most one cell (e.g. a watcher) between them
        checks = [c for c in nb.cells[i + 1:i + 3] if "k8slab-check" in c.metadata.get("tags", [])]
        if heading.cell_type != "markdown" or f"### Task {n}:" not in heading.source:
            out.append(f"task {n}: no '### Task {n}:' heading just before its stub")
        elif f"%k8s solution {n}" not in heading.source:
            out.append(f"task {n}: the heading does not say '%k8s solution {n}'")
        if "k8slab-task" not in stub.metadata.get("tags", []) or "___" not in stub.source:
            out.append(f"task {n}: the cell before the solution is not a k8slab-task stub with ___ blanks")
        if "k8slab-solution" not in solution.metadata.get("tags", []) or \
                solution.metadata.get("jupyter", {}).get("source_hidden") is not True:
            out.append(f"task {n}: the solution is not tagged k8slab-solution and collapsed")
        if "___" in solution.source:
            out.append(f"task {n}: the solution has a ___ blank")
        # a check: %k8s check, or an HTTP answer checked with %k8s curl --expect (09, ingress)
        # a check of a step that needs real containers sits under %%k8s_needs (it skips where pods are simulated)
        check = re.sub(r"^%%k8s_needs [a-z, ]+\n", "", checks[0].source) if checks else ""
        is_check = check.startswith("%k8s check ") or (check.startswith("%k8s curl ") and "--expect" in check)
        if not is_check or f"--hint 'task {n}:" not in check:
            out.append(f"task {n}: no '%k8s check … --hint 'task {n}: …'' cell tagged k8slab-check after the solution")
    return out


@pytest.mark.parametrize("prefix", LESSONS)
def test_every_task_has_stub_solution_and_check(prefix):
    nb = _notebook(prefix)
    assert len(tasks(nb)) >= 2, prefix
    assert problems(nb) == []


@pytest.mark.parametrize("prefix", LESSONS)
def test_no_hidden_solution_runs_on_a_plain_run(prefix):
    nb = _notebook(prefix)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        hidden = cell.metadata.get("jupyter", {}).get("source_hidden")
        if hidden or "solution" in cell.metadata.get("tags", []):
            assert cell.source.startswith("%%k8s solution "), cell.source[:80]


def test_a_broken_lesson_is_named():
    nb = _notebook("02")
    (_, i), (_, j), *_ = tasks(nb)
    nb.cells[i + 1].source = "%k8s get pods"
    nb.cells[j - 1].source = "%k8s label pod/nginx environment=dev"
    assert problems(nb) == [
        "task 1: no '%k8s check … --hint 'task 1: …'' cell tagged k8slab-check after the solution",
        "task 2: the cell before the solution is not a k8slab-task stub with ___ blanks"]
