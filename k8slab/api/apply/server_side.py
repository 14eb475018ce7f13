"""``k8slab.apply``: server-side apply of YAML documents, all or nothing.

Every object is first sent as a server dry run (``dryRun=All``); if any fails,
nothing is applied and every failure is reported together. Only objects the dry
run would change are then applied (see :mod:`k8slab.api.apply.live`). Namespaces and
CustomResourceDefinitions declared in the same apply go first, and objects that
need them are checked once they exist. If anything fails after the first dry run
(that check, or the real apply of an object), what this apply did is undone
(:mod:`k8slab.api.apply.undo`) and the error says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from k8slab.api.apply import diff as _diff
from k8slab.api.apply import live as _live
from k8slab.api.apply import undo as _undo
from k8slab.api.apply.errors import explain, missing_namespace, raise_failures, strip_prefix
from k8slab.api.args.checks import checked
from k8slab.api.args.documents import load_documents
from k8slab.api.args.dry_run import DryRun
from k8slab.api.args.dry_run import parse as parse_dry_run
from k8slab.api.args.targets import Lines, label, session
from k8slab.errors import ApiError, ManifestError, NotFoundError, UsageError, WaitTimeoutError
from k8slab.manifest import Manifest

FIELD_MANAGER = "k8slab"
APPLY_PATCH = "application/apply-patch+yaml"
DEFAULT_WAIT = 120.0
_FIRST = ("Namespace", "CustomResourceDefinition")
_WORKLOADS = frozenset({"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
                        "ReplicationController"})
# Requests of one apply run concurrently: the server is the bottleneck, and the session's
# connection pool keeps 16 connections (client.http.POOL_SIZE). Dependencies are handled by
# _FIRST and the dry run.
_WORKERS = 8


def _concurrently(fn, items: list) -> list:
    """``[fn(i) for i in items]``, on a few threads when there are several items."""
    if len(items) < 3:
        return [fn(i) for i in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(_WORKERS, len(items)),
                            thread_name_prefix="k8slab-apply") as pool:
        return list(pool.map(fn, items))


@dataclass
class AppliedObject:
    """What an apply did to one object; ``str()`` is kubectl's line."""

    label: str
    action: str
    namespace: str | None = None
    object: dict | None = None
    dry_run: bool = False
    diff: str = ""
    note: str = ""
    manifest: Manifest | None = field(default=None, repr=False)

    def __str__(self) -> str:
        line = f"{self.label} {self.action}"
        if self.dry_run:
            line += " (server dry run)"
        return line + (f" ({self.note})" if self.note else "")


class ApplyResult(Lines):
    """The objects an apply created/configured/left unchanged/pruned, one kubectl line each.

    Iterate it for :class:`AppliedObject` entries; ``.objects`` holds the API
    server's answers, ``.diff`` the diff text (``diff=True``).
    """

    def __init__(self, items: list[AppliedObject], *, diff_mode: bool = False):
        super().__init__(items, [i.object for i in items if i.object is not None])
        self.diff_mode = diff_mode

    @property
    def diff(self) -> str:
        return "\n".join(i.diff for i in self if i.diff)

    def __str__(self) -> str:
        if not self.diff_mode:
            return "\n".join(str(i) for i in self)
        changed = [i for i in self if i.diff]
        summary = (f"{len(changed)} of {len(self)} objects would change; nothing was applied."
                   if changed else f"No changes: all {len(self)} objects match the cluster.")
        return (self.diff + "\n\n" + summary) if changed else summary


@dataclass
class _Plan:
    m: Manifest
    info: object = None
    namespace: str | None = None
    body: dict = field(default_factory=dict)
    live: dict | None = None
    answer: dict | None = None
    deferred: str = ""
    error: str = ""

    @property
    def label(self) -> str:
        return label(self.info, self.m.name) if self.info else f"{self.m.kind.lower()}/{self.m.name}"

    @property
    def key(self) -> tuple:
        group = self.m.api_version.rpartition("/")[0]
        return (group, self.m.kind, self.namespace, self.m.name)


