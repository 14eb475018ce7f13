"""``k8slab.delete``: delete objects named ``TYPE/NAME``, by label, or declared in YAML."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from k8slab.api.args.checks import checked
from k8slab.api.args.dry_run import DryRun
from k8slab.api.args.dry_run import parse as parse_dry_run
from k8slab.api.args.dry_run import suffix as dry_run_suffix
from k8slab.api.args.duration import parse_duration
from k8slab.api.args.targets import Lines, Target, resolve_namespace, select, session
from k8slab.api.watch.until import watch_until
from k8slab.errors import NotFoundError, UsageError, WaitTimeoutError

_CASCADE = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan"}


@checked
def delete(*targets: str, namespace: str | None = None, selector: str | None = None, all: bool = False,  # noqa: A002
           text: str | Mapping | Iterable[Mapping] | None = None, files=None, wait: bool = True,
           timeout: float | str = 60.0, ignore_not_found: bool = False, cascade: str = "background",
           grace_period: int | None = None, dry_run: DryRun = None, context_vars: Mapping | None = None) -> Lines:
    """Delete objects, as ``kubectl delete`` does, and (by default) wait until they are gone.

    Args:
        *targets: ``TYPE/NAME`` (several allowed), or ``TYPE NAME [NAME…]``, or a bare
            ``TYPE`` with ``selector`` or ``all``.
        namespace: Namespace (default: the session's).
        selector: Label selector (``-l app=web``).
        all: Every object of the type in the namespace (``--all``).
        text: YAML (or dicts) whose objects to delete, like ``kubectl delete -f``.
        files: Files or directories whose objects to delete.
        wait: Wait until the objects are really gone (finalizers, pods terminating).
        timeout: Seconds or a duration for the wait.
        ignore_not_found: A missing object is not an error.
        cascade: ``background`` (default), ``foreground`` or ``orphan``.
        grace_period: Seconds for pods to stop (``0`` with ``force`` semantics is not offered).
        dry_run: ``"server"`` (or ``True``): the server checks each deletion, nothing is
            deleted; ``"client"``: nothing is sent at all (not even a read, as in kubectl).
        context_vars: Values for ``{{ name }}`` placeholders in ``text``.

    Returns:
        Lines ``deployment.apps "web" deleted`` (kubectl's wording); ``.objects`` holds the objects
        the server answered with (a pod, being deleted gracefully, comes back whole; most other
        kinds are answered with a Status only, and are not in it).

    Raises:
        NotFoundError: An object does not exist (unless ``ignore_not_found``).
        WaitTimeoutError: ``wait`` ran out before the objects were gone.

    Example:
        >>> k8slab.delete("deploy/web", "svc/web", namespace="lab-01")  # doctest: +SKIP
        deployment.apps "web" deleted
        service "web" deleted
    """
    mode = parse_dry_run(dry_run, "delete")
    policy = _CASCADE.get(str(cascade).lower())
    if policy is None:
        raise UsageError(f"--cascade={cascade!r}: use background, foreground or orphan.")
    found = _collect(targets, namespace, selector, all, text, files, context_vars)
    if not found:
        return Lines(["No resources found"])
    sess = session()
    query = {"propagationPolicy": policy, "dryRun": "All" if mode == "server" else None,
             "gracePeriodSeconds": grace_period}
    lines, gone, deleted = [], [], []
    missing = []
    for t in found:
        if mode == "client":
            lines.append(f'{t.info.name_prefix} "{t.name}" deleted (dry run)')
            continue
        try:
            answer = sess.request("DELETE", t.path(), query=query)
        except NotFoundError:
            if not ignore_not_found:
                missing.append(t)
            continue
        lines.append(f'{t.info.name_prefix} "{t.name}" deleted' + dry_run_suffix(mode))
        if answer.get("kind") != "Status":  # the object as the server had it when deleting
            deleted.append(answer)
        # the deleted object's uid (a Status answer has none): a StatefulSet makes a pod of the same
        # name again at once, and the wait is for this one to be gone, as kubectl's is
        uid = (answer.get("metadata") or {}).get("uid") if answer.get("kind") != "Status" else None
        gone.append((t, uid))
    if missing:
        done = ("\n" + "\n".join(lines)) if lines else ""
        names = ", ".join(f'{t.info.full_name} "{t.name}"' for t in missing)
        where = f' in namespace "{missing[0].namespace}"' if missing[0].namespace else ""
        raise NotFoundError(f"not found{where}: {names}. Check the names with %k8s get; pass"
                            f" --ignore-not-found to skip missing ones.{done}", status=404, reason="NotFound")
    if wait and not mode and gone:
        seconds = parse_duration(timeout)
        deadline = time.monotonic() + seconds
        for t, uid in gone:
            ok, _ = watch_until(t.info, t.namespace, t.name,
                                lambda o, uid=uid: o is None or (uid is not None and o["metadata"].get("uid") != uid),
                                deadline)
            if not ok:
                raise WaitTimeoutError(f"{t.label} was deleted but is still there after {seconds:g}s"
                                       " (finalizers or terminating pods). Check it with"
                                       f" %k8s describe {t.label}." + "\n" + "\n".join(lines))
    return Lines(lines, deleted)


def _collect(targets, namespace, selector, all_, text, files, context_vars) -> list[Target]:
    if text is not None or files:
        if targets:
            raise UsageError("delete takes either TYPE/NAME arguments or YAML (-f / a cell), not both.")
        from k8slab.api.args.documents import load_documents

        out = []
        manifests = load_documents(text, files, context_vars, verb="delete")  # read (and refused) before the cluster is asked
        sess = session()
        for m in reversed(manifests):  # dependents first, like kubectl -f in reverse
            info = sess.resolve_kind(m.api_version, m.kind)
            out.append(Target(info, m.name, resolve_namespace(info, m.namespace or namespace)))
        return out
    if not (targets or selector or all_):
        raise UsageError("delete needs TYPE/NAME, TYPE -l SELECTOR, TYPE --all, or YAML (-f / a cell).")
    return select(targets, namespace, selector=selector, all_=all_, verb="delete")

