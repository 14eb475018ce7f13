"""Which engine ``make test`` runs the suite on: ``python -m k8slab.engine.suite [ENGINE]``.

The stored notebook outputs and the cluster tests are written for the real-node (local)
engine; where it cannot run, the simulated (kwok) one takes its place (CI runs it too).
kind has its own target, ``make test-kind`` (unit tests and the series under
``--nbval-lax``): ``auto`` never picks kind here, and asking for it says so.
"""

from __future__ import annotations

import sys

from ..errors import K8sLabError, UsageError


def suite_engine(engine: str = "auto") -> str:
    """``local`` or ``kwok`` for ``auto`` (local where it can run), else ``engine`` itself.

    Raises:
        UsageError: ``kind`` (or an unknown engine) was asked for.
    """
    from .cluster import pick_engine

    if engine == "kind":
        raise UsageError("make test runs the suite written for the local and kwok engines; on kind "
                         "run: make test-kind (unit tests, and the notebooks under --nbval-lax)")
    if engine != "auto":
        return pick_engine(engine)
    from . import local

    return "local" if local.usable()[0] else "kwok"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        print(suite_engine(args[0] if args else "auto"))
    except K8sLabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