@checked
def apply(text_or_objs: str | Mapping | Iterable[Mapping] | None = None, *, files=None,
          namespace: str | None = None, dry_run: DryRun = None, diff: bool = False,
          wait: bool | float | str = False, force_conflicts: bool = False, prune: bool = False,
          selector: str | None = None, context_vars: Mapping | None = None,
          progress=None) -> ApplyResult:
    """Apply YAML documents (or dicts, or files) with server-side apply, all or nothing.

    Args:
        text_or_objs: YAML text with one or more documents (``---``, ``List`` kinds), or
            an object dict, or a list of them.
        files: Paths of files or directories (``*.yaml``/``*.yml``/``*.json``, sorted).
        namespace: Namespace for namespaced objects that do not set one (default: the
            session's). An object that sets a different one is an error, as in kubectl.
        dry_run: ``"server"`` (or ``True``): only a server dry run; lines end with
            ``(server dry run)``. ``"client"`` is refused, as kubectl refuses it with
            server-side apply (the server computes an apply's result). See :mod:`k8slab.api.args.dry_run`.
        diff: Show what would change against the live objects, without applying.
        wait: Block until every object is ready (``True``: up to 120 s; seconds, or a duration
            such as ``"1.5m"``).
        force_conflicts: Take over fields another field manager owns.
        prune: Delete objects of the applied kinds, in the applied namespaces, that match
            ``selector`` and are no longer declared.
        selector: Label selector for ``prune`` (required with it).
        context_vars: Values for ``{{ name }}`` placeholders (default: the IPython user
            namespace when there is one).
        progress: ``callable(str)`` for the ``wait`` progress line.

    Returns:
        An :class:`ApplyResult` (prints as ``deployment.apps/web created`` lines).

    Raises:
        ManifestError, TemplateError: The YAML could not be read; nothing was sent.
        ApplyError: Some objects failed the dry run (all are listed); nothing was applied.
        WaitTimeoutError: ``wait`` ran out; names what is not ready and why.

    Example:
        >>> k8slab.apply(open("web.yaml").read(), namespace="lab-01", wait=60)  # doctest: +SKIP
        deployment.apps/web created
        service/web created
    """
    mode = parse_dry_run(dry_run, "apply")
    if mode == "client":  # kubectl: --dry-run=client doesn't work with --server-side
        raise UsageError("apply: --dry-run=client doesn't work with server-side apply (what k8slab's apply is):"
                         " only the server can compute an apply's result. Use --dry-run=server (dry_run=\"server\")"
                         " to check without storing, or --diff to see what would change.")
    dry_run = mode == "server"
    from k8slab.api.args.duration import parse_duration

    # read before anything is sent: a bad wait must not be found after the cluster changed
    wait_timeout = (DEFAULT_WAIT if wait is True else parse_duration(wait, what="k8slab.apply: wait")) if wait else None
    if progress is not None and not callable(progress):
        raise UsageError(f"k8slab.apply: progress must be a function taking a str, not {progress!r:.40}.")
    if prune and not selector:
        raise UsageError("--prune needs a label selector (-l app=web): only objects with it are pruned.")
    manifests = load_documents(text_or_objs, files, context_vars)
    for m in manifests:
        generated = (m.obj.get("metadata") or {}).get("generateName")
        if not m.name and generated:  # kubectl: "cannot use generate name with apply"
            raise UsageError(f"{m.where}: cannot use generate name with apply (the {m.kind} has"
                             f" metadata.generateName {generated!r} and no name). Give it a metadata.name,"
                             " or create it: %%k8s create (or %k8s create -f FILE, k8slab.create(manifest=…)).")
    sess = session()
    crds = _declared_crds(manifests)
    plans = [_plan(sess, m, namespace, crds) for m in manifests]
    _check_duplicates(plans)
    declared_ns = {p.m.name for p in plans if p.m.kind == "Namespace" and not p.error}
    checked = [p for p in plans if not p.error and not p.deferred]
    _concurrently(lambda p: _dry_run(sess, p, force_conflicts, declared_ns), checked)
    raise_failures([p for p in plans if p.error], len(plans), applied=[])
    _read_live(sess, [p for p in checked if not p.deferred])
    raise_failures([p for p in plans if p.error], len(plans), applied=[])

    if dry_run or diff:
        items = [_preview(p, diff) for p in plans]
        if prune:
            for item in _prune(sess, plans, selector, dry_run=True):
                item.diff = _diff.render(item.object, None, item.label) if diff else ""
                items.append(item)
        return ApplyResult(items, diff_mode=diff)

    items = _apply_all(sess, plans, force_conflicts)
    if prune:
        items += _prune(sess, plans, selector, dry_run=False)
    result = ApplyResult(items)
    if wait:
        from k8slab.api.watch.until import wait_ready

        timeout = wait_timeout
        try:
            wait_ready([(p.info, p.namespace, p.m.name) for p in plans], timeout=timeout, progress=progress,
                       done="✓ the object is ready" if len(plans) == 1 else f"✓ all {len(plans)} objects are ready")
        except WaitTimeoutError as exc:  # the objects were applied: say so, then what is not ready
            raise WaitTimeoutError(f"{exc}\nThe apply itself went through:\n{result}") from None
    return result


