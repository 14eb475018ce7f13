"""``k8slab.scale``: set the replicas of Deployments, ReplicaSets, StatefulSets (the ``scale`` subresource)."""

from __future__ import annotations

from k8slab.api.args.checks import checked
from k8slab.api.args.dry_run import DryRun
from k8slab.api.args.dry_run import parse as parse_dry_run
from k8slab.api.args.dry_run import suffix as dry_run_suffix
from k8slab.api.args.duration import parse_duration
from k8slab.api.args.targets import Lines, parse, session
from k8slab.errors import ConflictError, K8sLabError, UsageError

FIELD_MANAGER = "k8slab-scale"


def set_replicas(info, namespace: str | None, name: str, replicas: int, *, field_manager: str = FIELD_MANAGER,
                 timeout: float | tuple | None = None, sess=None, server_dry_run: bool = False) -> dict:
    """PATCH ``spec.replicas`` through the ``scale`` subresource; the server's Scale answer.

    For callers that already resolved the object (the ScaleWidget): ``info`` is its
    resource type from discovery; ``sess`` a session other than the current one.
    """
    sess = sess or session()
    return sess.request("PATCH", sess.path(info, namespace, name, "scale"), body={"spec": {"replicas": replicas}},
                        query={"fieldManager": field_manager, "dryRun": "All" if server_dry_run else None},
                        content_type="application/merge-patch+json",
                        timeout=timeout)


def _scale_one(sess, t, replicas: int, current_replicas: int | None, dry: bool = False) -> dict:
    path = t.path("scale")
    query = {"fieldManager": FIELD_MANAGER, "dryRun": "All" if dry else None}
    if current_replicas is None:
        return set_replicas(t.info, t.namespace, t.name, replicas, server_dry_run=dry)
    # The precondition must hold on the version we write: PUT with its resourceVersion. Controllers
    # bump the resourceVersion with status updates, so a conflict is retried after re-checking.
    for _ in range(5):
        current = sess.request("GET", path)
        have = (current.get("spec") or {}).get("replicas", 0)
        if have != current_replicas:
            raise K8sLabError(f"{t.label} has {have} replicas, not {current_replicas} (--current-replicas):"
                              " it was not scaled.")
        current["spec"]["replicas"] = replicas
        try:
            return sess.request("PUT", path, body=current, query=query)
        except ConflictError:
            continue
    raise K8sLabError(f"{t.label} kept changing while it was being scaled; run the scale again.")


@checked
def scale(*targets: str, replicas: int, current_replicas: int | None = None,
          namespace: str | None = None, wait: bool | float | str = False, dry_run: DryRun = None) -> Lines:
    """Set ``spec.replicas`` through the ``scale`` subresource, as ``kubectl scale`` does.

    Args:
        *targets: ``TYPE/NAME`` (several allowed) or ``TYPE NAME [NAME…]``; any type with
            a ``scale`` subresource (deployments, replicasets, statefulsets, CRDs that have one).
        replicas: The new number of replicas (>= 0).
        current_replicas: Only scale if the object has exactly this many now (a precondition).
        namespace: Namespace (default: the session's).
        wait: Also wait until the scaled objects are ready (``True``: 120 s, or seconds).
        dry_run: ``"client"``: nothing is sent; ``"server"``: the server checks it, stores nothing
            (``wait`` is then skipped). See :mod:`k8slab.api.args.dry_run`.

    Returns:
        Lines ``deployment.apps/web scaled``.

    Raises:
        K8sLabError: ``current_replicas`` did not match, or the type cannot be scaled.

    Example:
        >>> k8slab.scale("deploy/web", replicas=3)  # doctest: +SKIP
        deployment.apps/web scaled
    """
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise UsageError(f"--replicas must be a whole number >= 0, not {replicas!r}.")
    mode = parse_dry_run(dry_run, "scale")
    seconds = 120.0 if wait is True else parse_duration(wait, what="wait") if wait else 0.0
    sess = session()
    found = parse(targets, namespace, verb="scale")
    for t in found:
        if "scale" not in t.info.subresources:
            raise UsageError(f"{t.info.full_name} cannot be scaled (it has no scale subresource);"
                             " scale deployments, replicasets or statefulsets.")
    lines, objs = [], []
    for t in found:
        if mode != "client":
            objs.append(_scale_one(sess, t, replicas, current_replicas, dry=mode == "server"))
        lines.append(f"{t.label} scaled{dry_run_suffix(mode)}")
    if wait and not mode:
        from k8slab.api.watch.until import wait_ready

        wait_ready([(t.info, t.namespace, t.name) for t in found], timeout=seconds)
    return Lines(lines, objs)
