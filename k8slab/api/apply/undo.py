"""Undo an apply that failed after its server dry run passed, so nothing stays half-applied.

The dry run cannot see everything: two NodePort Services of one apply may claim the
same port, a quota may fill, another client may write meanwhile. When the real apply
then fails on one object, what this apply already did is taken back: objects it
created are deleted, objects it changed are put back as they were read just before
(``PUT`` of the live object, its ``managedFields`` included, so field ownership comes
back too). Each step is reported; one that cannot be undone is named with why.
"""

from __future__ import annotations

import copy

from k8slab.errors import ApiError, ConflictError, NotFoundError


def undo(sess, plans: list, done: dict) -> list[str]:
    """Take back what ``done`` (``id(plan)`` -> AppliedObject) records, newest first; the report lines."""
    lines = []
    for p in reversed(plans):
        item = done.get(id(p))
        if item is None or item.action not in ("created", "configured"):
            continue
        if item.action == "created":
            lines.append(_delete(sess, p))
        else:
            lines.append(_restore(sess, p, item.object))
    return lines


def _delete(sess, p) -> str:
    try:
        sess.request("DELETE", sess.path(p.info, p.namespace, p.m.name),
                     query={"propagationPolicy": "Background"})
    except NotFoundError:
        pass
    except ApiError as exc:
        return f"{p.label} was created and could NOT be deleted again ({_short(exc)}): it stays."
    return f"{p.label} deleted again (this apply had created it)"


def _restore(sess, p, applied: dict | None) -> str:
    body = copy.deepcopy(p.live)
    path = sess.path(p.info, p.namespace, p.m.name)
    rv = ((applied or {}).get("metadata") or {}).get("resourceVersion")
    for _ in range(3):  # a controller may write the object (its status) between our requests
        body.setdefault("metadata", {})["resourceVersion"] = rv
        try:
            sess.request("PUT", path, body=body)
            return f"{p.label} restored to what it was before this apply"
        except ConflictError:
            try:
                rv = sess.request("GET", path)["metadata"]["resourceVersion"]
            except (ApiError, KeyError) as exc:
                return f"{p.label} was changed and could NOT be restored ({_short(exc)}): it stays changed."
        except ApiError as exc:
            return f"{p.label} was changed and could NOT be restored ({_short(exc)}): it stays changed."
    return f"{p.label} was changed and could NOT be restored (it kept changing): it stays changed."


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
