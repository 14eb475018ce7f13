"""Limits on what a manifest may hold, checked before anything is parsed or sent.

Text a learner pastes can be anything: binary garbage, a NUL, half of a UTF-16
surrogate pair, 5,000 nested brackets, a "billion laughs" of YAML aliases, or
values that exist in Python but not in JSON (bytes, sets, NaN). Each is refused
here with where it is, instead of escaping as a reader error, a RecursionError,
minutes of CPU, or a Python repr stored on the cluster.
"""

from __future__ import annotations

import math
import re

import yaml

from k8slab.errors import ManifestError
from k8slab.manifest.location import Location, snippet

MAX_CHARS = 8 * 1024 * 1024  # the API server takes 3 MiB per request; a cell or file this big is a mistake
MAX_DEPTH = 100  # nesting levels; real objects (CRD schemas included) stay far below
MAX_EXPANDED = 100_000  # nodes a document may reach through aliases (each alias counts its whole subtree)

# the characters YAML 1.1 allows in a stream (what PyYAML's reader checks), everything else is refused
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DOC_START = re.compile(r"^---", re.M)


def _describe(ch: str) -> str:
    code = ord(ch)
    if code == 0:
        return "U+0000 (a NUL byte)"
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X} (half of a UTF-16 surrogate pair, not a character: text decoded the wrong way?)"
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"U+{code:04X} (a control character)"
    return f"U+{code:04X} (a non-character)"


