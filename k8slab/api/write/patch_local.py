"""Patches computed without the server, for ``patch --dry-run=client``: JSON merge patch
(RFC 7386) and JSON patch (RFC 6902). A strategic merge needs each list's merge key, which
the server's schema holds, so it is not computed here."""

from __future__ import annotations

import copy

from k8slab.errors import UsageError


def merge_patch(target, patch):
    """RFC 7386: objects merge key by key, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise UsageError(f"patch: JSON patch path {path!r} must start with '/' (e.g. /spec/replicas).")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc, parts: list[str], path: str):
    node = doc
    for p in parts[:-1]:
        try:
            node = node[int(p)] if isinstance(node, list) else node[p]
        except (KeyError, IndexError, ValueError, TypeError):
            raise UsageError(f"patch: JSON patch path {path!r} does not exist in the object.") from None
    return node


def _index(node: list, key: str, path: str, *, end_ok: bool) -> int:
    if key == "-" and end_ok:
        return len(node)
    try:
        i = int(key)
    except ValueError:
        raise UsageError(f"patch: {path!r}: {key!r} is not a list index.") from None
    if not 0 <= i <= len(node) - (0 if end_ok else 1):
        raise UsageError(f"patch: {path!r}: index {i} is out of range (the list has {len(node)} items).")
    return i


def _get(doc, path: str):
    parts = _pointer(path)
    if not parts:
        return doc
    node = _parent(doc, parts, path)
    try:
        return node[_index(node, parts[-1], path, end_ok=False)] if isinstance(node, list) else node[parts[-1]]
    except (KeyError, TypeError):
        raise UsageError(f"patch: JSON patch path {path!r} does not exist in the object.") from None


def _remove(doc, path: str):
    parts = _pointer(path)
    node = _parent(doc, parts, path)
    if isinstance(node, list):
        return node.pop(_index(node, parts[-1], path, end_ok=False))
    if not isinstance(node, dict) or parts[-1] not in node:
        raise UsageError(f"patch: JSON patch path {path!r} does not exist in the object.")
    return node.pop(parts[-1])


def _add(doc, path: str, value):
    parts = _pointer(path)
    if not parts:
        return value
    node = _parent(doc, parts, path)
    if isinstance(node, list):
        node.insert(_index(node, parts[-1], path, end_ok=True), value)
    elif isinstance(node, dict):
        node[parts[-1]] = value
    else:
        raise UsageError(f"patch: JSON patch path {path!r}: its parent is not an object or a list.")
    return doc


def json_patch(doc, ops: list):
    """RFC 6902: ``add``, ``remove``, ``replace``, ``move``, ``copy``, ``test``, in order."""
    doc = copy.deepcopy(doc)
    for n, op in enumerate(ops, 1):
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise UsageError(f"patch: operation {n} needs 'op' and 'path', e.g."
                             ' {"op": "replace", "path": "/spec/replicas", "value": 2}.')
        kind, path = op["op"], op["path"]
        if kind in ("add", "replace", "test") and "value" not in op:
            raise UsageError(f"patch: operation {n} ({kind}) needs a 'value'.")
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)
            parts = _pointer(path)
            if not parts:
                doc = copy.deepcopy(op["value"])
            else:
                node = _parent(doc, parts, path)
                key = _index(node, parts[-1], path, end_ok=False) if isinstance(node, list) else parts[-1]
                node[key] = copy.deepcopy(op["value"])
        elif kind in ("move", "copy"):
            if "from" not in op:
                raise UsageError(f"patch: operation {n} ({kind}) needs a 'from'.")
            value = _remove(doc, op["from"]) if kind == "move" else copy.deepcopy(_get(doc, op["from"]))
            doc = _add(doc, path, value)
        elif kind == "test":
            if _get(doc, path) != op["value"]:
                raise UsageError(f"patch: operation {n} (test) failed: {path} is not {op['value']!r}.")
        else:
            raise UsageError(f"patch: operation {n}: unknown op {kind!r} (add, remove, replace, move, copy, test).")
    return doc
