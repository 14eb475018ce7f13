"""Waiting on the cluster with watches: readiness (``apply --wait``) and ``k8slab.wait``.

Each wait lists the object (``fieldSelector=metadata.name=…``), then watches
from that list's resourceVersion until the condition holds or the deadline
passes; an expired watch is simply re-listed. No polling sleeps.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

from k8slab.api import readiness
from k8slab.api.targets import Lines, Target, label, parse, selector_string, session
from k8slab.errors import ExpiredError, NotFoundError, UsageError, WaitTimeoutError

_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*$")


def parse_duration(value: str | float | int) -> float:
    """Seconds from ``30``, ``30s``, ``2m``, ``1m30s``, ``1h`` (kubectl's durations).

    Example:
        >>> parse_duration("1m30s")
        90.0
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    found = _DURATION.match(str(value))
    if not found or not any(found.groups()) or str(value).strip() == "":
        raise UsageError(f"{value!r} is not a duration: use e.g. 30s, 2m, 1m30s or a number of seconds.")
    h, m, s = (float(x) if x else 0.0 for x in found.groups())
    return h * 3600 + m * 60 + s


class LineProgress:
    """One output line that updates in place (a notebook display, or ``\\r`` on a terminal)."""

    def __init__(self):
        self._handle = None
        self._last = ""

    def __call__(self, text: str) -> None:
        if text == self._last:
            return
        self._last = text
        try:
            from IPython import get_ipython
            from IPython.display import display

            if get_ipython() is not None:
                obj = {"text/plain": text}
                if self._handle is None:
                    self._handle = display(obj, raw=True, display_id=True)
                else:
                    self._handle.update(obj, raw=True)
                return
        except ImportError:
            pass
        import sys

        self._terminal = True
        sys.stderr.write("\r" + text[:150].ljust(150))
        sys.stderr.flush()

    def finish(self) -> None:
        """End the line on a terminal (a notebook display needs nothing)."""
        if getattr(self, "_terminal", False):
            import sys

            sys.stderr.write("\n")
            sys.stderr.flush()


def _default_progress() -> Callable[[str], None]:
    return LineProgress()


def watch_until(info, namespace: str | None, name: str, check: Callable[[dict | None], bool],
                deadline: float, on_change: Callable[[dict | None], None] | None = None) -> tuple[bool, dict | None]:
    """Watch one object until ``check(obj)`` is true (``obj`` is None once it is gone) or ``deadline``.

    Returns:
        ``(True, obj)`` when the check held, ``(False, last_seen)`` at the deadline.
    """
    sess = session()
    collection = sess.path(info, namespace)
    selector = f"metadata.name={name}"
    obj: dict | None = None
    while True:
        listing = sess.request("GET", collection, query={"fieldSelector": selector})
        items = listing.get("items") or []
        obj = _with_kind(items[0], info) if items else None
        if on_change:
            on_change(obj)
        if check(obj):
            return True, obj
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False, obj
        rv = (listing.get("metadata") or {}).get("resourceVersion")
        try:
            for event in sess.watch(collection, query={"fieldSelector": selector, "resourceVersion": rv},
                                    timeout=max(1.0, remaining)):
                kind = event.get("type")
                if kind == "DELETED":
                    obj = None
                elif kind in ("ADDED", "MODIFIED"):
                    obj = _with_kind(event.get("object") or {}, info)
                else:
                    continue
                if on_change:
                    on_change(obj)
                if check(obj):
                    return True, obj
                if time.monotonic() >= deadline:
                    return False, obj
        except ExpiredError:
            continue  # our resourceVersion is too old: list again
        if time.monotonic() >= deadline:
            return check(obj), obj


def _with_kind(obj: dict, info) -> dict:
    # list items carry no kind; the readiness rules need it
    obj.setdefault("kind", info.kind)
    obj.setdefault("apiVersion", info.api_version)
    return obj


def wait_ready(objects: Sequence[tuple], *, timeout: float, progress: Callable[[str], None] | None = None,
               done: str | None = None) -> list[dict]:
    """Block until every ``(info, namespace, name)`` object is ready by :mod:`readiness` rules.

    Args:
        objects: ``(ResourceInfo, namespace, name)`` triples.
        timeout: Seconds for all of them together.
        progress: ``callable(text)`` for a one-line progress display (default: one updating line).
        done: Text the progress line shows at the end (default: which objects are ready).

    Raises:
        WaitTimeoutError: Not all were ready in time, or one failed (a Job, a rollout past its
            deadline); the message names each object that is not ready, why, and its pods' problems.
    """
    progress = progress or _default_progress()
    deadline = time.monotonic() + timeout
    total = len(objects)
    ready: list[dict] = []
    for index, (info, ns, name) in enumerate(objects):
        what = label(info, name)

        def show(obj, what=what, index=index):
            st = readiness.status(obj) if obj is not None else None
            msg = st.message if st is not None else "does not exist yet"
            progress(f"[{index}/{total} ready] {what}: {msg}")

        def check(obj):
            if obj is None:
                return False
            st = readiness.status(obj)
            if st.failed:
                raise WaitTimeoutError(f"{what} will not become ready: {st.message}"
                                       + _pods_why(info, ns, obj))
            return st.ready

        ok, obj = watch_until(info, ns, name, check, deadline, show)
        if not ok:
            raise WaitTimeoutError(_timeout_message(objects, timeout))
        ready.append(obj)
    progress(done if done is not None else f"[{total}/{total} ready] " + ", ".join(
        label(i, n) for i, _, n in objects))
    getattr(progress, "finish", lambda: None)()
    return ready


def _timeout_message(objects: Sequence[tuple], timeout: float) -> str:
    sess = session()
    lines, ok = [], []
    for info, ns, name in objects:
        what = label(info, name)
        try:
            obj = _with_kind(sess.request("GET", sess.path(info, ns, name)), info)
        except NotFoundError:
            lines.append(f"  {what}: does not exist")
            continue
        st = readiness.status(obj)
        if st.ready:
            ok.append(what)
        else:
            lines.append(f"  {what}: {st.message}{_pods_why(info, ns, obj)}")
    head = f"Timed out after {_fmt(timeout)} waiting for {len(lines)} of {len(objects)} objects to be ready:"
    tail = [f"Ready: {', '.join(ok)}"] if ok else []
    return "\n".join([head, *lines, *tail])


def _fmt(seconds: float) -> str:
    return f"{seconds:g}s"


def _pods_why(info, namespace: str | None, obj: dict) -> str:
    """Problems of the pods a workload selects (``\\n    pod x: container y: CrashLoopBackOff``)."""
    if obj.get("kind") not in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"):
        return ""
    selector = selector_string((obj.get("spec") or {}).get("selector"))
    if not selector or namespace is None:
        return ""
    try:
        pods = session().request("GET", f"/api/v1/namespaces/{namespace}/pods",
                                 query={"labelSelector": selector, "limit": 50}).get("items") or []
    except Exception:  # noqa: BLE001 - the explanation is a bonus; the timeout is the error
        return ""
    problems = []
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            continue
        problem = readiness.pod_problem(pod)
        if problem:
            problems.append(f"\n    pod {pod['metadata']['name']}: {problem}")
    if not pods:
        return "\n    no pods match its selector yet"
    return "".join(problems[:3]) + (f"\n    ... and {len(problems) - 3} more pods" if len(problems) > 3 else "")


class Condition:
    """A parsed ``--for``: ``delete``, ``create``, ``condition=NAME[=VALUE]`` or ``jsonpath=EXPR[=VALUE]``."""

    def __init__(self, spec: str):
        self.spec = spec.strip()
        kind, _, rest = self.spec.partition("=")
        self.kind = kind.lower()
        self.name = self.value = None
        if self.kind in ("delete", "create") and not rest:
            return
        if self.kind == "condition" and rest:
            name, _, value = rest.partition("=")
            self.name, self.value = name, value or "True"
            return
        if self.kind == "jsonpath" and rest:
            from k8slab.api.jsonpath import JSONPath, relaxed

            braced = re.match(r"""^(['"]?)(\{.*\})\1(?:=(.*))?$""", rest.strip())
            if braced:
                expr, value = braced.group(2), braced.group(3)
            else:
                expr, sep, value = rest.strip().strip("'\"").partition("=")
                value = value if sep else None
            self.name = expr
            self.value = value.strip().strip("'\"") if value is not None else None
            self._path = JSONPath(relaxed(self.name))
            return
        raise UsageError(f"--for={spec!r}: use --for=condition=Ready, --for=condition=Available=False,"
                         " --for=delete, --for=create or --for=jsonpath='{.status.phase}'=Running.")

    def holds(self, obj: dict | None) -> bool:
        """Whether ``obj`` (None: it does not exist) meets the condition."""
        if self.kind == "delete":
            return obj is None
        if obj is None:
            return False
        if self.kind == "create":
            return True
        found = self.found(obj)
        if self.value is None:
            return found not in (None, "")
        if self.kind == "condition":
            return found is not None and found.lower() == self.value.lower()
        return found == self.value

    def found(self, obj: dict | None):
        """What the object shows for this condition (for messages and comparison)."""
        if obj is None:
            return None
        if self.kind == "condition":
            cond = next((c for c in (obj.get("status") or {}).get("conditions") or []
                         if str(c.get("type", "")).lower() == self.name.lower()), None)
            if cond is None:
                return None
            return str(cond.get("status"))
        if self.kind == "jsonpath":
            from k8slab.api.jsonpath import format_value

            values = self._path.values(obj)
            return " ".join(format_value(v) for v in values) if values else None
        return None


def wait(*targets: str, for_: str, namespace: str | None = None, selector: str | None = None,
         all: bool = False, timeout: float | str = 30.0) -> Lines:  # noqa: A002 - kubectl's --all
    """Wait for objects to reach a condition, as ``kubectl wait`` does.

    Args:
        *targets: ``TYPE/NAME`` (several allowed), or ``TYPE`` with ``selector``/``all``.
        for_: ``condition=Ready`` (``=False`` for another status), ``delete``, ``create``,
            or ``jsonpath={.status.phase}=Running`` (no ``=VALUE``: the field exists).
        namespace: Namespace (default: the session's).
        selector: Label selector, with a bare ``TYPE``.
        all: Every object of ``TYPE`` in the namespace.
        timeout: Seconds or a duration (``30s``, ``2m``) for all objects together.

    Returns:
        Lines ``pod/web condition met``.

    Raises:
        WaitTimeoutError: The condition did not hold in time; says what was found instead.

    Example:
        >>> k8slab.wait("deploy/web", for_="condition=Available", timeout="60s")  # doctest: +SKIP
        deployment.apps/web condition met
    """
    cond = Condition(for_)
    seconds = parse_duration(timeout)
    found = _targets(targets, namespace, selector, all)
    deadline = time.monotonic() + seconds
    lines, objs = [], []
    for t in found:
        ok, obj = watch_until(t.info, t.namespace, t.name, cond.holds, deadline)
        if not ok:
            raise WaitTimeoutError(_wait_timeout(t, cond, obj, seconds))
        lines.append(f"{t.label} condition met")
        objs.append(obj)
    return Lines(lines, objs)


def _targets(targets: Sequence[str], namespace, selector, all_) -> list[Target]:
    if (selector or all_) and len(targets) == 1 and "/" not in targets[0]:
        sess = session()
        info = sess.resolve(targets[0])
        ns = namespace or sess.namespace if info.namespaced else None
        listing = sess.request("GET", sess.path(info, ns), query={"labelSelector": selector or None})
        names = [i["metadata"]["name"] for i in listing.get("items") or []]
        if not names:
            where = f" in namespace {ns}" if ns else ""
            raise NotFoundError(f"no {info.full_name} found{where}"
                                + (f" with labels {selector}" if selector else "") + ".")
        return [Target(info, n, ns) for n in names]
    return parse(targets, namespace, verb="wait")


def _wait_timeout(t: Target, cond: Condition, obj: dict | None, seconds: float) -> str:
    head = f"timed out after {_fmt(seconds)} waiting for {t.label} ({cond.spec})"
    if cond.kind == "delete":
        return f"{head}: it still exists."
    if obj is None:
        return f"{head}: it does not exist" + ("." if cond.kind == "create" else " (check the name and -n).")
    found = cond.found(obj)
    if cond.kind == "condition":
        have = [c.get("type") for c in (obj.get("status") or {}).get("conditions") or []]
        if found is None:
            return f"{head}: it has no {cond.name} condition (it has: {', '.join(have) or 'none'})."
        c = next(c for c in obj["status"]["conditions"] if c.get("type", "").lower() == cond.name.lower())
        why = f" ({c.get('reason')}: {c.get('message')})" if c.get("reason") else ""
        return f"{head}: {cond.name} is {found}{why}."
    return f"{head}: found {found!r}" + (f", expected {cond.value!r}." if cond.value is not None else ".")
