"""Watching one object until a condition holds, and waiting for readiness with a progress line.

Each wait runs the client's one list+watch loop (:class:`k8slab.client.reflector.Reflector`)
on the object (``fieldSelector=metadata.name=…``) in the calling thread until the
condition holds or the deadline passes: resume, 410 relist, bookmarks, backoff. No polling sleeps. Used by
``apply --wait``, ``scale --wait``, ``rollout status``, ``wait``, ``delete`` and ``check``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

from k8slab.api.args.duration import format_seconds
from k8slab.api.args.targets import label, selector_string, session
from k8slab.api.watch import readiness
from k8slab.client.reflector import Reflector
from k8slab.errors import NotFoundError, WaitTimeoutError


class LineProgress:
    """One progress line that updates in place and ends with its final text on a line of its own.

    Three outputs, chosen on the first write:

    * **A notebook** (an IPython kernel: stdout is no terminal). Each new state goes to
      stdout as ``"\\b" * len(previous) + "\\r" + text``. nbclient stores the stream as
      sent; nbval 0.11 (``coalesce_streams``) and nbclient's own coalescing delete
      everything before the last ``\\r`` of a line, so what nbval compares is the final
      text alone. JupyterLab's stream model treats ``\\r`` as "cursor to line start"
      and *overwrites* (a shorter text would leave the tail of a longer one), but
      deletes a character on ``\\b`` at the end of the line: the backspaces erase the
      previous state first, so JupyterLab shows, and saves, only the final text too.
      (nbval's own ``\\b`` handling never runs: its loop starts with equal lengths.)
    * **A terminal**: ``"\\r" + text`` padded with spaces over the previous state.
    * **Anything else** (a log file, CI): one line per state, as ``kubectl rollout status``.

    Outside IPython the line goes to stderr (stdout stays the command's result).
    """

    def __init__(self, stream=None, mode: str | None = None):
        self._last = ""
        self._stream = stream
        self._mode = mode

    def _out(self):
        if self._stream is None:
            self._stream = sys.stdout if _in_ipython() else sys.stderr
        if self._mode is None:
            if getattr(self._stream, "isatty", lambda: False)():
                self._mode = "terminal"
            else:
                self._mode = "notebook" if self._stream is sys.stdout and _in_ipython() else "log"
        return self._stream

    def __call__(self, text: str) -> None:
        text = " ".join(str(text).splitlines())
        if text == self._last:
            return
        out = self._out()
        if self._mode == "notebook":
            # JupyterLab counts UTF-16 code units: one \b per unit
            out.write("\b" * _units(self._last) + "\r" + text)
        elif self._mode == "terminal":
            out.write("\r" + text + " " * max(0, len(self._last) - len(text)))
        else:
            out.write(text + "\n")
        self._last = text
        out.flush()

    def finish(self) -> None:
        """End the line (only if something was written)."""
        if self._last and self._mode != "log":
            self._stream.write("\n")
            self._stream.flush()


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def _default_progress() -> Callable[[str], None]:
    return LineProgress()


def watch_until(info, namespace: str | None, name: str, check: Callable[[dict | None], bool],
                deadline: float, on_change: Callable[[dict | None], None] | None = None) -> tuple[bool, dict | None]:
    """Watch one object until ``check(obj)`` is true (``obj`` is None once it is gone) or ``deadline``.

    Returns:
        ``(True, obj)`` when the check held, ``(False, last_seen)`` at the deadline.
    """
    ok, objs = watch_many_until(info, namespace, {"fieldSelector": f"metadata.name={name}"},
                                lambda objs: check(objs.get(name)), deadline,
                                (lambda objs: on_change(objs.get(name))) if on_change else None)
    return ok, objs.get(name)


def watch_many_until(info, namespace: str | None, query: dict, check: Callable[[dict], bool],
                     deadline: float, on_change: Callable[[dict], None] | None = None) -> tuple[bool, dict]:
    """Watch the objects a list ``query`` selects until ``check({name: obj})`` is true or ``deadline``.

    The client's one list+watch loop (:class:`k8slab.client.reflector.Reflector`) runs in this
    thread: resume after a dropped connection, relist on 410 Gone, bookmarks, backoff.

    Args:
        query: ``labelSelector`` and/or ``fieldSelector``.

    Returns:
        ``(held, {name: obj})`` with the objects as last seen.
    """
    sess = session()
    objs: dict[str, dict] = {}
    held = False

    def changed(*_) -> None:
        nonlocal held
        objs.clear()
        for obj in reflector.items.values():
            objs[obj["metadata"]["name"]] = _with_kind(obj, info)
        if on_change:
            on_change(objs)
        if check(objs):
            held = True
            reflector.stop()

    reflector = Reflector(sess.path(info, namespace), label_selector=query.get("labelSelector"),
                          field_selector=query.get("fieldSelector"), on_event=changed, on_sync=changed,
                          session=sess)
    reflector.run(deadline)
    return held, objs


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
        done: Text the progress line ends with (default: which objects are ready). Never
            empty: it is the line a notebook keeps (and nbval compares), so it must not
            depend on timing.

    Raises:
        WaitTimeoutError: Not all were ready in time, or one failed (a Job, a rollout past its
            deadline); the message names each object that is not ready, why, and its pods' problems.
    """
    progress = progress or _default_progress()
    try:
        return _wait_ready(objects, timeout, progress, done)
    finally:
        getattr(progress, "finish", lambda: None)()


def _wait_ready(objects: Sequence[tuple], timeout: float, progress: Callable[[str], None],
                done: str | None) -> list[dict]:
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
                                       + pods_why(info, ns, obj))
            return st.ready

        ok, obj = watch_until(info, ns, name, check, deadline, show)
        if not ok:
            raise WaitTimeoutError(_timeout_message(objects, timeout))
        ready.append(obj)
    progress(done or f"[{total}/{total} ready] " + ", ".join(label(i, n) for i, _, n in objects))
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
            lines.append(f"  {what}: {st.message}{pods_why(info, ns, obj)}")
    head = f"Timed out after {format_seconds(timeout)} waiting for {len(lines)} of {len(objects)} objects to be ready:"
    tail = [f"Ready: {', '.join(ok)}"] if ok else []
    return "\n".join([head, *lines, *tail])


def pods_why(info, namespace: str | None, obj: dict) -> str:
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
