"""Readable diffs between a live object and what an apply would make of it.

Pure functions. The server's dry-run answer is the "merged" side, so defaults
filled in by the API server do not show up as changes; bookkeeping fields
(managedFields, resourceVersion, generation, uid, timestamps, status) are dropped
from both sides, and Secret values are masked.
"""

from __future__ import annotations

import copy
import difflib

import yaml

_META_NOISE = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp",
               "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds")
_ANNOTATION_NOISE = ("kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision")
MASK = "***"


def clean(obj: dict | None) -> dict | None:
    """A copy of ``obj`` without status and server bookkeeping, for comparing and showing."""
    if obj is None:
        return None
    # copies of the three levels changed here only (a deepcopy of managedFields cost more
    # than the rest of an apply's own work); the rest is shared with ``obj``, never changed
    out = {k: v for k, v in obj.items() if k != "status"}
    if isinstance(out.get("metadata"), dict):
        meta = out["metadata"] = {k: v for k, v in out["metadata"].items() if k not in _META_NOISE}
        if "annotations" in meta:
            annotations = {k: v for k, v in (meta["annotations"] or {}).items() if k not in _ANNOTATION_NOISE}
            if annotations:
                meta["annotations"] = annotations
            else:
                del meta["annotations"]
    return out


def to_yaml(obj: dict | None) -> str:
    """Block YAML with keys in a stable order (``""`` for None)."""
    if obj is None:
        return ""
    return yaml.safe_dump(obj, sort_keys=True, default_flow_style=False, allow_unicode=True, width=100)


def render(live: dict | None, merged: dict | None, label: str) -> str:
    """A unified diff from ``live`` (None if it does not exist yet) to ``merged``.

    Args:
        live: The object as it is on the cluster, or None.
        merged: The server's dry-run result of the apply, or None if it would be deleted.
        label: ``deployment.apps/web``, used in the ``---``/``+++`` header.

    Returns:
        The diff text, or ``""`` when nothing would change.

    Example:
        >>> print(render({"a": 1}, {"a": 2}, "x/y"))  # doctest: +NORMALIZE_WHITESPACE
        --- live/x/y
        +++ merged/x/y
        @@ -1 +1 @@
        -a: 1
        +a: 2
    """
    old, new = _masked(clean(live), clean(merged), live, merged)
    a, b = to_yaml(old).splitlines(), to_yaml(new).splitlines()
    if a == b:
        return ""
    head_a = f"live/{label}" if live is not None else "/dev/null"
    head_b = f"merged/{label}" if merged is not None else "/dev/null"
    lines = difflib.unified_diff(a, b, head_a, head_b, lineterm="", n=3)
    return "\n".join(lines)


def _masked(old, new, live_raw, merged_raw):
    # Secret values never reach the output; a changed value is still visible as changed.
    if ((merged_raw or live_raw or {}).get("kind")) != "Secret":
        return old, new
    old, new = copy.deepcopy(old), copy.deepcopy(new)
    for key in ("data", "stringData"):
        before = ((live_raw or {}).get(key)) or {}
        after = ((merged_raw or {}).get(key)) or {}
        if old is not None and old.get(key):
            old[key] = {k: MASK for k in old[key]}
        if new is not None and new.get(key):
            new[key] = {k: MASK + (" (changed)" if live_raw is not None and before.get(k) != v else "")
                        for k, v in after.items()}
    return old, new


def changed(live: dict | None, merged: dict) -> bool:
    """Whether applying would change anything a user wrote (not just bookkeeping)."""
    return live is None or clean(live) != clean(merged)
