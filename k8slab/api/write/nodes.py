"""Node maintenance, as kubectl does it: ``cordon``, ``uncordon``, ``drain`` and ``taint``.

On the kwok engine the nodes are simulated by KWOK, so a lab can cordon and drain
them freely and watch the pods move (their controllers create them again elsewhere).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from k8slab.api.args.checks import checked
from k8slab.api.args.dry_run import DryRun
from k8slab.api.args.duration import parse_duration
from k8slab.api.args.targets import Lines, session
from k8slab.api.watch.until import watch_until
from k8slab.api.write import edits
from k8slab.errors import ApiError, ConflictError, K8sLabError, NotFoundError, UsageError

MERGE_PATCH = "application/merge-patch+json"
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_MIRROR = "kubernetes.io/config.mirror"


def _node_names(args, selector: str | None) -> list[str]:
    """``NAME``, ``node/NAME`` or ``nodes NAME…``; or every node matching ``selector``."""
    words = [a for a in args if a]
    if words and words[0] in ("node", "nodes", "no"):
        words = words[1:]
    names = []
    for w in words:
        kind, sep, name = w.partition("/")
        if sep and (kind not in ("node", "nodes", "no") or not name):
            raise UsageError(f"{w!r}: give a node name, node/NAME or nodes NAME (only nodes can be used here).")
        names.append(name if sep else w)
    if selector:
        if names:
            raise UsageError("give node names or -l SELECTOR, not both.")
        listing = session().request("GET", "/api/v1/nodes", query={"labelSelector": selector})
        return [n["metadata"]["name"] for n in listing.get("items") or []]
    if not names:
        raise UsageError("name a node (e.g. k8slab-worker), or select nodes with -l.")
    from k8slab.client.discovery import check_segment

    for name in names:
        check_segment("node name", name)
    return names


def _label(name: str) -> str:
    return f"node/{name}"


def _set_unschedulable(names: list[str], value: bool, dry_run: str | None, word: str) -> Lines:
    sess = session()
    lines, objs = [], []
    for name in names:
        node = sess.request("GET", f"/api/v1/nodes/{name}")
        if bool((node.get("spec") or {}).get("unschedulable")) == value:
            lines.append(f"{_label(name)} already {word}")
        else:
            if dry_run != "client":
                node = sess.request("PATCH", f"/api/v1/nodes/{name}", body={"spec": {"unschedulable": value or None}},
                                    content_type=MERGE_PATCH, query=edits.query("kubectl-cordon", dry_run))
            lines.append(f"{_label(name)} {word}{edits.suffix(dry_run)}")
        objs.append(node)
    return Lines(lines, objs)


@checked
def cordon(*nodes: str, selector: str | None = None, dry_run: DryRun = None) -> Lines:
    """Mark nodes unschedulable: new pods go elsewhere, running pods stay (``kubectl cordon``).

    Example:
        >>> k8slab.cordon("k8slab-worker")  # doctest: +SKIP
        node/k8slab-worker cordoned
    """
    dry_run = edits.check_flags("cordon", dry_run, None)
    return _set_unschedulable(_node_names(nodes, selector), True, dry_run, "cordoned")


@checked
def uncordon(*nodes: str, selector: str | None = None, dry_run: DryRun = None) -> Lines:
    """Mark nodes schedulable again (``kubectl uncordon``).

    Example:
        >>> k8slab.uncordon("k8slab-worker")  # doctest: +SKIP
        node/k8slab-worker uncordoned
    """
    dry_run = edits.check_flags("uncordon", dry_run, None)
    return _set_unschedulable(_node_names(nodes, selector), False, dry_run, "uncordoned")


# -- drain ---------------------------------------------------------------------------------------------------


@dataclass
class _Sorted:
    evict: list
    warnings: list
    errors: list


def _controller(pod: dict) -> dict | None:
    return next((r for r in (pod.get("metadata") or {}).get("ownerReferences") or [] if r.get("controller")), None)


def _sort_pods(pods: list[dict], ignore_daemonsets: bool, force: bool, delete_emptydir_data: bool) -> _Sorted:
    """Which pods a drain evicts, and what stops it (kubectl's filters and messages)."""
    out = _Sorted([], [], [])
    blocked: dict[str, list[str]] = {}
    warned: dict[str, list[str]] = {}
    for pod in pods:
        meta = pod.get("metadata") or {}
        ref = f"{meta.get('namespace')}/{meta.get('name')}"
        if _MIRROR in (meta.get("annotations") or {}) or meta.get("deletionTimestamp"):
            continue  # a static pod's mirror, or already going
        finished = (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
        owner = _controller(pod)
        if owner and owner.get("kind") == "DaemonSet" and not finished:
            key = "ignoring DaemonSet-managed Pods" if ignore_daemonsets else \
                "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
            (warned if ignore_daemonsets else blocked).setdefault(key, []).append(ref)
            continue
        ok = True
        if owner is None and not finished:
            if force:
                warned.setdefault("deleting Pods that declare no controller", []).append(ref)
            else:
                blocked.setdefault("cannot delete Pods that declare no controller (use --force to override)",
                                   []).append(ref)
                ok = False
        if any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or []) and not finished:
            if delete_emptydir_data:
                warned.setdefault("deleting Pods with local storage", []).append(ref)
            else:
                blocked.setdefault("cannot delete Pods with local storage (use --delete-emptydir-data to override)",
                                   []).append(ref)
                ok = False
        if ok:
            out.evict.append(pod)
    out.errors = [f"{why}: {', '.join(refs)}" for why, refs in blocked.items()]
    out.warnings = [f"{why}: {', '.join(refs)}" for why, refs in warned.items()]
    return out


@checked
def drain(node: str, *, ignore_daemonsets: bool = False, force: bool = False, delete_emptydir_data: bool = False,
          grace_period: int | None = None, timeout: str | float = "120s", disable_eviction: bool = False,
          dry_run: DryRun = None) -> Lines:
    """Cordon a node and evict its pods, like ``kubectl drain``; their controllers recreate them elsewhere.

    Args:
        node: The node (``NAME`` or ``node/NAME``).
        ignore_daemonsets: Leave DaemonSet pods alone (otherwise they stop the drain).
        force: Also delete pods that no controller owns (they are gone for good).
        delete_emptydir_data: Also evict pods with ``emptyDir`` volumes (their data is lost).
        grace_period: Seconds each pod gets to stop (default: its own).
        timeout: How long to wait for the pods to go (e.g. ``"60s"``).
        disable_eviction: Delete pods instead of evicting them (bypasses PodDisruptionBudgets).
        dry_run: ``"server"``: cordon and evict as server dry runs, nothing changes;
            ``"client"``: the node and its pods are read, nothing is sent.

    Raises:
        K8sLabError: pods that stop the drain (and the flag that would allow them); the node
            stays cordoned, as with kubectl. Or the pods did not go within ``timeout``.

    Example:
        >>> k8slab.drain("k8slab-worker", ignore_daemonsets=True, timeout="60s")  # doctest: +SKIP
    """
    dry_run = edits.check_flags("drain", dry_run, None)
    (name,) = _node_names([node], None)
    seconds = parse_duration(timeout)
    sess = session()
    lines = list(_set_unschedulable([name], True, dry_run, "cordoned"))
    pods = sess.request("GET", "/api/v1/pods", query={"fieldSelector": f"spec.nodeName={name}"}).get("items") or []
    found = _sort_pods(pods, ignore_daemonsets, force, delete_emptydir_data)
    if found.errors:
        raise K8sLabError("\n".join([*lines, f'unable to drain node "{name}" (it stays cordoned; uncordon it to undo):',
                                     *found.errors]))
    lines += [f"Warning: {'; '.join(found.warnings)}"] if found.warnings else []
    suffix = edits.suffix(dry_run)
    deadline = time.monotonic() + seconds
    for pod in found.evict:
        meta = pod["metadata"]
        lines.append(f"evicting pod {meta['namespace']}/{meta['name']}{suffix}")
        if dry_run != "client":  # client: the pods are listed, nothing is sent
            _evict(sess, pod, grace_period, disable_eviction, dry_run, deadline)
    if not dry_run:
        for pod in found.evict:
            _wait_gone(sess, pod, deadline, name)
            lines.append(f"pod/{pod['metadata']['name']} evicted")
    lines.append(f"{_label(name)} drained{suffix}")
    return Lines(lines)


def _evict(sess, pod: dict, grace_period, disable_eviction: bool, dry_run, deadline: float) -> None:
    meta = pod["metadata"]
    path = f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}"
    query = {"dryRun": "All" if dry_run else None}
    options = {} if grace_period is None else {"gracePeriodSeconds": grace_period}
    while True:
        try:
            if disable_eviction:
                sess.request("DELETE", path, query={**query, "gracePeriodSeconds": grace_period})
            else:
                sess.request("POST", path + "/eviction", query=query,
                             body={"apiVersion": "policy/v1", "kind": "Eviction",
                                   "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
                                   **({"deleteOptions": options} if options else {})})
            return
        except NotFoundError:
            return  # gone already
        except ApiError as exc:
            if exc.status != 429:
                raise
            if time.monotonic() > deadline:  # a PodDisruptionBudget keeps refusing
                raise K8sLabError(f"cannot evict pod {meta['namespace']}/{meta['name']}: {exc}\n"
                                  "Its PodDisruptionBudget allows no more disruptions now; the node stays"
                                  " cordoned. Scale the workload up, or use --disable-eviction.") from None
            time.sleep(1.0)


