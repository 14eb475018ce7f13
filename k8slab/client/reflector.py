"""The kit's one list+watch loop (client-go's reflector): every watcher is built on it.

:class:`Reflector` lists a collection, then watches it from the list's
``resourceVersion`` and calls ``on_event(type, obj)`` for every change, keeping
the objects in ``items``. It runs in a background thread (:meth:`~Reflector.start`,
for widgets and live tables) or in the calling thread until a deadline
(:meth:`~Reflector.run`, for ``wait``, ``rollout status``, ``apply --wait``). It never polls:

- the server ends a watch window (``timeoutSeconds``): watch again from the last
  resourceVersion;
- the connection drops or the API server restarts: state ``reconnecting``, wait
  with exponential backoff (on an ``Event``, so ``stop()`` is immediate), then
  resume from the last resourceVersion, so no update is lost;
- the resourceVersion is too old (410 Gone / Expired): list again and emit the
  difference with the cache as ADDED/MODIFIED/DELETED events;
- bookmarks (``allowWatchBookmarks``) only move the resourceVersion forward;
- ``stop()`` shuts the open response down, so the thread ends at once.

Its users: the widgets and live tables (as :class:`k8slab.api.watch.informer.ResourceWatch`),
every wait of the API (:mod:`k8slab.api.watch.until`), and the engine's volume provisioner,
which runs it in its own process over its own ``ApiClient``.

Example:
    >>> w = Reflector("/api/v1/namespaces/default/pods",
    ...               on_event=lambda t, o: print(t, o["metadata"]["name"]))  # doctest: +SKIP
    >>> w.start(); w.wait_synced(5); w.stop()  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from typing import Callable

from k8slab import errors as E
from k8slab.client.errors import from_status, translate
from k8slab.client.http import iter_lines

log = logging.getLogger(__name__)


class _QuietWatchRetries(logging.Filter):
    """Drop urllib3's "Retrying … watch=true" warnings: a reconnecting watch shows its state
    in the widget; without this, Python's last-resort handler prints each retry in the cell."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and "watch=true" in record.getMessage())


logging.getLogger("urllib3.connectionpool").addFilter(_QuietWatchRetries())

TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io, application/json"
JSON = "application/json"

#: Errors after which the watch reconnects (the others are final: not found, forbidden...).
RETRYABLE = (E.ClusterUnreachableError, E.ServerError, E.ApiTimeoutError)

# States reported to ``on_state``.
IDLE, LISTING, WATCHING, RECONNECTING, STOPPED, FAILED = (
    "idle", "listing", "watching", "reconnecting", "stopped", "failed")


def _meta(entry: dict) -> dict:
    """The metadata of an object, or of a Table row's (partial) object."""
    return (((entry.get("object") or {}) if "cells" in entry else entry).get("metadata")) or {}


def object_key(entry: dict) -> str:
    """``namespace/name`` (or ``name``) of an object or of a Table row's object."""
    meta = _meta(entry)
    ns = meta.get("namespace")
    return f"{ns}/{meta.get('name')}" if ns else str(meta.get("name"))


def _rv(entry: dict) -> str | None:
    return _meta(entry).get("resourceVersion")