def _declared_crds(manifests: list[Manifest]) -> dict[tuple[str, str], Manifest]:
    """(group, kind) -> the CRD manifest declaring it, for kinds a CRD of this apply adds."""
    out = {}
    for m in manifests:
        if m.kind == "CustomResourceDefinition" and isinstance(m.obj.get("spec"), dict):
            spec = m.obj["spec"]
            kind = (spec.get("names") or {}).get("kind")
            if kind:
                out[(spec.get("group", ""), kind)] = m
    return out


def _plan(sess, m: Manifest, namespace: str | None, crds: dict) -> _Plan:
    p = _Plan(m, body=json.loads(json.dumps(m.obj)))  # a deep copy; the loader checked it is plain JSON
    meta = p.body.get("metadata") or {}
    meta.pop("managedFields", None)  # server bookkeeping: apply refuses it
    if m.source == "object":  # an object read from the cluster, applied again
        for key in ("resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"):
            meta.pop(key, None)
        p.body.pop("status", None)
    try:
        p.info = sess.resolve_kind(m.api_version, m.kind)
    except NotFoundError as exc:
        crd = crds.get((m.api_version.rpartition("/")[0], m.kind))
        if crd is None:
            p.error = strip_prefix(str(exc))
            return p
        p.deferred = f"its CustomResourceDefinition {crd.name} is created by this apply"
        if (crd.obj["spec"].get("scope") or "Namespaced") == "Namespaced":
            p.namespace = m.namespace or namespace or sess.namespace
            p.body.setdefault("metadata", {})["namespace"] = p.namespace
        return p
    except ApiError as exc:
        p.error = strip_prefix(str(exc))
        return p
    _set_namespace(sess, p, namespace)
    return p


def _set_namespace(sess, p: _Plan, namespace: str | None) -> None:
    meta = p.body.setdefault("metadata", {})
    if not p.info.namespaced:
        meta.pop("namespace", None)
        p.namespace = None
        return
    own = p.m.namespace
    if own and namespace and own != namespace:
        p.error = (f'the object sets namespace "{own}" but -n/namespace= is "{namespace}": '
                   f'remove one, or make them the same.')
        return
    p.namespace = own or namespace or sess.namespace
    meta["namespace"] = p.namespace


