"""``%%k8s_needs``: steps that only make sense on some clusters (e.g. real containers)."""

from __future__ import annotations

from ..errors import UsageError

# requirement -> (check, what the skip line says is missing)
NEEDS = {
    "containers": ("k8slab.api.runtime:runs_containers",
                   "a cluster that runs containers (kind); this one simulates its pods"),
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
    missing = [NEEDS[w][1] for w in wanted if not _check(NEEDS[w][0])]
    if missing:
        print(f"⏭ skipped: this step needs {'; and '.join(missing)}.")
        return
    result = shell.run_cell(cell, store_history=False)
    error = result.error_before_exec or result.error_in_exec
    if error is not None:  # its traceback is already shown: fail the cell with one line
        raise UsageError(f"%%k8s_needs: the step failed ({type(error).__name__}: {error}); see above.")
