"""``{{ name }}`` templating that cannot change a YAML document's structure.

Placeholders are swapped for opaque same-length tokens *before* parsing, and the
values are put in *after* parsing, into the node tree. So a value is always one
node: a plain ``key: {{ x }}`` gets a typed node (an int stays an int, a list
becomes a sequence), a placeholder inside a longer or quoted string gets the
value's text; a value full of newlines, colons or ``---`` is just a string and
can never add keys or documents. Placeholders in comments are ignored.

Only Python names and dotted lookups (``{{ cfg.replicas }}``, attribute or dict
key) are placeholders; anything else between braces (``{{ .Values.x }}``) is left
alone as text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

import yaml

from k8slab.errors import TemplateError
from k8slab.manifest.location import Location, snippet

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\}\}")

# Private-use characters are printable YAML and never appear in real manifests:
# a token is MARK, one character encoding its index, then PAD up to the
# placeholder's length, so line and column numbers stay exact.
_MARK, _PAD, _BASE = "\uf8f0", "\uf8f1", 0xE000
_TOKEN = re.compile(f"{_MARK}(.){_PAD}*")
_MAX = 0xF8F0 - _BASE


@dataclass(frozen=True)
class Placeholder:
    """One ``{{ name }}`` in the source text."""

    name: str
    raw: str
    line: int
    column: int


def protect(text: str) -> tuple[str, list[Placeholder]]:
    """Replace every placeholder in ``text`` by a parse-safe token of the same length."""
    found: list[Placeholder] = []
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def swap(match: re.Match) -> str:
        index = len(found)
        if index >= _MAX:
            raise TemplateError(f"too many {{{{ }}}} placeholders (more than {_MAX}).")
        pos = match.start()
        line = _bisect(starts, pos)
        found.append(Placeholder(match.group(1), match.group(0), line + 1, pos - starts[line] + 1))
        raw = match.group(0)
        return _MARK + chr(_BASE + index) + _PAD * (len(raw) - 2)

    if "{{" not in text:
        return text, found
    return PLACEHOLDER.sub(swap, text), found


def _bisect(starts: list[int], pos: int) -> int:
    lo, hi = 0, len(starts)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if starts[mid] <= pos:
            lo = mid
        else:
            hi = mid
    return lo


def has_tokens(value: str) -> bool:
    """Whether a scalar holds at least one placeholder token."""
    return _MARK in value


def lookup(name: str, variables: Mapping | None) -> object:
    """The value of ``name`` (``a.b.c`` walks attributes or keys); ``KeyError`` if undefined."""
    head, *rest = name.split(".")
    if variables is None or head not in variables:
        raise KeyError(head)
    value = variables[head]
    for part in rest:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif hasattr(value, part):
            value = getattr(value, part)
        else:
            raise KeyError(name)
    return value


def _mark(node: yaml.Node, start, end) -> None:
    # represented nodes carry no marks; give them the placeholder's, for error lines
    seen: set[int] = set()
    stack = [node]
    while stack:  # a loop, not recursion: a value may be deep, or hold itself
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        n.start_mark, n.end_mark = start, end
        if isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            stack.extend(x for pair in n.value for x in pair)


class Renderer:
    """Puts variable values into the placeholder tokens of a composed YAML node tree."""

    def __init__(self, text: str, placeholders: list[Placeholder], variables: Mapping | None,
                 source: str, resolver: yaml.resolver.BaseResolver):
        self.text = text
        self.placeholders = placeholders
        self.variables = variables
        self.source = source
        self.resolver = resolver
        self.doc = 0

    def render(self, node: yaml.Node, doc: int) -> yaml.Node:
        """Return ``node`` with every token replaced; ``doc`` is the 1-based document number."""
        self.doc = doc
        return self._walk(node, set())

    def _walk(self, node: yaml.Node, seen: set[int]) -> yaml.Node:
        if id(node) in seen:  # anchors and aliases share nodes
            return node
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node) if has_tokens(node.value) else node
        if isinstance(node, yaml.SequenceNode):
            node.value = [self._walk(child, seen) for child in node.value]
        elif isinstance(node, yaml.MappingNode):
            node.value = [(self._walk(k, seen), self._walk(v, seen)) for k, v in node.value]
        return node

    def _scalar(self, node: yaml.ScalarNode) -> yaml.Node:
        whole = _TOKEN.fullmatch(node.value)
        # a plain scalar's style is None from PyYAML's parser, "" from libyaml's
        if whole and not node.style:
            value = self._value(whole)
            new = self._typed_node(value, whole)
            _mark(new, node.start_mark, node.end_mark)
            return new
        text = _TOKEN.sub(lambda m: self._text(self._value(m), m), node.value)
        tag = node.tag
        if not node.style:  # a plain scalar: type the result as YAML would (8{{ x }} -> int)
            tag = self.resolver.resolve(yaml.ScalarNode, text, (True, False))
        return yaml.ScalarNode(tag, text, node.start_mark, node.end_mark, style=node.style)

    def _placeholder(self, match: re.Match) -> Placeholder:
        return self.placeholders[ord(match.group(1)) - _BASE]

    def _value(self, match: re.Match) -> object:
        ph = self._placeholder(match)
        try:
            value = lookup(ph.name, self.variables)
        except KeyError as exc:
            raise self._error(ph, self._undefined(ph.name, str(exc.args[0]))) from None
        if hasattr(value, "item") and callable(value.item) and type(value).__module__ == "numpy":
            value = value.item()  # numpy scalars -> plain Python numbers
        return value

    def _typed_node(self, value: object, match: re.Match) -> yaml.Node:
        try:
            node = yaml.SafeDumper(None).represent_data(value)
        except yaml.representer.RepresenterError:
            ph = self._placeholder(match)
            raise self._error(ph, f"{{{{ {ph.name} }}}} is a {type(value).__name__}, which has no YAML form;"
                                  " use a str, number, bool, None, list or dict.") from None
        except RecursionError:
            ph = self._placeholder(match)
            raise self._error(ph, f"{{{{ {ph.name} }}}} is nested too deeply to put into YAML.") from None
        return node

    def _text(self, value: object, match: re.Match) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if value is None:
            return "null"
        if isinstance(value, (str, int, float)):
            return str(value)
        ph = self._placeholder(match)
        raise self._error(ph, f"{{{{ {ph.name} }}}} is a {type(value).__name__} inside a string;"
                              " only a str, number or bool can be part of a string."
                              " To insert a list or dict, make the placeholder the whole value"
                              f" (key: {{{{ {ph.name} }}}}).")

    def _undefined(self, name: str, missing: str) -> str:
        if missing != name.split(".")[0]:
            return f"{{{{ {name} }}}}: {name.split('.')[0]} has no attribute or key for {name!r}."
        names = [n for n in (self.variables or {}) if isinstance(n, str) and not n.startswith("_")]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" Did you mean {{{{ {close[0]} }}}}?" if close else ""
        return (f"name {name!r} is not defined.{hint} Define it in a Python cell first"
                f" ({name} = ...), or pass context_vars={{{name!r}: ...}} to k8slab.apply.")

    def _error(self, ph: Placeholder, message: str) -> TemplateError:
        where = Location(self.source, self.doc, ph.line, ph.column)
        return TemplateError(f"Template error in {where}: {message}\n{snippet(self.text, ph.line, ph.column)}")