def _check_duplicates(plans: list[_Plan]) -> None:
    seen: dict[tuple, _Plan] = {}
    for p in plans:
        if p.error:
            continue
        if p.key in seen:
            first = seen[p.key]
            raise ManifestError(f"{p.m.where}: {p.m.kind} {p.m.name!r} is declared twice (first in"
                                f" {first.m.where}); nothing was applied. Keep one of them.")
        seen[p.key] = p


def _query(dry: bool, force: bool) -> dict:
    return {"fieldManager": FIELD_MANAGER, "fieldValidation": "Strict", "force": True if force else None,
            "dryRun": "All" if dry else None}


def _send(sess, p: _Plan, *, dry: bool, force: bool) -> dict:
    path = sess.path(p.info, p.namespace, p.m.name)
    # UTF-8 as is, not \ud83d\ude00 escapes: the server reads an apply patch with a YAML parser,
    # which refuses surrogate-pair escapes ("found invalid Unicode character escape code")
    return sess.request("PATCH", path, query=_query(dry, force), body=json.dumps(p.body, ensure_ascii=False),
                        content_type=APPLY_PATCH)


def _read_live(sess, plans: list[_Plan]) -> None:
    """Set ``p.live`` from the dry runs' answers and a few reads (LIST per type where it pays)."""
    _concurrently(lambda task: task(), _live.tasks(sess, plans))


def _dry_run(sess, p: _Plan, force: bool, declared_ns: set[str]) -> None:
    try:
        p.answer = _send(sess, p, dry=True, force=force)
    except ApiError as exc:
        missing = missing_namespace(exc)
        if missing and missing in declared_ns:
            p.deferred = f'namespace "{missing}" is created by this apply'
            return
        p.error = explain(exc, p.m, p.info, p.namespace)


def _preview(p: _Plan, with_diff: bool) -> AppliedObject:
    if p.deferred:
        return AppliedObject(p.label, "created", p.namespace, None, dry_run=True, manifest=p.m,
                             note=f"not checked: {p.deferred}",
                             diff=_diff.render(None, p.body, p.label) if with_diff else "")
    action = "created" if p.live is None else ("configured" if _diff.changed(p.live, p.answer) else "unchanged")
    return AppliedObject(p.label, action, p.namespace, p.answer, dry_run=True, manifest=p.m,
                         diff=_diff.render(p.live, p.answer, p.label) if with_diff else "")


def _apply_all(sess, plans: list[_Plan], force: bool) -> list[AppliedObject]:
    first = [p for p in plans if p.m.kind in _FIRST and p.info is not None]
    done: dict[int, AppliedObject] = {}
    for p in first:
        done[id(p)] = _apply_one(sess, p, force, plans, done)
    if any(p.m.kind == "CustomResourceDefinition" for p in first):
        _wait_established(sess, [p for p in first if p.m.kind == "CustomResourceDefinition"])
    deferred = [p for p in plans if p.deferred]
    if deferred:
        for p in deferred:
            p.deferred = ""
            if p.info is None:
                _recheck_kind(sess, p)
            if not p.error:
                _dry_run(sess, p, force, set())
        _read_live(sess, [p for p in deferred if not p.error])
        failed = [p for p in deferred if p.error]
        if failed:
            _undo_and_raise(sess, plans, failed, done,
                            f"Nothing stayed applied: {len(failed)} of {len(plans)} objects failed the server"
                            " dry run once the Namespaces/CRDs they need existed.")
    def attempt(p: _Plan):
        if _live.is_noop(p.live, p.answer):  # the server would not write it either
            return p.live, None
        try:
            return _send(sess, p, dry=False, force=force), None
        except ApiError as exc:
            return None, exc

    # Workloads go last: what their pods use (ConfigMaps, Secrets, ServiceAccounts) is sent
    # first (no guarantee: requests overlap), and the controllers' work on new pods no longer
    # competes with the rest of this apply for the API server. Results keep the YAML's order.
    rest = sorted((p for p in plans if id(p) not in done), key=lambda p: p.m.kind in _WORKLOADS)
    failed = []
    for p, (answer, exc) in zip(rest, _concurrently(attempt, rest)):
        if exc is None:
            done[id(p)] = _applied(p, answer)
        else:  # the dry run passed, so something changed meanwhile
            p.error = explain(exc, p.m, p.info, p.namespace)
            failed.append(p)
    if failed:
        order = {id(q): i for i, q in enumerate(plans)}
        failed.sort(key=lambda q: order[id(q)])
        _undo_and_raise(sess, plans, failed, done, _STOPPED.format(where=failed[0].m.where))
    return [done[id(p)] for p in plans]


