"""Run a cell body from inside a cell magic, as text: ``%%k8s_needs`` steps and lessons' solutions.

The body may hold Python and ``%k8s`` lines (IPython transforms them); what it shows
(stdout, stderr, the text of its displays, its last value) comes back as one text, so
the magic's cell stores a single stream output of a stable shape.
"""

from __future__ import annotations

import ast

from ..errors import UsageError

_VALUE = "_k8s_cellrun_value"


def compile_cell(cell: str, shell, what: str) -> str:
    """The cell as Python (magics transformed), checked to compile; ``what`` names it in an error."""
    code = shell.transform_cell(cell)
    try:
        compile(code, "<cell body>", "exec")
    except SyntaxError as e:
        line = cell.splitlines()[e.lineno - 1] if e.lineno and e.lineno <= len(cell.splitlines()) else ""
        raise UsageError(f"{what} has a syntax error on line {e.lineno} of its body: {e.msg}"
                         + (f"\n    {line.strip()}" if line else "")
                         + "\n(a %k8s line works as a statement or after 'name =', not inside an expression)") from None
    return code


def run_as_text(code: str, shell) -> tuple[str, BaseException | None]:
    """Run ``code`` (a compile-checked cell); return what it showed, as one text, and its error."""
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
