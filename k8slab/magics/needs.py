"""``%%k8s_needs``: steps that only make sense on some clusters (e.g. real containers).

A notebook is stored with one set of outputs and checked by nbval on both engines,
so such a cell leaves output of one shape on both: a single stdout text that starts
with a marker line. Skipped: the marker says why. Run: the marker, then everything
the step showed (stdout, stderr, the text of its displays, its last value) as text.
k8slab's nbval sanitizer folds both forms into one line; the step's own checks
(``assert``, ``%k8s check``) are what verifies it on kind, and an error fails the cell.
"""

from __future__ import annotations

from ..errors import StepFailedError, UsageError
from .cellrun import compile_cell, run_as_text

# requirement -> (check, why a cluster without it skips the step)
NEEDS = {
    "containers": ("k8slab.api.read.runtime:runs_containers",
                   "this cluster simulates its pods (run it on the local or kind engine)"),
    "ingress": ("k8slab.api.read.curl:ingress_available",
                "no ingress controller serves this cluster (%k8s addons ingress, on the local or kind engine)"),
}


def _check(spec: str) -> bool:
    import importlib

    module, _, func = spec.partition(":")
    return getattr(importlib.import_module(module), func)()


def run_if_supported(line: str, cell: str, shell) -> None:
    """Run ``cell`` in ``shell`` when every requirement named in ``line`` holds."""
    wanted = line.split()
    if not wanted:
        raise UsageError(f"%%k8s_needs: name what the cell needs, one of: {', '.join(NEEDS)} "
                         "(e.g. %%k8s_needs containers)")
    unknown = [w for w in wanted if w not in NEEDS]
    if unknown:
        raise UsageError(f"%%k8s_needs: unknown requirement {unknown[0]!r}; known: {', '.join(NEEDS)}")
    code = compile_cell(cell, shell, "%%k8s_needs: the step")  # a typo must fail on every engine, not only where the step runs
    what = ", ".join(wanted)
    missing = [NEEDS[w][1] for w in wanted if not _check(NEEDS[w][0])]
    if missing:
        print(f"⏭ this step needs {what}: skipped, {'; '.join(missing)}.")
        return
    text, error = run_as_text(code, shell)
    print(f"▶ this step needs {what}: it ran on this cluster.\n{text}", end="" if text.endswith("\n") else "\n")
    if error is not None:  # its traceback is already shown: fail the cell with one line
        raise StepFailedError(f"%%k8s_needs: the step failed ({type(error).__name__}: {error}); see above.")
