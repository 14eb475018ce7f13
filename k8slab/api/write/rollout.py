"""``k8slab.rollout``: status, history, undo, restart, pause and resume, as ``kubectl rollout``.

Undo works as kubectl's: a Deployment gets the pod template of the ReplicaSet of
the chosen revision (without its ``pod-template-hash`` label) and that ReplicaSet's
annotations (so ``kubernetes.io/change-cause`` follows the revision back, and
``rollout history`` labels the new revision as kubectl's does), keeping its own
bookkeeping annotations; a StatefulSet or DaemonSet gets the ControllerRevision's
stored patch.

``undo`` and ``restart`` take ``dry_run`` as kubectl's ``rollout undo`` does: ``"client"`` sends
no write (undo prints the pod template it would go back to, in ``kubectl describe``'s words),
``"server"`` has the server check the patch and store nothing (`` (server dry run)``).
kubectl 1.37's ``rollout restart`` has no ``--dry-run``; the kit's follows its other verbs.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone

import yaml

from k8slab.api.args.checks import checked
from k8slab.api.args.dry_run import DryRun, suffix
from k8slab.api.args.dry_run import parse as parse_dry_run
from k8slab.api.args.targets import Lines, Target, parse, session
from k8slab.api.output.pod_template import describe_pod_template
from k8slab.api.watch import readiness
from k8slab.errors import K8sLabError, NotFoundError, UsageError

FIELD_MANAGER = "k8slab-rollout"
REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
# a Deployment keeps these of its own on undo; every other annotation comes from the
# target ReplicaSet (kubectl's annotationsToSkip)
_KEEP_ON_UNDO = frozenset({
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
})
_WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
ACTIONS = ("status", "history", "undo", "restart", "pause", "resume")
DRY_RUN_ACTIONS = ("undo", "restart")


@checked
def rollout(action: str, *targets: str, namespace: str | None = None, to_revision: int | None = None,
            revision: int | None = None, timeout: float | str | None = None, watch: bool = True,
            progress=None, dry_run: DryRun = None) -> Lines:
    """Manage the rollout of Deployments (and StatefulSets/DaemonSets where kubectl can).

    Args:
        action: ``status``, ``history``, ``undo``, ``restart``, ``pause`` or ``resume``.
        *targets: ``TYPE/NAME`` (or ``TYPE NAME``).
        namespace: Namespace (default: the session's).
        to_revision: ``undo``: the revision to go back to (default: the previous one).
        revision: ``history``: show this revision's pod template.
        timeout: ``status``: how long to wait (seconds or ``2m``; default 5 minutes).
        watch: ``status``: wait for the rollout to finish (False: report once).
        progress: ``status``: ``callable(str)`` for the progress line.
        dry_run: ``undo``/``restart``: ``"none"`` (default), ``"client"`` (nothing is sent; undo
            prints the pod template it would restore) or ``"server"`` (the server checks the
            patch and stores nothing).

    Returns:
        Lines as kubectl prints them (``deployment.apps/web rolled back``,
        ``deployment "web" successfully rolled out``, the history table,
        ``deployment.apps/web restarted (server dry run)``).

    Raises:
        UsageError: An unknown action, a wrong type, or ``dry_run`` with another action than
            undo or restart.
        NotFoundError: The object, or the revision asked for, does not exist.
        K8sLabError: A paused Deployment cannot be undone or restarted (resume it first).
        WaitTimeoutError: ``status``: the rollout did not finish within ``timeout``.

    Example:
        >>> k8slab.rollout("undo", "deploy/web", to_revision=1)  # doctest: +SKIP
        deployment.apps/web rolled back
    """
    if action not in ACTIONS:
        raise UsageError(f"rollout {action!r}: use one of {', '.join(ACTIONS)}.")
    mode = parse_dry_run(dry_run, verb=f"rollout {action}")
    if mode and action not in DRY_RUN_ACTIONS:
        raise UsageError(f"rollout {action}: --dry-run applies to undo and restart only.")
    allowed = ("Deployment",) if action in ("pause", "resume") else _WORKLOADS
    found = parse(targets, namespace, verb=f"rollout {action}", allowed=allowed)
    out = Lines()
    for t in found:
        result = _ACTIONS[action](t, to_revision=to_revision, revision=revision, timeout=timeout,
                                  watch=watch, progress=progress, dry_run=mode)
        out.extend(result)
        out.objects.extend(getattr(result, "objects", []))
    return out


def _patch(t: Target, body: dict | list, content_type: str = "application/merge-patch+json",
           dry_run: str | None = None) -> dict:
    query = {"fieldManager": FIELD_MANAGER, "dryRun": "All" if dry_run == "server" else None}
    return session().request("PATCH", t.path(), body=body, content_type=content_type, query=query)


def _status(t: Target, *, timeout, watch, progress, **_) -> Lines:
    obj = t.get()  # a missing object is an error at once, as with kubectl
    obj.setdefault("kind", t.info.kind)
    if not watch:
        return Lines([readiness.status(obj).message], [obj])
    from k8slab.api.args.duration import parse_duration
    from k8slab.api.watch.until import wait_ready

    # always through the progress line, even when the rollout is already complete: a cell's
    # output must not depend on whether it had to wait
    seconds = parse_duration(timeout) if timeout is not None else 300.0
    (obj,) = wait_ready([(t.info, t.namespace, t.name)], timeout=seconds, progress=progress,
                        done=f"✓ {t.label}: rollout complete")
    return Lines([readiness.status(obj).message], [obj])


def _pause(t: Target, **_) -> Lines:
    return _set_paused(t, True)


def _resume(t: Target, **_) -> Lines:
    return _set_paused(t, False)


def _set_paused(t: Target, paused: bool) -> Lines:
    obj = t.get()
    word = "paused" if paused else "resumed"
    if bool((obj.get("spec") or {}).get("paused")) == paused:
        raise K8sLabError(f'{t.info.full_name} "{t.name}" is already {"paused" if paused else "not paused"}.')
    return Lines([f"{t.label} {word}"], [_patch(t, {"spec": {"paused": paused}})])


def _restart(t: Target, *, dry_run=None, **_) -> Lines:
    obj = t.get()
    if (obj.get("spec") or {}).get("paused"):
        raise K8sLabError(f"can't restart paused {t.label}: resume it first"
                          f" (%k8s rollout resume {t.label}).")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}}
    if dry_run == "client":
        would = copy.deepcopy(obj)
        would["spec"]["template"].setdefault("metadata", {}).setdefault("annotations", {})[RESTARTED_AT] = now
        return Lines([f"{t.label} restarted{suffix(dry_run)}"], [would])
    return Lines([f"{t.label} restarted{suffix(dry_run)}"], [_patch(t, body, dry_run=dry_run)])


@dataclass
class Revision:
    """One entry of a rollout history."""

    number: int
    change_cause: str | None
    template: dict
    source: dict  # the ReplicaSet or ControllerRevision


def revisions(t: Target) -> list[Revision]:
    """The rollout history of a workload, oldest first."""
    sess = session()
    owner = t.get()
    uid = owner["metadata"]["uid"]

    def owned(items):
        return [i for i in items if any(r.get("uid") == uid for r in i["metadata"].get("ownerReferences") or [])]

    out = []
    if t.info.kind == "Deployment":
        rss = sess.request("GET", f"/apis/apps/v1/namespaces/{t.namespace}/replicasets").get("items") or []
        for rs in owned(rss):
            ann = rs["metadata"].get("annotations") or {}
            if REVISION not in ann:
                continue
            tmpl = copy.deepcopy(rs["spec"]["template"])
            (tmpl.get("metadata") or {}).get("labels", {}).pop("pod-template-hash", None)
            out.append(Revision(int(ann[REVISION]), ann.get(CHANGE_CAUSE), tmpl, rs))
    else:
        crs = sess.request("GET", f"/apis/apps/v1/namespaces/{t.namespace}/controllerrevisions"
                           ).get("items") or []
        for cr in owned(crs):
            tmpl = ((cr.get("data") or {}).get("spec") or {}).get("template") or {}
            ann = cr["metadata"].get("annotations") or {}
            out.append(Revision(int(cr.get("revision", 0)), ann.get(CHANGE_CAUSE), tmpl, cr))
    return sorted(out, key=lambda r: r.number)


def _history(t: Target, *, revision, **_) -> Lines:
    revs = revisions(t)
    if revision:
        match = [r for r in revs if r.number == int(revision)]
        if not match:
            raise NotFoundError(f"unable to find the specified revision {revision} of {t.label};"
                                f" it has {', '.join(str(r.number) for r in revs) or 'none'}.")
        tmpl = {k: v for k, v in match[0].template.items()}
        text = yaml.safe_dump(tmpl, sort_keys=False, default_flow_style=False)
        lines = [f"{t.label} with revision #{revision}", "Pod Template:"]
        lines += ["  " + line for line in text.rstrip().splitlines()]
        return Lines(lines, [match[0].source])
    lines = [t.label, f"{'REVISION':<10}CHANGE-CAUSE"]
    lines += [f"{r.number:<10}{r.change_cause or '<none>'}" for r in revs]
    return Lines(lines, [r.source for r in revs])


def _undo(t: Target, *, to_revision, dry_run=None, **_) -> Lines:
    obj = t.get()
    if t.info.kind == "Deployment" and (obj.get("spec") or {}).get("paused") and dry_run != "client":
        raise K8sLabError(f"you cannot roll back a paused deployment; resume it first with"
                          f" %k8s rollout resume {t.label} and try again.")
    revs = revisions(t)
    if not revs:
        raise NotFoundError(f"no rollout history found for {t.label}.")
    if to_revision:
        match = [r for r in revs if r.number == int(to_revision)]
        if not match:
            raise NotFoundError(f"unable to find the specified revision {to_revision} of {t.label} in its"
                                f" history (revisions: {', '.join(str(r.number) for r in revs)}).")
        target = match[0]
    else:
        if len(revs) < 2:
            raise NotFoundError(f"no previous revision of {t.label} to roll back to (it has one revision).")
        target = revs[-2]
    if dry_run == "client":  # as kubectl: the template it would go back to, whatever the current one
        template = target.source["spec"]["template"] if t.info.kind == "Deployment" else target.template
        would = copy.deepcopy(obj)
        would.setdefault("spec", {})["template"] = copy.deepcopy(target.template)
        lines = describe_pod_template(template)
        # kubectl prints the label, the description and " (dry run)" on a line of its own
        return Lines([f"{t.label} {lines[0]}", *lines[1:], suffix(dry_run)], [would])
    if t.info.kind == "Deployment":
        current = copy.deepcopy((obj.get("spec") or {}).get("template") or {})
        if _same_template(current, target.template):
            return Lines([f"{t.label} skipped rollback (current template already matches revision"
                          f" {target.number}){suffix(dry_run)}"], [obj])
        patch = [{"op": "replace", "path": "/spec/template", "value": target.template},
                 {"op": "add", "path": "/metadata/annotations",  # add: replaces, or creates if none
                  "value": undo_annotations(obj, target.source)}]
        answer = _patch(t, patch, "application/json-patch+json", dry_run)
    else:
        answer = _patch(t, target.source.get("data") or {}, "application/strategic-merge-patch+json", dry_run)
    return Lines([f"{t.label} rolled back{suffix(dry_run)}"], [answer])


def undo_annotations(deployment: dict, replicaset: dict) -> dict:
    """The annotations a Deployment gets when rolled back to ``replicaset``, as kubectl sets them.

    Its own bookkeeping annotations (revision, last-applied configuration, replica
    counts) stay; every other annotation is the ReplicaSet's, so the target revision's
    ``kubernetes.io/change-cause`` comes back and one the target lacks goes away.
    """
    own = deployment["metadata"].get("annotations") or {}
    theirs = replicaset["metadata"].get("annotations") or {}
    out = {k: v for k, v in own.items() if k in _KEEP_ON_UNDO}
    out.update({k: v for k, v in theirs.items() if k not in _KEEP_ON_UNDO})
    return out


def _same_template(a: dict, b: dict) -> bool:
    a, b = copy.deepcopy(a), copy.deepcopy(b)
    for tmpl in (a, b):
        labels = (tmpl.get("metadata") or {}).get("labels") or {}
        labels.pop("pod-template-hash", None)
    return a == b


_ACTIONS = {"status": _status, "history": _history, "undo": _undo, "restart": _restart,
            "pause": _pause, "resume": _resume}
