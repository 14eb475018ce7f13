"""The base of the widget models: traitlets state fed by :class:`~k8slab.api.watch.informer.ResourceWatch`.

A :class:`LiveModel` owns its watches, recomputes its traits under one lock
whenever an event arrives, and lets callers wait for a condition with a
timeout (a ``threading.Condition``, no polling). It never imports ipywidgets:
models are testable without a frontend. ``close()`` stops every watch thread.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from typing import Callable

from traitlets import HasTraits, Unicode

from k8slab.api.watch.informer import FAILED, RECONNECTING, STOPPED, WATCHING, ResourceWatch

log = logging.getLogger(__name__)

_LIVE: weakref.WeakSet = weakref.WeakSet()


def close_all() -> int:
    """Close every live model (``%unload_ext``, tests); returns how many were open."""
    models = [m for m in list(_LIVE) if not m.closed]
    for m in models:
        m.close()
    return len(models)


atexit.register(close_all)  # kernel shutdown: close the watch connections, not just kill the threads


def _kernel_request() -> tuple[object, dict] | tuple[None, None]:
    """The kernel shell and the execute request it is running now (``(None, None)`` outside a
    kernel, e.g. in a plain IPython shell or a test)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return None, None
    ip = get_ipython()
    parent = ip.get_parent() if ip is not None and hasattr(ip, "get_parent") else None
    return (ip, parent) if parent else (None, None)


def _thread_parent_setter(ip, parent) -> Callable[[], None] | None:
    """A function that routes a thread's output to the cell running now (ipykernel 7).

    ipykernel 7 no longer sends a background thread's output to the cell that
    started it; ``set_thread_parent`` does, for the calling thread only.
    """
    if parent is None:
        return None
    setter = getattr(ip, "set_thread_parent", None)

    def init() -> None:
        if setter is not None:
            setter(parent)

    return init


def _cell_origin(parent) -> tuple[str, str] | None:
    """``(cellId, msg_id)`` of the execute request, when a frontend sent a cell id
    (JupyterLab, Notebook 7 and nbclient put ``cellId`` in the request's metadata)."""
    if parent is None:
        return None
    cell = (parent.get("metadata") or {}).get("cellId")
    msg = (parent.get("header") or {}).get("msg_id")
    return (cell, msg) if cell and msg else None


def _close_earlier_runs_of(origin: tuple[str, str] | None) -> None:
    """Re-running a cell replaces its outputs: close the models its earlier runs left, so
    their watch threads and connections do not live on behind a view nobody sees."""
    if origin is None:
        return
    cell, msg = origin
    for m in list(_LIVE):
        if m._origin is not None and m._origin[0] == cell and m._origin[1] != msg and not m.closed:
            log.debug("closing %r: its cell %s runs again", m, cell)
            m.close()



def seconds(value: object, name: str = "timeout") -> float:
    """``value`` as a number of seconds (not negative), or a UsageError naming ``name``."""
    import math

    from k8slab.errors import UsageError

    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise UsageError(f"{name} must be a number of seconds (0 or more), not {type(value).__name__} {value!r:.40}.")
    return float(value)


def close_parts(view, *names: str) -> None:
    """Close a view's model and child widgets, skipping those a failed constructor never made.

    ipywidgets calls ``close()`` when the object is collected, so a view whose model
    raised in ``__init__`` must not add an AttributeError to the model's error.
    """
    for name in ("model", *names):
        part = view.__dict__.get(name)
        if part is not None:
            part.close()

