"""JSONPath expressions (one ``{…}`` action): parsing into steps and evaluating them.

See :mod:`k8slab.api.output.jsonpath` for the template language built on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from k8slab.errors import UsageError


class JSONPathError(UsageError):
    """A JSONPath template could not be parsed."""


@dataclass
class _Step:
    op: str  # field, wild, index, slice, union, recurse, filter
    arg: object = None


def closing(s: str, i: int, open_ch: str = "[", close_ch: str = "]") -> int:
    """Index of the ``close_ch`` matching ``s[i] == open_ch`` (quotes respected), or -1."""
    depth, j, quote = 0, i, None
    while j < len(s):
        c = s[j]
        if quote:
            if c == "\\":
                j += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def _split_brackets(s: str, i: int) -> tuple[str, int]:
    """Return the content of the ``[...]`` starting at ``s[i] == '['`` and the index after it."""
    j = closing(s, i)
    if j < 0:
        raise JSONPathError(f"unclosed '[' in JSONPath {s!r}")
    return s[i + 1:j], j + 1


def _literal(tok: str):
    tok = tok.strip()
    if len(tok) >= 2 and tok[0] == tok[-1] and tok[0] in "'\"":
        return tok[1:-1]
    if tok in ("true", "false"):
        return tok == "true"
    if tok == "null":
        return None
    try:
        return int(tok)
    except ValueError:
        pass
    try:
        return float(tok)
    except ValueError as e:
        raise JSONPathError(f"cannot read {tok!r} in a JSONPath filter; quote strings") from e


_CMP = re.compile(r"^(.*?)\s*(==|!=|<=|>=|<|>|=~)\s*(.*)$")


def _parse_filter(expr: str):
    m = _CMP.match(expr.strip())
    if not m:
        return (parse_path(expr.strip()), None, None)
    left, op, right = m.group(1), m.group(2), m.group(3)
    lhs = parse_path(left) if left.strip().startswith(("@", "$")) else _literal(left)
    rhs = parse_path(right) if right.strip().startswith(("@", "$")) else _literal(right)
    return (lhs, op, rhs)


def _bracket_step(content: str) -> _Step:
    c = content.strip()
    if c == "*":
        return _Step("wild")
    if c.startswith("?(") and c.endswith(")"):
        return _Step("filter", _parse_filter(c[2:-1]))
    parts = _split_top(c, ",")
    if len(parts) > 1:
        return _Step("union", [_bracket_step(p) for p in parts])
    if c[:1] in "'\"":
        return _Step("field", _literal(c))
    if ":" in c:
        parts = c.split(":")
        try:
            nums = [int(x) if x.strip() else None for x in parts]
        except ValueError:
            nums = []
        if not nums or len(nums) > 3 or nums[2:3] == [0]:
            raise JSONPathError(f"cannot read [{content}] in a JSONPath: a slice is [START:END] or"
                                " [START:END:STEP] with whole numbers (STEP not 0), e.g. {.items[0:2]}")
        return _Step("slice", (nums + [None, None])[:3])
    try:
        return _Step("index", int(c))
    except ValueError as e:
        raise JSONPathError(f"cannot read [{content}] in a JSONPath") from e


def _split_top(s: str, sep: str) -> list[str]:
    parts, cur, quote = [], "", None
    for ch in s:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == sep:
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    return parts + [cur]


def parse_path(expr: str) -> list[_Step]:
    """Parse one path expression (``.items[*].metadata.name``) into steps."""
    s = expr.strip()
    if s[:1] in "$@":
        s = s[1:]
    steps: list[_Step] = []
    i = 0
    while i < len(s):
        c = s[i]
        if s.startswith("..", i):
            i += 2
            name, i = _read_name(s, i)
            steps.append(_Step("recurse", name or "*"))
        elif c == ".":
            name, i = _read_name(s, i + 1)
            if name == "*":
                steps.append(_Step("wild"))
            elif name:
                steps.append(_Step("field", name))
        elif c == "[":
            content, i = _split_brackets(s, i)
            steps.append(_bracket_step(content))
        elif c.isspace():
            i += 1
        else:
            name, i = _read_name(s, i)
            if not name:
                raise JSONPathError(f"unexpected {c!r} in JSONPath {expr!r}")
            steps.append(_Step("field", name))
    return steps


def _read_name(s: str, i: int) -> tuple[str, int]:
    out = ""
    while i < len(s) and s[i] not in ".[":
        if s[i] == "\\" and i + 1 < len(s):
            out += s[i + 1]
            i += 2
            continue
        if s[i].isspace():
            break
        out += s[i]
        i += 1
    return out, i


def _children(v):
    if isinstance(v, dict):
        return list(v.values())
    if isinstance(v, list):
        return list(v)
    return []


def _recurse(v, name: str, out: list) -> None:
    if isinstance(v, dict):
        for k, x in v.items():
            if name == "*" or k == name:
                out.append(x)
            _recurse(x, name, out)
    elif isinstance(v, list):
        for x in v:
            _recurse(x, name, out)


def _value(side, item, root):
    if isinstance(side, list):
        vals = evaluate(side, item, root)
        return (True, vals[0]) if vals else (False, None)
    return True, side


def _keep(item, flt, root) -> bool:
    lhs, op, rhs = flt
    found, a = _value(lhs, item, root)
    if op is None:
        return found and a not in (None, False)
    found_b, b = _value(rhs, item, root)
    if not found or not found_b:
        return op == "!=" and found != found_b
    try:
        if op == "==":
            return a == b or str(a) == str(b) if isinstance(a, (int, float)) or isinstance(b, (int, float)) else a == b
        if op == "!=":
            return a != b
        if op == "=~":
            return re.search(str(b), str(a)) is not None
        a2, b2 = (float(a), float(b)) if not (isinstance(a, str) and isinstance(b, str)) else (a, b)
        return {"<": a2 < b2, "<=": a2 <= b2, ">": a2 > b2, ">=": a2 >= b2}[op]
    except (TypeError, ValueError):
        return False


def _apply(step: _Step, values: list, root) -> list:
    out: list = []
    for v in values:
        if step.op == "field":
            if isinstance(v, dict) and step.arg in v:
                out.append(v[step.arg])
        elif step.op == "wild":
            out += _children(v)
        elif step.op == "index":
            if isinstance(v, list) and -len(v) <= step.arg < len(v):
                out.append(v[step.arg])
        elif step.op == "slice":
            if isinstance(v, list):
                a, b, c = step.arg
                out += v[slice(a, b, c or None)]
        elif step.op == "union":
            for sub in step.arg:
                out += _apply(sub, [v], root)
        elif step.op == "recurse":
            _recurse(v, step.arg, out)
        elif step.op == "filter":
            out += [x for x in (v if isinstance(v, list) else _children(v)) if _keep(x, step.arg, root)]
    return out


def evaluate(steps: list[_Step], data, root=None) -> list:
    """All values the path selects in ``data``."""
    values = [data]
    root = data if root is None else root
    for step in steps:
        values = _apply(step, values, root)
    return values
