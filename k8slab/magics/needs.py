"""``%%k8s_needs``: steps that only make sense on some clusters (e.g. real containers).

A notebook is stored with one set of outputs and checked by nbval on both engines,
so such a cell leaves output of one shape on both: a single stdout text that starts
with a marker line. Skipped: the marker says why. Run: the marker, then everything
the step showed (stdout, stderr, the text of its displays, its last value) as text.
k8slab's nbval sanitizer folds both forms into one line; the step's own checks
(``assert``, ``%k8s check``) are what verifies it on kind, and an error fails the cell.
"""

from __future__ import annotations

import ast

from ..errors import StepFailedError, UsageError

# requirement -> (check, why a cluster without it skips the step)
NEEDS = {
    "containers": ("k8slab.api.runtime:runs_containers",
                   "this cluster simulates its pods (run it on the local or kind engine)"),
    "ingress": ("k8slab.api.curl:ingress_available",
                "no ingress controller serves this cluster (%k8s addons ingress, on the local or kind engine)"),
}
_VALUE = "_k8s_needs_value"


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
    code = _compile(cell, shell)  # a typo must fail on every engine, not only where the step runs
    what = ", ".join(wanted)
    missing = [NEEDS[w][1] for w in wanted if not _check(NEEDS[w][0])]
    if missing:
        print(f"⏭ this step needs {what}: skipped, {'; '.join(missing)}.")
        return
    text, error = _run_as_text(code, shell)
    print(f"▶ this step needs {what}: it ran on this cluster.\n{text}", end="" if text.endswith("\n") else "\n")
    if error is not None:  # its traceback is already shown: fail the cell with one line
        raise StepFailedError(f"%%k8s_needs: the step failed ({type(error).__name__}: {error}); see above.")


def _compile(cell: str, shell) -> str:
    """The cell as Python (magics transformed), checked to compile."""
    code = shell.transform_cell(cell)
    try:
        compile(code, "<%%k8s_needs cell>", "exec")
    except SyntaxError as e:
        line = cell.splitlines()[e.lineno - 1] if e.lineno and e.lineno <= len(cell.splitlines()) else ""
        raise UsageError(f"%%k8s_needs: the step has a syntax error on line {e.lineno} of its body: {e.msg}"
                         + (f"\n    {line.strip()}" if line else "")
                         + "\n(a %k8s line works as a statement or after 'name =', not inside an expression)") from None
    return code


def _run_as_text(code: str, shell) -> tuple[str, BaseException | None]:
    """Run ``code`` (a compiled-checked cell); return what it showed, as one text, and its error."""
    from IPython.utils.capture import capture_output

    tree = ast.parse(code)
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        tree.body[-1] = ast.copy_location(ast.Assign(targets=[ast.Name(_VALUE, ast.Store())], value=last.value),
                                          last)
        code = ast.unparse(ast.fix_missing_locations(tree))
    shell.user_ns.pop(_VALUE, None)
    with capture_output(stdout=True, stderr=True, display=True) as cap:
        result = shell.run_cell(code, store_history=False, silent=True)
    value = shell.user_ns.pop(_VALUE, None)
    parts = [cap.stdout, cap.stderr]
    parts += [o.data.get("text/plain", "") + "\n" for o in cap.outputs if o.data.get("text/plain")]
    if value is not None:
        parts.append(f"{value}\n")
    return "".join(parts), result.error_before_exec or result.error_in_exec
