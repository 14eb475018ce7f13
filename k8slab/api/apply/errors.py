"""Why an apply failed, in a learner's words: one problem per line, with YAML lines and next steps.

Turns the API server's answers (422 causes, 409 field-manager conflicts, 404 for a
missing namespace, strict field validation, Go-formatted type errors) into the text
of :class:`~k8slab.errors.ApplyError`.
"""

from __future__ import annotations

import re

from k8slab.errors import ApiError, ApplyError, K8sLabError
from k8slab.manifest import Manifest

_NS_MISSING = re.compile(r'namespaces "([^"]+)" not found')


def missing_namespace(exc: ApiError) -> str | None:
    if getattr(exc, "status", None) != 404:
        return None
    found = _NS_MISSING.search(str(exc))
    return found.group(1) if found else None


def raise_failures(failed: list, total: int, *, applied: list[str], note: str = "", head: str = "") -> None:
    if not failed:
        return
    if head:
        pass
    elif applied:
        head = (f"Applying stopped at {failed[0].m.where}; these were applied before it:\n  "
                + "\n  ".join(applied))
    elif total == 1:
        head = "Nothing was applied:"
    else:
        head = f"Nothing was applied: {len(failed)} of {total} objects failed the server dry run."
    blocks = []
    for p in failed:
        what = f'{p.m.kind} "{p.m.name}"' if p.m.name else p.m.kind
        body = "\n".join("  " + line for line in p.error.splitlines())
        blocks.append(f"{p.m.where}: {what}:\n{body}")
    raise ApplyError("\n".join([head, *blocks] + ([note] if note else [])), failures=failed)


def strip_prefix(message: str) -> str:
    return re.sub(r"^Error from server \([A-Za-z]+\): ", "", message)


def explain(exc: K8sLabError, m: Manifest, info=None, namespace: str | None = None) -> str:
    """Why the API server refused ``m``, one problem per line, with field lines and the next step."""
    status = getattr(exc, "status", None)
    causes = getattr(exc, "causes", None) or []
    missing = missing_namespace(exc) if isinstance(exc, ApiError) else None
    if missing:
        return (f'namespace "{missing}" does not exist. Create it first, e.g. add this document'
                " before the others:\n  apiVersion: v1\n  kind: Namespace\n  metadata:\n"
                f"    name: {missing}\n"
                f"or run: k8slab.apply({{'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {{'name': '{missing}'}}}})")
    if status == 409 and causes and any(c.get("reason") == "FieldManagerConflict" for c in causes):
        return _conflict(causes, m)
    lines = []
    if causes:
        for c in causes:
            fld = (c.get("field") or "").lstrip(".")
            msg = _shorten(c.get("message") or c.get("reason") or "")
            where = m.field_line(fld) if fld else None
            at = f" (line {where})" if where and m.line else ""
            lines.append(f"{fld}{at}: {msg}" if fld else msg)
            terminating = re.search(r"namespace (\S+) is being terminated", msg)
            if terminating:
                lines.append(f"  it is being deleted: wait until it is gone (%k8s wait namespace/"
                             f"{terminating.group(1)} --for=delete --timeout 2m), then apply again.")
            if "field is immutable" in msg or "pod updates may not change fields" in msg:
                kind = info.name_prefix if info else m.kind.lower()
                lines.append(f"  {fld or 'this field'} cannot be changed on an existing {m.kind}: delete it"
                             f" and apply again (%k8s delete {kind}/{m.name}{' -n ' + namespace if namespace else ''}).")
        return "\n".join(lines)
    text = strip_prefix(str(exc)).split("\n")[0]
    strict = re.search(r"failed to create typed patch object \([^)]*\): (.*)$", text)
    if strict:  # fieldValidation=Strict on apply: ".spec.replica: field not declared in schema"
        parts = []
        for piece in strict.group(1).split(", ."):
            piece = piece if piece.startswith(".") else "." + piece
            fld, _, msg = piece.lstrip(".").partition(": ")
            msg = _go_value(msg)
            where = m.field_line(fld)
            parts.append(f"{fld}{f' (line {where})' if where and m.line else ''}: {msg}"
                         + (" (a typo? see %k8s explain " + m.kind.lower() + ")" if "not declared" in msg else ""))
        return "\n".join(parts)
    return strip_prefix(str(exc))


def _shorten(msg: str, limit: int = 60) -> str:
    """``Invalid value: <a whole pod template as Go>: field is immutable`` -> a readable length."""
    prefix = "Invalid value: "
    if not msg.startswith(prefix) or len(msg) < 200:
        return msg
    value, _, last = msg[len(prefix):].rpartition(": ")
    return f"{prefix}{value[:limit]}…: {last}"


def _go_value(msg: str) -> str:
    # SSA type errors print Go values: "expected string, got &value.valueUnstructured{Value:1}"
    found = re.fullmatch(r"expected (\w+), got &value\.valueUnstructured\{Value:(.*)\}", msg)
    if not found:
        return msg
    want, got = found.groups()
    hint = f': quote it ("{got}")' if want == "string" else ""
    return f"expected a{'n' if want[0] in 'aeiou' else ''} {want}, got {got}{hint}"


def _conflict(causes: list[dict], m: Manifest) -> str:
    by_manager: dict[str, list[str]] = {}
    for c in causes:
        found = re.search(r'conflict with "([^"]+)"', c.get("message") or "")
        manager = found.group(1) if found else "another field manager"
        fld = (c.get("field") or "").lstrip(".")
        where = m.field_line(fld)
        by_manager.setdefault(manager, []).append(fld + (f" (line {where})" if where and m.line else ""))
    lines = ["Apply conflict: other field managers own fields this YAML sets:"]
    lines += [f'  "{mgr}" owns {", ".join(fields)}' for mgr, fields in by_manager.items()]
    lines.append("Someone else set them last (kubectl, %k8s scale, a controller). To take them over, apply"
                 " again with --force-conflicts (force_conflicts=True), or leave them out of the YAML.")
    return "\n".join(lines)
