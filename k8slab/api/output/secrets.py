"""Mask Secret values so notebooks committed with their outputs do not leak them."""

from __future__ import annotations

import base64
import binascii
import copy


def _size(value, encoded: bool) -> int:
    if not isinstance(value, str):
        return 0
    if encoded:
        try:
            return len(base64.b64decode(value, validate=False))
        except (binascii.Error, ValueError):
            return len(value)
    return len(value.encode("utf-8"))


def mask_value(value, encoded: bool = True) -> str:
    """The placeholder shown instead of one secret value: ``<hidden: 5 bytes>``."""
    return f"<hidden: {_size(value, encoded)} bytes>"


def mask_secret(obj):
    """A copy of ``obj`` with every Secret's ``data``/``stringData`` values masked.

    Works on one object, a ``List`` (``items``), or anything else (returned
    unchanged). The ``kubectl.kubernetes.io/last-applied-configuration``
    annotation of a Secret holds the values too, so it is masked as a whole.

    Example:
        >>> mask_secret({"kind": "Secret", "data": {"pw": "c2VjcmV0"}})["data"]
        {'pw': '<hidden: 6 bytes>'}
    """
    if isinstance(obj, list):
        return [mask_secret(o) for o in obj]
    if not isinstance(obj, dict):
        return obj
    if isinstance(obj.get("items"), list):
        out = dict(obj)
        # the items of a SecretList read from the API carry no kind of their own
        each = _mask_one if obj.get("kind") == "SecretList" else mask_secret
        out["items"] = [each(o) if isinstance(o, dict) else o for o in obj["items"]]
        return out
    if isinstance(obj.get("object"), dict) and "type" in obj:  # a watch event
        return {**obj, "object": mask_secret(obj["object"])}
    if obj.get("kind") != "Secret":
        return obj
    return _mask_one(obj)


def _mask_one(obj: dict) -> dict:
    out = copy.deepcopy(obj)
    for key, encoded in (("data", True), ("stringData", False)):
        if isinstance(out.get(key), dict):
            out[key] = {k: mask_value(v, encoded) for k, v in out[key].items()}
    ann = (out.get("metadata") or {}).get("annotations") or {}
    if "kubectl.kubernetes.io/last-applied-configuration" in ann:
        ann["kubectl.kubernetes.io/last-applied-configuration"] = "<hidden>"
    return out
