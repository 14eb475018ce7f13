"""Re-run notebooks of the series against the lab cluster and store what they showed.

``python tools/nbexec.py [NN ...]`` executes each notebook top to bottom in a fresh
kernel (as Run All does), writes the outputs back, and drops the per-cell execution
timestamps nbclient adds (they change on every run and say nothing). Lessons' reference
solutions run, as in the test run (``K8SLAB_SOLUTIONS=1``). The stored outputs are then
this cluster's; nbval compares later runs with them through k8slab's sanitizer.
A notebook that fails is left as it was, and the command exits 1 naming the cell.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run(path: Path, timeout: int = 600) -> str | None:
    """Execute ``path`` in place; return an error text, or None when every cell ran."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        # nbclient's text: the cell's source, then the error; keep both, without the long traceback
        lines = str(exc).strip().splitlines()
        return "\n".join(lines[:30] + (["..."] + lines[-12:] if len(lines) > 42 else lines[30:])) or repr(exc)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return None


def main(argv: list[str]) -> int:
    import os

    os.environ["K8SLAB_SOLUTIONS"] = "1"  # the kernels inherit it: solutions run, as under pytest
    wanted = argv or [p.name[:2] for p in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))]
    failed = 0
    for prefix in wanted:
        matches = sorted(NOTEBOOKS.glob(f"{prefix}-*.ipynb"))
        if not matches:
            print(f"no notebook {prefix}-*.ipynb in {NOTEBOOKS}", file=sys.stderr)
            return 2
        started = time.monotonic()
        error = run(matches[0])
        took = time.monotonic() - started
        if error:
            failed += 1
            print(f"{matches[0].name}: FAILED after {took:.0f}s: {error}")
        else:
            print(f"{matches[0].name}: ran in {took:.0f}s, outputs stored")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