def check_text(text: object, source: str) -> str:
    """The text itself, if YAML can read it: a ``str``, not too big, only characters YAML allows.

    Raises:
        ManifestError: naming the document, line and column of the first bad character.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ManifestError(f"{source}: the bytes are not UTF-8 text (byte {exc.start}: "
                                f"{bytes(text)[exc.start:exc.start + 1]!r}); YAML manifests are UTF-8 text."
                                ) from None
    if not isinstance(text, str):
        raise ManifestError(f"{source}: expected YAML text (a str), got a {type(text).__name__}.")
    if len(text) > MAX_CHARS:
        raise ManifestError(f"{source}: the YAML is {len(text) / 2**20:.1f} MiB; k8slab reads at most"
                            f" {MAX_CHARS // 2**20} MiB at once (the API server takes 3 MiB per request)."
                            " Split it into several files.")
    bad = _NOT_YAML.search(text)
    if bad:
        pos = bad.start()
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        # a leading --- opens the first document; every other one starts the next
        doc = max(1, len(_DOC_START.findall(text, 0, pos)) + (0 if text.startswith("---") else 1))
        shown = _NOT_YAML.sub("?", snippet(text, line, column))
        raise ManifestError(f"{Location(source, doc, line, column)}: the character {_describe(bad.group())}"
                            " is not allowed in YAML. Remove it (binary data goes base64-encoded into a"
                            f" Secret's data).\n{shown}".rstrip())
    return text


def check_node(node: yaml.Node, text: str, source: str, doc: int, *, shared: bool = True) -> None:
    """Refuse a composed document nested deeper than ``MAX_DEPTH`` or inflated by aliases.

    Aliases make the node graph share subtrees; each node's depth and expanded size are
    computed once (memoized), so a billion-laughs document is measured in milliseconds.
    ``shared=False`` (the text has no anchor, so no node is shared) checks the depth only.
    """
    if not shared:
        stack = [(node, 1)]
        while stack:
            n, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise _too_deep(n, text, source, doc)
            if isinstance(n, yaml.MappingNode):
                stack.extend((v, depth + 1) for _, v in n.value)
            elif isinstance(n, yaml.SequenceNode):
                stack.extend((v, depth + 1) for v in n.value)
        return
    memo: dict[int, tuple[int, int]] = {}  # id -> (depth, expanded nodes)
    open_: set[int] = set()  # nodes whose children are being measured: meeting one again is a cycle
    distinct = 0
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        n, children_done = stack.pop()
        if id(n) in memo:
            continue
        kids = _children(n)
        if not children_done:
            if id(n) in open_:
                continue
            open_.add(id(n))
            stack.append((n, True))
            for k in kids:
                if id(k) in open_:
                    line = k.start_mark.line + 1
                    raise ManifestError(f"{Location(source, doc, line)}: a value contains itself (a circular"
                                        " reference, e.g. a {{ }} variable holding a list that holds it);"
                                        f" JSON cannot hold that.\n{snippet(text, line)}".rstrip())
                if id(k) not in memo:
                    stack.append((k, False))
            continue
        open_.discard(id(n))
        depth = 1 + max((memo[id(k)][0] for k in kids), default=0)
        size = 1 + sum(memo[id(k)][1] for k in kids)
        memo[id(n)] = (depth, size)
        distinct += 1
        if depth > MAX_DEPTH:
            raise _too_deep(n, text, source, doc)
    size = memo[id(node)][1]
    if size > MAX_EXPANDED and size > distinct:
        raise ManifestError(f"{Location(source, doc, node.start_mark.line + 1)}: its YAML aliases (*name) expand"
                            f" to more than {MAX_EXPANDED:,} values ({distinct:,} written): a 'billion laughs'"
                            " document? Nothing was read. Write the values out, or use fewer aliases.")


def _too_deep(n: yaml.Node, text: str, source: str, doc: int) -> ManifestError:
    line = n.start_mark.line + 1
    return ManifestError(f"{Location(source, doc, line)}: the document nests more than {MAX_DEPTH} levels"
                         " deep; Kubernetes objects never need that many. Is a bracket or an"
                         f" indentation wrong?\n{snippet(text, line)}".rstrip())


def _children(n: yaml.Node) -> list[yaml.Node]:
    if isinstance(n, yaml.SequenceNode):
        return list(n.value)
    if isinstance(n, yaml.MappingNode):
        return [x for pair in n.value for x in pair]
    return []


def deep_error(source: str, doc: int) -> ManifestError:
    """The error for nesting too deep for the YAML reader itself (libyaml stops at 1,000 levels)."""
    return ManifestError(f"document {doc} ({source}): the document nests more than {MAX_DEPTH} levels deep;"
                         " Kubernetes objects never need that many. Is a bracket or an indentation wrong?")


def check_data(data: object, where: str, line_of=None) -> None:
    """Refuse values JSON cannot hold (bytes, sets, tuples, dates, NaN, objects), naming their field.

    Args:
        data: The constructed document or object.
        where: The object's location for the message (``document 1 (cell, line 1)``).
        line_of: ``callable(path) -> line | None`` for the field's line, when known.
    """
    seen: set[int] = set()
    stack: list[tuple[object, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if id(value) in seen and _contains(value, seen):
                raise ManifestError(f"{where}: {path or 'the object'} contains itself (a circular reference);"
                                    " JSON cannot hold that.")
            if depth > MAX_DEPTH:
                raise ManifestError(f"{where}: the object nests more than {MAX_DEPTH} levels deep at {path}.")
            seen.add(id(value))
            if isinstance(value, dict):
                for k, v in value.items():
                    if not isinstance(k, (str, int, float, bool)) and k is not None:
                        raise _not_json(where, path, k, line_of, key=True)
                    stack.append((v, f"{path}.{k}" if path else str(k), depth + 1))
            else:
                stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            raise _not_json(where, path, value, line_of)
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            raise _not_json(where, path, value, line_of)


def _contains(value, seen: set[int]) -> bool:
    # a shared (aliased) subtree is fine; only a value reachable from itself is circular
    stack, visited = list(_values(value)), set()
    while stack:
        v = stack.pop()
        if v is value:
            return True
        if isinstance(v, (dict, list)) and id(v) not in visited:
            visited.add(id(v))
            stack.extend(_values(v))
    return False


def _values(v) -> list:
    return list(v.values()) if isinstance(v, dict) else list(v) if isinstance(v, list) else []


_HINTS = {
    "bytes": "binary data that is not UTF-8 text: put it base64-encoded in a Secret's data",
    "set": "a YAML set (!!set) has no JSON form: write a list",
    "tuple": "an ordered map (!!omap/!!pairs) has no JSON form: write a mapping or a list",
    "float": "NaN and infinity have no JSON form (kubectl refuses them too): quote it for a string",
}


def _not_json(where: str, path: str, value: object, line_of, key: bool = False) -> ManifestError:
    kind = type(value).__name__
    line = line_of(path) if (line_of and path) else None
    at = f"{path or 'the object'}" + (f" (line {line})" if line else "")
    hint = _HINTS.get(kind, "only strings, numbers, booleans, null, lists and mappings go into an object")
    what = f"a key of {at} is a {kind}" if key else f"{at} is a {kind} ({value!r:.40})"
    return ManifestError(f"{where}: {what}; {hint}.")
