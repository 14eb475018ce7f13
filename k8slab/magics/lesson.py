"""Lessons: a task the learner does, its check, and a reference solution kept back.

A lesson's task is three cells (see the README, "How a lesson works"):

1. the **task cell**, a stub the learner completes; its blanks are ``___``, and a
   ``%k8s`` line or ``%%k8s`` cell that still holds one prints a line saying so
   (:func:`stub_left`) instead of sending half an answer to the cluster;
2. the **solution cell**, ``%%k8s solution N`` (collapsed in the notebook): a plain
   run, such as a learner's Run All, only keeps its text for ``%k8s solution N`` and
   never executes it; the test run (``pytest --k8slab-solutions``, or the
   environment variable :data:`SOLUTIONS_ENV` set to ``1``) executes it, so CI proves
   every task can be solved and the stored outputs are those of a solved lesson;
3. the **check cell**, ``%k8s check … --hint '…'``: ✓, or ✗ with expected, found and
   hints, failing the cell until the task is done.
"""

from __future__ import annotations

import html
import os

from ..errors import StepFailedError, UsageError

SOLUTIONS_ENV = "K8SLAB_SOLUTIONS"
STUB = "___"
_SOLUTIONS: dict[str, str] = {}  # number -> the solution cell's body, in this kernel


def solutions_run() -> bool:
    """True in a test run that executes the reference solutions (``K8SLAB_SOLUTIONS=1``)."""
    return os.environ.get(SOLUTIONS_ENV, "").strip().lower() in ("1", "true", "yes")


def stub_left(line: str, cell: str | None) -> str | None:
    """What to tell the learner when a ``%k8s`` line or cell still holds a ``___`` blank, else None.

    Not an error: the cell runs to its end (so a Run All goes on, to the check that
    fails with the task's hint) and nothing is sent to the cluster.
    """
    if cell is not None and STUB in cell:
        number, text = next((i, t) for i, t in enumerate(cell.splitlines(), 1) if STUB in t)
        return (f"✎ this cell is a task for you: replace each {STUB} with your answer"
                f" (line {number}: {text.strip()}), then run the cell again.")
    if STUB in line:
        return (f"✎ this line is a task for you: replace each {STUB} with your answer"
                f" ({line.strip()}), then run it again.")
    return None


def keep(number: str, body: str, shell) -> None:
    """The ``%%k8s solution N`` cell: keep the text; execute it only in a test run."""
    if not body.strip():
        raise UsageError(f"%%k8s solution {number}: the cell has no solution in it.")
    from .cellrun import compile_cell, run_as_text

    # a typo in a solution must fail every run, not only the test run that executes it
    code = compile_cell(body, shell, f"%%k8s solution {number}: the solution")
    _SOLUTIONS[number] = body
    if not solutions_run():
        print(f"🔒 solution {number} is kept back (not run): do the task yourself, then run the check."
              f" Stuck? %k8s solution {number} shows it.")
        return
    text, error = run_as_text(code, shell)
    print(f"▶ solution {number}: run by the test run ({SOLUTIONS_ENV}=1)\n{text}",
          end="" if text.endswith("\n") else "\n")
    if error is not None:
        raise StepFailedError(f"solution {number} failed ({type(error).__name__}: {error}); see above.")


def show(number: str, shell, load: bool = False):
    """``%k8s solution N``: the kept solution, folded (HTML) or as text; ``load`` puts it in a new cell."""
    if number not in _SOLUTIONS:
        known = ", ".join(sorted(_SOLUTIONS)) or "none yet"
        raise UsageError(f"solution {number} is not known in this kernel (known: {known}): run its cell"
                         f" first, the collapsed '%%k8s solution {number}' cell below the task.")
    body = _SOLUTIONS[number]
    if load:
        shell.set_next_input(body, replace=False)
        return None
    return Solution(number, body)


class Solution:
    """A kept solution, shown collapsed in JupyterLab and in full as text."""

    def __init__(self, number: str, body: str):
        self.number, self.body = number, body

    def __repr__(self) -> str:
        return f"solution {self.number}:\n{self.body.rstrip()}"

    def _repr_html_(self) -> str:
        return (f"<details><summary>solution {html.escape(self.number)} (click to open)</summary>"
                f"<pre>{html.escape(self.body.rstrip())}</pre></details>")