def _wait_gone(sess, pod: dict, deadline: float, node: str) -> None:
    """Watch the evicted pod until it is gone, or replaced by a new pod of the same name (a StatefulSet's)."""
    meta = pod["metadata"]

    def gone(now: dict | None) -> bool:
        return now is None or (now.get("metadata") or {}).get("uid") != meta.get("uid")

    ok, _ = watch_until(sess.resolve("pods"), meta["namespace"], meta["name"], gone, deadline)
    if not ok:
        raise K8sLabError(f"pod {meta['namespace']}/{meta['name']} was evicted but has not gone yet;"
                          f" node/{node} stays cordoned. Wait, or give drain a longer --timeout.")


# -- taint ---------------------------------------------------------------------------------------------------


def parse_taints(specs: list[str]) -> tuple[list[dict], list[tuple[str, str | None]]]:
    """``KEY[=VALUE]:EFFECT`` to add, ``KEY[:EFFECT]-`` to remove, checked as kubectl checks them."""
    add: list[dict] = []
    remove: list[tuple[str, str | None]] = []
    for spec in specs:
        if spec.endswith("-"):
            key, _, effect = spec[:-1].partition(":")
            if effect and effect not in EFFECTS:
                raise UsageError(f"invalid taint effect: {effect}, unsupported taint effect ({', '.join(EFFECTS)})")
            remove.append((key, effect or None))
            continue
        head, sep, effect = spec.rpartition(":")
        if not sep or not head:
            raise UsageError(f"invalid taint spec: {spec} (use KEY=VALUE:EFFECT, KEY:EFFECT, or KEY- to remove)")
        if effect not in EFFECTS:
            raise UsageError(f"invalid taint effect: {effect}, unsupported taint effect ({', '.join(EFFECTS)})")
        key, _, value = head.partition("=")
        taint = {"key": key, "effect": effect}
        if value:
            taint["value"] = value
        add.append(taint)
    both = sorted({t["key"] for t in add} & {k for k, _ in remove})
    if both:
        raise UsageError(f"can not both modify and remove the following taint(s) in the same command: {', '.join(both)}")
    return add, remove