class LiveModel(HasTraits):
    """Traits kept up to date from one or more watches.

    Attributes:
        connection: ``connecting``, ``live``, ``reconnecting…``, ``stopped`` or ``lost``.
        error: What went wrong, for the view to show ("" when nothing).
    """

    connection = Unicode("connecting", help="state of the watch connection")
    error = Unicode("", help="the last error, shown by the view")

    def __init__(self, *, session=None, give_up_after: float = 120.0, **kwargs):
        super().__init__(**kwargs)
        self._session = session
        self._give_up_after = give_up_after
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._watches: dict[str, ResourceWatch] = {}
        ip, parent = _kernel_request()
        self._thread_init = _thread_parent_setter(ip, parent)
        self._closed = False
        self.last_update = 0.0  # time.monotonic() of the last recompute after an event
        self._origin = _cell_origin(parent)
        _close_earlier_runs_of(self._origin)
        _LIVE.add(self)

    @property
    def session(self):
        if self._session is None:
            from k8slab.api.context import current

            self._session = current()
        return self._session

    @property
    def closed(self) -> bool:
        return self._closed

    def _watch(self, key: str, path: str, **kwargs) -> ResourceWatch:
        """Start (once) a watch named ``key`` whose events recompute this model."""
        with self._lock:
            if self._closed:
                raise RuntimeError("model closed")
            w = self._watches.get(key)
            if w is not None:
                return w
            w = ResourceWatch(path, session=self.session, give_up_after=self._give_up_after,
                              thread_init=self._thread_init, **kwargs)
            # a watch replaced under the same key (new selector) must not feed the model any more
            w.on_event = lambda t, o, k=key, me=w: self._watches.get(k) is me and self._on_event(k, t, o)
            w.on_state = lambda s, d, k=key, me=w: self._watches.get(k) is me and self._on_state(k, s, d)
            self._watches[key] = w
        return w.start()

    def _on_event(self, key: str, type_: str, obj: dict) -> None:
        with self._cond:
            if self._closed:
                return
            try:
                self._update(key, type_, obj)
            except Exception as e:  # noqa: BLE001 - show it, don't kill the watch
                log.debug("model update failed", exc_info=True)
                self.error = f"internal error: {e.__class__.__name__}: {e}"
            self.last_update = time.monotonic()
            self._cond.notify_all()

    def _on_state(self, key: str, state: str, detail: str) -> None:
        with self._cond:
            if self._closed and state != STOPPED:
                return
            states = {k: w.state for k, w in self._watches.items()}
            states[key] = state
            if any(s == FAILED for s in states.values()):
                failed = self._watches.get(key) if state == FAILED else None
                self.connection = "lost"
                if failed is not None and failed.error:
                    self.error = _first_line(failed.error) if "Cannot reach" in failed.error else failed.error
                    self._stop_watches()
            elif any(s == RECONNECTING for s in states.values()):
                self.connection = "reconnecting…"
            elif all(s == WATCHING for s in states.values()):
                self.connection = "live"
                self._on_live()
            elif all(s == STOPPED for s in states.values()):
                self.connection = "stopped"
            self._cond.notify_all()

    def _on_live(self) -> None:
        """Hook: every watch is connected (e.g. clear a stale 'cluster unreachable' error)."""
        if self.error.startswith("Cannot reach"):
            self.error = ""

    def _update(self, key: str, type_: str, obj: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _stop_watches(self) -> None:
        for w in list(self._watches.values()):
            w._stop.set()
            w._shutdown_response()

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``predicate()`` holds (checked after every event); False on timeout."""
        timeout = seconds(timeout)
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def wait_synced(self, timeout: float = 10.0) -> bool:
        """Wait until every watch has its first list (or failed)."""
        deadline = time.monotonic() + timeout
        for w in list(self._watches.values()):
            if not w.wait_synced(max(0.0, deadline - time.monotonic())):
                return False
        return True

    @property
    def threads_alive(self) -> int:
        """How many watch threads still run (0 after ``close()``)."""
        return sum(1 for w in self._watches.values() if w.alive)

    def close(self) -> None:
        """Stop every watch and its thread."""
        with self._cond:
            self._closed = True
            watches = list(self._watches.values())
            self._cond.notify_all()
        for w in watches:
            w._stop.set()
            w._shutdown_response()
        for w in watches:
            w.stop(timeout=5)
        self.connection = "stopped"


def _first_line(text: str) -> str:
    lines = text.splitlines()
    return "\n".join(lines[:2]) if len(lines) > 1 else text