class _CallbackFailed(Exception):
    """A callback raised in :meth:`Reflector.run`: carried out of the loop, then re-raised as is."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


class _Backoff:
    """Exponential backoff with jitter: 0.2 s, 0.4 s, … up to ``cap``."""

    def __init__(self, first: float = 0.2, cap: float = 5.0):
        self.first, self.cap, self.n = first, cap, 0

    def next(self) -> float:
        delay = min(self.cap, self.first * (2 ** self.n))
        self.n += 1
        return delay * random.uniform(0.8, 1.2)

    def reset(self) -> None:
        self.n = 0


class Reflector:
    """List and watch one collection, resuming after failures, in a thread or in the caller's.

    Args:
        path: A collection path, e.g. ``/apis/apps/v1/namespaces/x/deployments``
            (from ``session.path(info, namespace)``).
        label_selector: ``labelSelector`` query.
        field_selector: ``fieldSelector`` query (``metadata.name=web`` watches one object).
        on_event: ``on_event(type, obj)`` for ``ADDED``/``MODIFIED``/``DELETED``; called in
            the watch thread, in order. With ``table=True`` ``obj`` is a Table row.
        on_state: ``on_state(state, detail)`` when the state changes (``listing``,
            ``watching``, ``reconnecting``, ``stopped``, ``failed``).
        on_sync: ``on_sync(items)`` after every (re)list, once its events are emitted
            (an empty list emits none: this is how a caller sees it).
        table: Ask for the server's Table rows (kubectl's columns) instead of objects.
        session: A :class:`k8slab.client.session.Session`; the current one by default.
        window: Seconds of one server-side watch before it is renewed.
        give_up_after: Seconds of failed reconnection after which the watch stops
            in state ``failed`` (the cluster is gone).
        thread_init: Called first in the watch thread (e.g. to set the kernel's parent
            message so output lands in the right cell).
        resource_version: Resume from this resourceVersion instead of listing first
            (``items`` may be pre-filled); a 410 answer then relists.
    """

    def __init__(self, path: str, *, label_selector: str | None = None, field_selector: str | None = None,
                 on_event: Callable[[str, dict], None] | None = None,
                 on_state: Callable[[str, str], None] | None = None,
                 on_sync: Callable[[dict[str, dict]], None] | None = None, table: bool = False,
                 session=None, window: int = 290, give_up_after: float = 120.0,
                 thread_init: Callable[[], None] | None = None, page_size: int = 500,
                 resource_version: str | None = None):
        self.path = path
        self.label_selector = label_selector or None
        self.field_selector = field_selector or None
        self.on_event = on_event
        self.on_state = on_state
        self.on_sync = on_sync
        self.table = table
        self.window = max(1, int(window))
        self.give_up_after = give_up_after
        self.thread_init = thread_init
        self.page_size = page_size
        self._session = session
        self.items: dict[str, dict] = {}
        self.columns: list[dict] = []
        self.resource_version: str | None = resource_version
        self.state = IDLE
        self.error: str = ""
        self.reconnects = 0
        self.relists = 0
        self.events_seen = 0
        self._stop = threading.Event()
        self._synced = threading.Event()
        self._first = threading.Event()  # synced, failed or stopped: what wait_synced waits for
        self._thread: threading.Thread | None = None
        self._resp = None
        self._resp_lock = threading.Lock()
        self._raise_callbacks = False  # run(): a callback's exception ends the loop and is raised
        self._deadline: float | None = None

    def __repr__(self) -> str:
        return f"<Reflector {self.path} state={self.state} rv={self.resource_version} items={len(self.items)}>"

    @property
    def session(self):
        if self._session is None:
            from k8slab.client.session import current

            self._session = current()
        return self._session

    # -- control ---------------------------------------------------------------------

    def start(self) -> Reflector:
        """Start the background thread (once); returns ``self``."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"k8slab-watch {self.path}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching: close the open connection and join the thread (at most ``timeout`` s)."""
        self._stop.set()
        self._first.set()
        self._shutdown_response()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)

    close = stop

    @property
    def alive(self) -> bool:
        """Whether the watch thread is running."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def wait_synced(self, timeout: float) -> bool:
        """Wait until the first list is in the cache (or the watch failed); True if synced."""
        self._first.wait(timeout)
        return self._synced.is_set()

    def __enter__(self) -> Reflector:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def run(self, deadline: float | None = None) -> None:
        """List and watch in the calling thread until :meth:`stop` (e.g. from a callback) or ``deadline``.

        Args:
            deadline: A ``time.monotonic()`` instant; the last watch window ends there.

        Raises:
            k8slab.errors.K8sLabError: A final error (not found, forbidden...), a failure of the
                first list (a dead cluster is reported at once), or a connection still down at the
                deadline or after ``give_up_after``; an exception raised by a callback, as is.
        """
        self._raise_callbacks = True
        self._deadline = deadline
        try:
            self._loop()
        except _CallbackFailed as e:
            raise e.error from None
        finally:
            self._shutdown_response()

    # -- loop --------------------------------------------------------------------------

    def _set_state(self, state: str, detail: str = "") -> None:
        if state == self.state and not detail:
            return
        self.state = state
        if state in (FAILED, STOPPED):
            self._first.set()
        if self.on_state is not None:
            try:
                self.on_state(state, detail)
            except Exception:  # noqa: BLE001 - a consumer bug must not kill the watch
                log.exception("on_state callback failed")

    def _call(self, fn, *args) -> None:
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001 - in a thread, a consumer bug must not kill the watch
            if self._raise_callbacks:
                raise _CallbackFailed(e) from e
            log.exception("callback failed")

    def _emit(self, type_: str, obj: dict) -> None:
        self.events_seen += 1
        if self.on_event is not None:
            self._call(self.on_event, type_, obj)

    def _remaining(self) -> float | None:
        return None if self._deadline is None else self._deadline - time.monotonic()

    def _run(self) -> None:
        if self.thread_init is not None:
            try:
                self.thread_init()
            except Exception:  # noqa: BLE001
                log.debug("thread_init failed", exc_info=True)
        try:
            self._loop()
        except E.K8sLabError as e:
            self.error = str(e)
            self._set_state(FAILED, self.error)
        except Exception as e:  # noqa: BLE001 - report instead of a thread traceback
            log.debug("watch thread crashed", exc_info=True)
            self.error = f"{e.__class__.__name__}: {e}"
            self._set_state(FAILED, self.error)
        finally:
            self._shutdown_response()

    def _loop(self) -> None:
        """List, then watch window after window; raises a final error (the thread reports it)."""
        backoff = _Backoff()
        need_list = self.resource_version is None
        if not need_list:
            self._synced.set()
            self._first.set()
        down_since: float | None = None
        down: E.K8sLabError | None = None  # the error while reconnecting
        while not self._stop.is_set():
            remaining = self._remaining()
            if remaining is not None and remaining <= 0 and not need_list:  # a deadline passed lists once
                if down is not None:
                    raise down
                break
            try:
                if need_list:
                    self._set_state(LISTING if not self._synced.is_set() else RECONNECTING, "relisting")
                    self._list()
                    need_list, down_since, down = False, None, None
                    self._synced.set()
                    self._first.set()
                    if self.on_sync is not None and not self._stop.is_set():
                        self._call(self.on_sync, self.items)
                    continue  # a callback may have stopped us, or the deadline passed
                t0 = time.monotonic()
                got = self._watch_once()
                if got or time.monotonic() - t0 > 1.0:
                    down_since, down = None, None
                    backoff.reset()
                else:  # a server that ends every watch at once must not make us spin
                    self._pause(backoff.next())
            except E.ExpiredError:
                # resourceVersion too old (410): list again; the diff gives the missed changes
                self.relists += 1
                need_list = True
                self.resource_version = None
            except RETRYABLE as e:
                if self._stop.is_set():
                    break
                now = time.monotonic()
                down_since = down_since or now
                # run(): a first list that fails says so at once, as a later outage does at the deadline
                if now - down_since > self.give_up_after or (self._raise_callbacks and not self._synced.is_set()):
                    raise
                down = e
                self.reconnects += 1
                self._set_state(RECONNECTING, str(e).splitlines()[0])
                self._pause(backoff.next())
            except E.K8sLabError:
                if self._stop.is_set():
                    break
                raise
        self._set_state(STOPPED)

    def _pause(self, seconds: float) -> None:
        remaining = self._remaining()
        self._stop.wait(seconds if remaining is None else max(0.0, min(seconds, remaining)))

    def _query(self) -> dict:
        q: dict = {}
        if self.label_selector:
            q["labelSelector"] = self.label_selector
        if self.field_selector:
            q["fieldSelector"] = self.field_selector
        if self.table:
            q["includeObject"] = "Metadata"
        return q

    def _list(self) -> None:
        sess = self.session
        accept = TABLE_ACCEPT if self.table else JSON
        fresh: dict[str, dict] = {}
        cont = None
        rv = None
        while True:
            q = self._query()
            q["limit"] = self.page_size
            if cont:
                q["continue"] = cont
            page = sess.request("GET", self.path, query=q, accept=accept, timeout=(5.0, 30.0))
            if self._stop.is_set():
                return
            meta = page.get("metadata") or {}
            rv = meta.get("resourceVersion") or rv
            if self.table:
                if page.get("columnDefinitions"):
                    self.columns = page["columnDefinitions"]
                entries = page.get("rows") or []
            else:
                entries = page.get("items") or []
                # list items carry no kind; fill it so consumers see whole objects
                kind = (page.get("kind") or "").removesuffix("List")
                for item in entries:
                    item.setdefault("kind", kind)
                    if page.get("apiVersion"):
                        item.setdefault("apiVersion", page["apiVersion"])
            for entry in entries:
                fresh[object_key(entry)] = entry
            cont = meta.get("continue")
            if not cont:
                break
        old = self.items
        # the whole new state first, then the events: a consumer never sees half a relist
        self.items = fresh
        self.resource_version = rv
        for key in [k for k in old if k not in fresh]:
            self._emit("DELETED", old[key])
        for key, entry in fresh.items():
            before = old.get(key)
            if before is None:
                self._emit("ADDED", entry)
            elif _rv(before) != _rv(entry):
                self._emit("MODIFIED", entry)

    def _shutdown_response(self) -> None:
        with self._resp_lock:
            resp = self._resp
        if resp is None:
            return
        try:
            if hasattr(resp, "shutdown"):
                resp.shutdown()  # unblocks a read in another thread (urllib3 >= 2.3)
            else:  # pragma: no cover - older urllib3
                resp.close()
        except Exception:  # noqa: BLE001
            pass

    def _watch_once(self) -> bool:
        """One watch window; returns True when at least one line arrived."""
        q = self._query()
        window = self.window * random.uniform(0.9, 1.0)
        remaining = self._remaining()
        if remaining is not None:
            window = min(window, remaining)
        q.update(watch="true", timeoutSeconds=max(1, int(window + 0.999)), allowWatchBookmarks="true")
        if self.resource_version:
            q["resourceVersion"] = self.resource_version
        accept = TABLE_ACCEPT if self.table else JSON
        # the open response, so that stop() can shut a blocked read down
        resp = self.session.send("GET", self.path, query=q, accept=accept, timeout=(5.0, self.window + 30.0))
        with self._resp_lock:
            self._resp = resp
        if self._stop.is_set():
            self._shutdown_response()
        else:
            self._set_state(WATCHING)  # only once the server has answered
        got = False
        try:
            for line in iter_lines(resp, 65536):
                if line.strip():
                    got = True
                    self._handle_line(line)
                if self._stop.is_set():
                    break
        except (E.K8sLabError, _CallbackFailed):
            raise
        except Exception as e:  # noqa: BLE001 - connection dropped mid-stream
            if self._stop.is_set():
                return got
            raise translate(e, server=self.session.server, context=self.session.context) from e
        finally:
            with self._resp_lock:
                self._resp = None
            try:
                resp.release_conn()
            except Exception:  # noqa: BLE001
                pass
        return got

    def _handle_line(self, line: bytes) -> None:
        if self._stop.is_set():
            return
        event = json.loads(line)
        type_ = event.get("type")
        obj = event.get("object") or {}
        if type_ == "ERROR":
            raise from_status(int(obj.get("code") or 500), obj, server=self.session.server)
        if type_ == "BOOKMARK":
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if rv:
                self.resource_version = rv
            return
        entries = [obj]
        if self.table and obj.get("kind") == "Table":
            if obj.get("columnDefinitions"):
                self.columns = obj["columnDefinitions"]
            entries = obj.get("rows") or []
        for entry in entries:
            key = object_key(entry)
            if type_ == "DELETED":
                self.items.pop(key, None)
            else:
                self.items[key] = entry
            rv = _rv(entry)
            if rv:
                self.resource_version = rv
            self._emit(type_, entry)