@checked
def taint(*args: str, overwrite: bool = False, selector: str | None = None, all: bool = False,  # noqa: A002
          dry_run: DryRun = None) -> Lines:
    """Add (``KEY=VALUE:EFFECT``) or remove (``KEY:EFFECT-``, ``KEY-``) node taints, like ``kubectl taint``.

    Args:
        *args: ``nodes NAME…`` (or ``node/NAME``) followed by the taint specs; a bare
            ``NAME`` is refused, as kubectl refuses it.
        overwrite: Replace a taint with the same key and effect.
        selector: Every node with these labels (``-l``); ``all``: every node.
        dry_run: ``"server"`` or ``"client"``.

    Example:
        >>> k8slab.taint("nodes", "k8slab-worker", "dedicated=lab:NoSchedule")  # doctest: +SKIP
        node/k8slab-worker tainted
    """
    dry_run = edits.check_flags("taint", dry_run, None)
    words, specs = edits.split_words(args, lambda w: ":" in w or (w.endswith("-") and len(w) > 1))
    if not specs:
        raise UsageError("at least one taint update is required (KEY=VALUE:EFFECT, or KEY:EFFECT- / KEY- to remove),"
                         " e.g. %k8s taint nodes k8slab-worker dedicated=lab:NoSchedule")
    if words and words[0] not in ("node", "nodes", "no") and "/" not in words[0]:
        # kubectl taint NAME … fails too: the first word is the resource type
        raise UsageError(f'taint: the first word is the resource type (nodes), not "{words[0]}": write'
                         f' %k8s taint nodes {words[0]} {specs[0]} (kubectl says: the server doesn\'t have a'
                         f' resource type "{words[0]}"). Nothing was changed.')
    add, remove = parse_taints(specs)
    sess = session()
    if all:
        names = [n["metadata"]["name"] for n in sess.request("GET", "/api/v1/nodes").get("items") or []]
    else:
        names = _node_names(words, selector)
    plans, problems = [], []
    for name in names:
        node = sess.request("GET", f"/api/v1/nodes/{name}")
        try:
            plans.append((name, node, _new_taints(name, node, add, remove, overwrite)))
        except K8sLabError as exc:
            problems.append(str(exc))
    if problems:
        raise K8sLabError("\n".join(problems) + "\nNo node was changed.")
    lines, objs = [], []
    for name, node, (taints, action) in plans:
        if dry_run != "client":
            node = _put_taints(sess, name, node, taints, dry_run)
        lines.append(f"{_label(name)} {action}{edits.suffix(dry_run)}")
        objs.append(node)
    return Lines(lines, objs)


