"""``k8slab.create(files=…)`` / ``%k8s create -f``: create the objects of YAML documents, like
``kubectl create -f``.

Unlike :func:`k8slab.apply` (server-side apply, all or nothing), each object is POSTed on
its own, in the order written, so ``metadata.generateName`` works (the server picks the
name). An object the server refuses (``AlreadyExists``, a missing namespace) is reported
with where it was written, the others still go through, and the call then raises
:class:`~k8slab.errors.CreateError` naming each failure, as kubectl exits 1.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Mapping

from k8slab.api.args import dry_run as _dry
from k8slab.api.args.documents import load_documents
from k8slab.api.args.targets import session
from k8slab.api.output.formats import TextResult
from k8slab.api.write.edits import check_flags, printed, result
from k8slab.errors import ApiError, CreateError, NotFoundError, UsageError
from k8slab.manifest import Manifest

FIELD_MANAGER = "kubectl-create"


def _namespace(m: Manifest, info, namespace: str | None, default: str) -> str | None:
    if not info.namespaced:
        return None
    own = m.namespace
    if own and namespace and own != namespace:
        raise UsageError(f'{m.where}: the namespace from the provided object "{own}" does not match the'
                         f' namespace "{namespace}". Pass --namespace={own} (namespace="{own}"), or remove'
                         " one of them.")
    return own or namespace or default


def _failure(exc: ApiError, m: Manifest) -> str:
    """kubectl's ``Error from server (AlreadyExists): error when creating "x.yaml": …``, with the
    document and line instead of kubectl's bare file name."""
    text = str(exc)
    prefix = "Error from server ("
    where = f"error when creating {m.where}: "
    if text.startswith(prefix) and "): " in text:
        head, _, rest = text.partition("): ")
        return f"{head}): {where}{rest}"
    return where + text


def create_from(source: str | Mapping | Iterable[Mapping] | None = None, *,
                files: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
                namespace: str | None = None, dry_run: _dry.DryRun = None, output: str | None = None,
                show_secrets: bool = False, context_vars: Mapping | None = None) -> TextResult:
    """Create every object of YAML documents (or dicts, or files), like ``kubectl create -f``.

    Args:
        source: YAML text (one or more documents), an object dict, or a list of them.
        files: Paths of files or directories (``*.yaml``/``*.yml``/``*.json``, sorted).
        namespace: For namespaced objects that set none (default: the session's); an
            object that sets a different one is a :class:`UsageError`, as in kubectl.
        dry_run: ``"none"``/None, ``"client"`` (nothing is sent) or ``"server"``; see
            :mod:`k8slab.api.args.dry_run`.
        output: ``name``, ``yaml`` or ``json`` to print the objects instead of the lines.
        show_secrets: print Secret values with ``-o yaml|json``.
        context_vars: Values for ``{{ name }}`` placeholders (default: the IPython user
            namespace when there is one).

    Returns:
        ``configmap/gen-x7k2p created`` lines (a :class:`TextResult`); ``.data`` is the
        list of objects as the server stored them (as sent, for a client dry run).

    Raises:
        ManifestError, TemplateError: The YAML could not be read; nothing was sent.
        UsageError: A bad flag, or an object's namespace contradicts ``namespace``; nothing was sent.
        CreateError: The server refused some objects (e.g. AlreadyExists); the others were
            created. The message has kubectl's line for each; ``.result`` what was created.
    """
    mode = _dry.parse(dry_run)
    check_flags("create", mode or "none", output)
    manifests = load_documents(source, files, context_vars, verb="create")
    sess = session()
    planned = []
    for m in manifests:  # every bad input is found before anything is sent
        try:
            info = sess.resolve_kind(m.api_version, m.kind)
        except NotFoundError as exc:
            raise UsageError(f"{m.where}: {exc}\nNothing was created.") from None
        body = copy.deepcopy(m.obj)
        meta = body.setdefault("metadata", {})
        ns = _namespace(m, info, namespace, sess.namespace)
        if ns:
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        planned.append((m, info, ns, body))
    lines, objs, failures = [], [], []
    for m, info, ns, body in planned:
        if mode != "client":
            query = {"fieldManager": FIELD_MANAGER, "dryRun": "All" if mode == "server" else None}
            try:
                body = sess.request("POST", sess.path(info, ns), body=body, query=query)
            except ApiError as exc:
                failures.append(_failure(exc, m))
                continue
        name = (body.get("metadata") or {}).get("name") or "<unknown>"
        lines.append(printed(f"{info.name_prefix}/{name}", "created", body, mode, output,
                             show_secrets=show_secrets))
        objs.append(body)
    done = TextResult(str(result(lines, objs, output)), objs)
    if failures:
        raise CreateError("\n".join([*lines, *failures]), failures=failures, result=done)
    return done
