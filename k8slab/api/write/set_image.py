"""``k8slab.set_image``: change container images of pods and pod templates (``kubectl set image``)."""

from __future__ import annotations

from k8slab.api.args.checks import checked
from k8slab.api.args.dry_run import DryRun
from k8slab.api.args.targets import Lines, select, session
from k8slab.api.write import edits
from k8slab.errors import K8sLabError, UsageError

STRATEGIC = "application/strategic-merge-patch+json"
# where each kind keeps its pod spec
_POD_SPEC = {
    "Pod": ("spec",),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
_TEMPLATED = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"})
_LISTS = ("initContainers", "containers")


@checked
def set_image(*args: str, namespace: str | None = None, selector: str | None = None, all: bool = False,  # noqa: A002
              dry_run: DryRun = None, output: str | None = None) -> Lines:
    """Set container images, like ``kubectl set image``; a Deployment then rolls out.

    Args:
        *args: Objects (``deploy/web``, ``deploy web``, or one TYPE with ``selector``/``all``)
            followed by ``CONTAINER=IMAGE`` pairs; ``*=IMAGE`` sets every container.
        namespace: Namespace (default: the session's).
        selector, all: Every object of the TYPE with these labels, or all of them.
        dry_run: ``"server"`` (the server checks, stores nothing) or ``"client"`` (nothing sent).
        output: ``"name"``, ``"yaml"`` or ``"json"``: print the object(s).

    Returns:
        Lines ``deployment.apps/web image updated`` (``image unchanged`` when every named
        container already runs that image: nothing is sent then).

    Raises:
        K8sLabError: a named container is not in an object, or an object has no pod
            template; nothing was changed.

    Example:
        >>> k8slab.set_image("deploy/web", "nginx=nginx:1.28")  # doctest: +SKIP
        deployment.apps/web image updated
    """
    dry_run = edits.check_flags("set image", dry_run, output)
    words, pairs = edits.split_words(args, lambda w: "=" in w)
    images = _parse_pairs(pairs)
    found = select(words, namespace, selector=selector, all_=all, verb="set image")
    if not found:
        return edits.none_found(selector)
    objs = [t.get() for t in found]
    plans, problems = [], []
    for t, obj in zip(found, objs):
        try:
            plans.append(_plan(t, obj, images))
        except K8sLabError as exc:
            problems.append(str(exc))
    if problems:
        raise K8sLabError("\n".join(problems) + "\nNothing was changed.")
    sess = session()
    lines, out = [], []
    for t, obj, (path, changes) in zip(found, objs, plans):
        if changes and dry_run != "client":
            obj = sess.request("PATCH", t.path(), body=_nest(path, changes), content_type=STRATEGIC,
                               query=edits.query("kubectl-set", dry_run))
        lines.append(edits.printed(t.label, "image updated" if changes else "image unchanged", obj, dry_run, output))
        out.append(obj)
    return edits.result(lines, out, output)


def _parse_pairs(pairs: list[str]) -> dict[str, str]:
    if not pairs:
        raise UsageError("set image: at least one image update is required: CONTAINER=IMAGE (or *=IMAGE),"
                         " e.g. %k8s set image deploy/web nginx=nginx:1.28.")
    images = {}
    for p in pairs:
        name, _, image = p.partition("=")
        if not name or not image:
            raise UsageError(f"set image: {p!r} is not CONTAINER=IMAGE (e.g. nginx=nginx:1.28).")
        images[name] = image
    return images


def _pod_spec_path(t, obj: dict) -> tuple[str, ...]:
    kind = obj.get("kind") or t.info.kind
    if kind in _POD_SPEC:
        return _POD_SPEC[kind]
    if kind in _TEMPLATED:
        return ("spec", "template", "spec")
    raise K8sLabError(f"{t.label}: a {kind} is not a pod and has no pod template, so it has no images to set.")


def _plan(t, obj: dict, images: dict[str, str]) -> tuple[tuple[str, ...], dict[str, list]]:
    """The pod spec's path, and per container list the ``{"name", "image"}`` entries that change."""
    path = _pod_spec_path(t, obj)
    spec = obj
    for key in path:
        spec = spec.get(key) or {}
    changes: dict[str, list] = {}
    matched = set()
    for lst in _LISTS:
        for c in spec.get(lst) or []:
            image = images.get(c["name"], images.get("*"))
            if c["name"] in images or "*" in images:
                matched.add(c["name"])
            if image is not None and c.get("image") != image:
                changes.setdefault(lst, []).append({"name": c["name"], "image": image})
    missing = [n for n in images if n != "*" and n not in matched]
    if missing:
        have = ", ".join(c["name"] for lst in _LISTS for c in spec.get(lst) or [])
        raise K8sLabError(f"{t.label}: unable to find container named {', '.join(map(repr, missing))}"
                          f" (its containers: {have or 'none'}).")
    return path, changes


def _nest(path: tuple[str, ...], leaf: dict) -> dict:
    for key in reversed(path):
        leaf = {key: leaf}
    return leaf
