"""``%%k8s solution N`` keeps a lesson's reference solution; ``%k8s solution N`` shows it.

The cell form never executes its body on a plain run (a learner's Run All); a test run
(``pytest --k8slab-solutions``) executes it before the task's check. See
:mod:`k8slab.magics.lesson`.
"""

from __future__ import annotations

from ..parser import CmdParser

READS_CELL = True  # %%k8s solution N: the cell is the reference solution


def build_parser() -> CmdParser:
    p = CmdParser("solution", description="A lesson's reference solution. As a cell (%%k8s solution N),"
                  " it is kept and not run, except by the test run (pytest --k8slab-solutions), which runs"
                  " it before the task's check. As a line, it shows solution N, folded.",
                  epilog="Examples:\n  %k8s solution 2            # show it (click to open)\n"
                         "  %k8s solution 2 --load     # copy it into a new cell below, to run it\n"
                         "  %%k8s solution 2           # (a teacher's cell) the solution's code below")
    p.add_argument("number", metavar="N", help="the task's number, as its heading and check name it")
    p.add_argument("--load", action="store_true", help="put the solution into a new cell below")
    return p


def run(args, cell, shell):
    from ...errors import UsageError
    from .. import lesson

    if cell is not None:
        if args.load:
            raise UsageError("%%k8s solution: --load is for the line form (%k8s solution N --load).")
        return lesson.keep(args.number, cell, shell)
    return lesson.show(args.number, shell, load=args.load)