_STOPPED = ("Applying stopped at {where}: it passed the server dry run, but the server refused it when"
            " applying (objects of this apply that clash with each other, or a change meanwhile).")


def _undo_and_raise(sess, plans: list[_Plan], failed: list[_Plan], done: dict, head: str) -> None:
    """Take back what this apply did (see :mod:`apply_undo`), then raise the failures with the report."""
    lines = _undo.undo(sess, plans, done)
    if lines:
        head += " What this apply had done is undone:\n  " + "\n  ".join(lines)
    else:
        head += " Nothing had been changed yet."
    raise_failures(failed, len(plans), applied=[], head=head)


def _applied(p: _Plan, answer: dict) -> AppliedObject:
    # not resourceVersions: controllers bump them with status updates between our GET and PATCH
    if p.live is None:
        action = "created"
    elif answer is p.live or not _diff.changed(p.live, answer):
        action = "unchanged"
    else:
        action = "configured"
    return AppliedObject(p.label, action, p.namespace, answer, manifest=p.m)


def _apply_one(sess, p: _Plan, force: bool, plans: list[_Plan], done: dict) -> AppliedObject:
    if _live.is_noop(p.live, p.answer):
        return _applied(p, p.live)
    try:
        answer = _send(sess, p, dry=False, force=force)
    except ApiError as exc:  # the dry run passed, so something changed meanwhile
        p.error = explain(exc, p.m, p.info, p.namespace)
        _undo_and_raise(sess, plans, [p], done, _STOPPED.format(where=p.m.where))
    return _applied(p, answer)


def _recheck_kind(sess, p: _Plan) -> None:
    try:
        p.info = sess.resolve_kind(p.m.api_version, p.m.kind)
    except ApiError as exc:
        p.error = strip_prefix(str(exc))
        return
    if not p.info.namespaced:
        p.body.get("metadata", {}).pop("namespace", None)
        p.namespace = None


def _wait_established(sess, crds: list[_Plan], timeout: float = 30.0) -> None:
    from k8slab.api.watch.until import wait_ready

    wait_ready([(p.info, None, p.m.name) for p in crds], timeout=timeout, progress=lambda text: None)
    sess.index(refresh=True)


def _prune(sess, plans: list[_Plan], selector: str, *, dry_run: bool) -> list[AppliedObject]:
    keep = {(p.info.group, p.info.kind, p.namespace, p.m.name) for p in plans if p.info}
    scopes: dict[tuple, tuple] = {}
    for p in plans:
        if p.info is not None:
            scopes[(p.info.group, p.info.plural, p.namespace)] = (p.info, p.namespace)
    out = []
    for info, ns in scopes.values():
        listing = sess.request("GET", sess.path(info, ns), query={"labelSelector": selector})
        for item in listing.get("items") or []:
            meta = item.get("metadata") or {}
            if (info.group, info.kind, ns, meta.get("name")) in keep:
                continue
            if any(ref.get("controller") for ref in meta.get("ownerReferences") or []):
                continue  # made by a controller (a ReplicaSet's pods): not ours to prune
            sess.request("DELETE", sess.path(info, ns, meta["name"]),
                         query={"propagationPolicy": "Background", "dryRun": "All" if dry_run else None})
            out.append(AppliedObject(label(info, meta["name"]), "pruned", ns, item, dry_run=dry_run))
    return out
