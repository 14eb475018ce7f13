"""``k8slab.patch``: change fields of existing objects with a patch, like ``kubectl patch``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from k8slab.api.args.checks import checked
from k8slab.api.args.dry_run import DryRun
from k8slab.api.args.targets import Lines, select, session
from k8slab.api.write import edits
from k8slab.errors import ApiError, K8sLabError, UsageError

CONTENT_TYPES = {
    "strategic": "application/strategic-merge-patch+json",
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
}


@checked
def patch(*targets: str, patch: str | Mapping | list | None = None, patch_file: str | None = None,
          type: str = "strategic", namespace: str | None = None, selector: str | None = None,  # noqa: A002
          all: bool = False, subresource: str | None = None, dry_run: DryRun = None,  # noqa: A002
          output: str | None = None) -> Lines:
    """Patch objects, like ``kubectl patch``.

    Args:
        *targets: ``TYPE/NAME`` (several allowed), ``TYPE NAME…``, or one TYPE with
            ``selector``/``all``.
        patch: The patch as JSON or YAML text, or as a dict (a list for ``type="json"``).
        patch_file: Read the patch from this file instead.
        type: ``"strategic"`` (default; built-in types only), ``"merge"`` (RFC 7386) or
            ``"json"`` (RFC 6902, a list of operations).
        namespace: Namespace (default: the session's).
        selector, all: Patch every object of the TYPE with these labels, or all of them.
        subresource: e.g. ``"status"`` or ``"scale"``.
        dry_run: ``"server"``: the server checks the patch and stores nothing; ``"client"``
            (``--type merge|json`` only): the patch is computed here on the object as read,
            nothing is sent.
        output: ``"name"``, ``"yaml"`` or ``"json"``: print the patched object(s).

    Returns:
        Lines ``deployment.apps/web patched`` (``patched (no change)`` when the object stayed
        as it was); ``.objects`` holds the patched objects.

    Example:
        >>> k8slab.patch("deploy/web", patch={"spec": {"replicas": 2}})  # doctest: +SKIP
        deployment.apps/web patched
    """
    dry_run = edits.check_flags("patch", dry_run, output)
    if dry_run == "client" and type == "strategic":
        raise UsageError("patch: --dry-run=client is computed here without the server, which k8slab can do for"
                         " --type merge or --type json; a strategic merge needs the server's schema: use"
                         " --dry-run=server (nothing is stored), or --type merge.")
    if type not in CONTENT_TYPES:
        raise UsageError(f"patch: --type must be one of json, merge or strategic, not {type!r}.")
    body = _body(patch, patch_file, type)
    found = select(targets, namespace, selector=selector, all_=all, verb="patch")
    if not found:
        return edits.none_found(selector)
    sess = session()
    if dry_run == "client":  # computed here: the objects are read, nothing is sent
        from k8slab.api.write import patch_local

        lines, objs = [], []
        for t in found:
            before = sess.request("GET", t.path(subresource))
            data = json.loads(body)
            obj = patch_local.merge_patch(before, data) if type == "merge" else patch_local.json_patch(before, data)
            same = _comparable(obj) == _comparable(before)
            lines.append(edits.printed(t.label, "patched (no change)" if same else "patched", obj, dry_run, output))
            objs.append(obj)
        return edits.result(lines, objs, output)
    if len(found) > 1 and dry_run is None:  # all or nothing: the server checks every patch first
        for t in found:
            try:
                sess.request("PATCH", t.path(subresource), body=body, content_type=CONTENT_TYPES[type],
                             query=edits.query("kubectl-patch", "server"))
            except ApiError as exc:
                err = _explain(exc, t, type, [])
                raise err.__class__(f"{t.label}: {err}\nNothing was patched.", status=err.status,
                                    reason=err.reason, causes=err.causes) from None
    lines, objs = [], []
    for t in found:
        before = sess.request("GET", t.path(subresource))
        try:
            obj = sess.request("PATCH", t.path(subresource), body=body, content_type=CONTENT_TYPES[type],
                               query=edits.query("kubectl-patch", dry_run))
        except ApiError as exc:
            raise _explain(exc, t, type, lines) from None
        same = _comparable(obj) == _comparable(before)
        lines.append(edits.printed(t.label, "patched (no change)" if same else "patched", obj, dry_run, output))
        objs.append(obj)
    return edits.result(lines, objs, output)


def _body(patch, patch_file, type_: str) -> str:
    if (patch is None) == (patch_file is None):
        raise UsageError("patch: give the patch with -p/--patch (JSON or YAML) or --patch-file, one of them.")
    if patch_file is not None:
        try:
            patch = Path(patch_file).expanduser().read_text()
        except OSError as exc:
            raise UsageError(f"patch: cannot read --patch-file {patch_file}: {exc.strerror}.") from None
    if isinstance(patch, str) and patch.lstrip().startswith(("{", "[")):
        # kubectl reads a patch that looks like JSON as JSON only: YAML would read
        # '{"spec": {"replicas": }}' as replicas: null and change the object
        try:
            patch = json.loads(patch)
        except ValueError as exc:
            raise UsageError(f"patch: the patch is not valid JSON (line {exc.lineno}, column {exc.colno}:"
                             f" {exc.msg}); it starts with {patch.lstrip()[0]}, so it is read as JSON, as kubectl"
                             " reads it. Nothing was patched.") from None
    if isinstance(patch, str):
        import yaml

        try:
            patch = yaml.safe_load(patch)  # not JSON: read it as YAML, as kubectl does
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise UsageError(f"patch: the patch is neither JSON nor YAML{where}: "
                             f"{getattr(exc, 'problem', None) or exc}.") from None
    want = list if type_ == "json" else Mapping
    if not isinstance(patch, want):
        shape = ('a list of operations, e.g. [{"op": "replace", "path": "/spec/replicas", "value": 2}]'
                 if type_ == "json" else 'an object, e.g. {"spec": {"replicas": 2}}')
        raise UsageError(f"patch: a {type_} patch is {shape}; got {type(patch).__name__} {patch!r:.80}.")
    return json.dumps(patch)


def _comparable(obj: dict) -> dict:
    """The object without what a write changes by itself (a dry run keeps the resourceVersion)."""
    meta = {k: v for k, v in (obj.get("metadata") or {}).items()
            if k not in ("resourceVersion", "managedFields", "generation")}
    return {**obj, "metadata": meta}


def _explain(exc: ApiError, t, type_: str, done: list[str]) -> K8sLabError:
    msg = str(exc)
    if exc.status == 415 and type_ == "strategic":
        msg += (f"\n{t.info.full_name} is not a built-in type, so strategic merge patches do not apply to it:"
                " use --type merge (or --type json).")
    if exc.status == 422 and type_ == "json" and not exc.causes:
        msg += ("\nA JSON patch operation could not be applied: remove, replace and test need their path to"
                f" exist, add needs its parent. Look at the paths with %k8s get {t.label} -o yaml.")
    if done:
        msg += "\nPatched before this error:\n" + "\n".join(done)
    return type(exc)(msg, status=exc.status, reason=exc.reason, causes=exc.causes)