def _new_taints(name: str, node: dict, add: list[dict], remove, overwrite: bool) -> tuple[list[dict], str]:
    have = list((node.get("spec") or {}).get("taints") or [])
    same = [t for t in add if any(h["key"] == t["key"] and h["effect"] == t["effect"] for h in have)]
    if same and not overwrite:
        raise K8sLabError(f"node {name} already has a taint(s) with same effect(s) and --overwrite is false"
                          f" ({', '.join(t['key'] + ':' + t['effect'] for t in same)})")
    kept = []
    for h in have:
        if any(h["key"] == k and (e is None or h["effect"] == e) for k, e in remove):
            continue
        if any(h["key"] == t["key"] and h["effect"] == t["effect"] for t in add):
            continue  # replaced below
        kept.append(h)
    for key, effect in remove:
        if not any(h["key"] == key and (effect is None or h["effect"] == effect) for h in have):
            raise K8sLabError(f'taint "{key}:{effect}" not found on node {name}' if effect else
                              f'taint "{key}" not found on node {name}')
    action = "modified" if (remove and add) or same else "untainted" if remove else "tainted"
    return kept + add, action


def _put_taints(sess, name: str, node: dict, taints: list[dict], dry_run) -> dict:
    """Write ``spec.taints`` with the node's resourceVersion as a precondition (retried on a conflict)."""
    for _ in range(5):
        body = {"metadata": {"resourceVersion": node["metadata"]["resourceVersion"]}, "spec": {"taints": taints or None}}
        try:
            return sess.request("PATCH", f"/api/v1/nodes/{name}", body=body, content_type=MERGE_PATCH,
                                query=edits.query("kubectl-taint", dry_run))
        except ConflictError:
            node = sess.request("GET", f"/api/v1/nodes/{name}")
    raise K8sLabError(f"node {name} kept changing while it was being tainted; run the command again.")
