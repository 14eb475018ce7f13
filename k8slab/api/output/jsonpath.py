"""kubectl's JSONPath templates: ``{.items[*].metadata.name}``, ``{range}``/``{end}``, filters.

Supported: ``.field`` (``\\.`` escapes a dot), ``['field']``, ``[n]``, ``[a:b:c]``,
``[*]``/``.*``, ``..field``, ``[?(@.a.b == "x")]`` with ``== != < <= > >=`` or
a bare existence test, unions ``[0,2]``/``['a','b']``, ``{"literal"}`` and
``{range EXPR}…{end}``. Like kubectl, a missing key prints nothing, several
results of one expression are joined by a space, and maps/lists print as JSON.
"""

from __future__ import annotations

import json

from k8slab.api.output.jsonpath_expr import JSONPathError, closing, evaluate, parse_path

__all__ = ["JSONPath", "JSONPathError", "evaluate", "format_value", "parse_path", "relaxed"]


def format_value(v) -> str:
    """A value as kubectl's JSONPath printer shows it."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def _unescape(s: str) -> str:
    return s.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r").replace('\\"', '"')


def _tokens(template: str) -> list[tuple[str, str]]:
    out, i = [], 0
    while i < len(template):
        j = template.find("{", i)
        if j < 0:
            out.append(("text", template[i:]))
            break
        if j > i:
            out.append(("text", template[i:j]))
        k = closing(template, j, "{", "}")
        if k < 0:
            raise JSONPathError(f"unclosed '{{' in JSONPath template {template!r}")
        out.append(("expr", template[j + 1:k].strip()))
        i = k + 1
    return out


def _parse_nodes(tokens: list, pos: int, in_range: bool):
    nodes = []
    while pos < len(tokens):
        kind, val = tokens[pos]
        pos += 1
        if kind == "text":
            nodes.append(("text", val))
        elif val == "end":
            if not in_range:
                raise JSONPathError("{end} without a matching {range …}")
            return nodes, pos
        elif val.startswith("range ") or val.startswith("range\t"):
            body, pos = _parse_nodes(tokens, pos, True)
            nodes.append(("range", parse_path(val[6:]), body))
        elif val[:1] == '"' and val[-1:] == '"' and len(val) >= 2:
            nodes.append(("text", _unescape(val[1:-1])))
        else:
            nodes.append(("expr", parse_path(val)))
    if in_range:
        raise JSONPathError("{range …} without a matching {end}")
    return nodes, pos


class JSONPath:
    """A compiled kubectl JSONPath template.

    Example:
        >>> JSONPath("{.items[*].metadata.name}").render({"items": [{"metadata": {"name": "a"}}]})
        'a'
    """

    def __init__(self, template: str):
        self.template = template
        self.nodes, _ = _parse_nodes(_tokens(template), 0, False)

    def _run(self, nodes, data, root, out: list) -> None:
        for node in nodes:
            if node[0] == "text":
                out.append(node[1])
            elif node[0] == "expr":
                out.append(" ".join(format_value(v) for v in evaluate(node[1], data, root)))
            else:
                for item in evaluate(node[1], data, root):
                    self._run(node[2], item, root, out)

    def render(self, data) -> str:
        """The template's text for ``data``."""
        out: list[str] = []
        self._run(self.nodes, data, data, out)
        return "".join(out)

    def values(self, data) -> list:
        """The values of a single-expression template (for custom-columns and sort-by)."""
        exprs = [n for n in self.nodes if n[0] == "expr"]
        if len(exprs) != 1 or len(self.nodes) != 1:
            raise JSONPathError(f"expected one expression like {{.metadata.name}}, got {self.template!r}")
        return evaluate(exprs[0][1], data, data)


def relaxed(expr: str) -> str:
    """kubectl's relaxed form for custom-columns/sort-by: ``metadata.name`` → ``{.metadata.name}``."""
    e = expr.strip()
    if e.startswith("{") and e.endswith("}"):
        e = e[1:-1].strip()
    if not e.startswith((".", "[", "$", "@")):
        e = "." + e
    return "{" + e + "}"
