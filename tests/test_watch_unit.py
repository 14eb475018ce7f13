"""ResourceWatch against a scripted local HTTP server: resume after a dropped connection from the
last resourceVersion, relist on 410, bookmarks, give up when the cluster is gone, prompt stop.

No lab cluster needed; the real-cluster behaviour is in test_watch.py / test_watch_restart.py.
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from k8slab.api.watch.informer import FAILED, RECONNECTING, WATCHING, ResourceWatch
from k8slab.client import session as S

PATH = "/api/v1/namespaces/lab/configmaps"


def cm(name, rv):
    return {"kind": "ConfigMap", "metadata": {"name": name, "namespace": "lab", "resourceVersion": str(rv)}}


class Api:
    """The server's script: what the list returns, and one action per watch request."""

    def __init__(self):
        self.items = [cm("a", 10)]
        self.list_rv = "10"
        self.watches: queue.Queue = queue.Queue()  # each: list of events, then "drop"/"hang"/"end"
        self.requests: list[tuple[str, dict]] = []
        self.release = threading.Event()
        self.go = threading.Event()
        self.cond = threading.Condition()

    def seen(self, path, q):
        with self.cond:
            self.requests.append((path, q))
            self.cond.notify_all()

    def wait_watches(self, n, timeout=10):
        with self.cond:
            assert self.cond.wait_for(lambda: len(_watch_requests(self)) >= n, timeout), self.requests


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: Api

    def log_message(self, *a):
        pass

    def _json(self, code, doc):
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _chunk(self, data: bytes):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def do_GET(self):
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        self.api.seen(u.path, q)
        if u.path != PATH:
            return self._json(404, {"kind": "Status", "code": 404, "reason": "NotFound", "message": "nope"})
        if q.get("watch") != "true":
            return self._json(200, {"kind": "ConfigMapList", "apiVersion": "v1",
                                    "metadata": {"resourceVersion": self.api.list_rv}, "items": self.api.items})
        try:
            script = self.api.watches.get(timeout=5)
        except queue.Empty:
            script = ["hang"]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for step in script:
            if step == "drop":  # connection lost mid-stream, no terminating chunk
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if step == "hang":
                self.api.release.wait(30)
                self.close_connection = True
                return
            if step == "end":
                break
            if step == "go?":  # hold the stream until the test says go
                self.api.go.wait(10)
                continue
            self._chunk(json.dumps(step).encode() + b"\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


@pytest.fixture
def api(tmp_path, monkeypatch):
    import yaml

    a = Api()
    handler = type("H", (Handler,), {"api": a})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    kc = tmp_path / "kubeconfig"
    server = f"http://127.0.0.1:{srv.server_address[1]}"
    kc.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "kwok-k8slab",
        "clusters": [{"name": "kwok-k8slab", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "kwok-k8slab", "context": {"cluster": "kwok-k8slab", "user": "u", "namespace": "lab"}}]}))
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(kc))
    S.reset()
    a.server = srv
    yield a
    a.release.set()
    S.reset()
    srv.shutdown()
    srv.server_close()


class Rec:
    def __init__(self):
        self.events, self.states = [], []
        self.cond = threading.Condition()

    def on_event(self, t, o):
        with self.cond:
            self.events.append((t, o["metadata"]["name"], o["metadata"].get("resourceVersion")))
            self.cond.notify_all()

    def on_state(self, s, d):
        with self.cond:
            self.states.append(s)
            self.cond.notify_all()

    def wait(self, pred, timeout=10):
        with self.cond:
            assert self.cond.wait_for(pred, timeout), (self.events, self.states)


def _watch_requests(api):
    return [q for p, q in api.requests if q.get("watch") == "true"]


def test_resumes_from_the_last_resource_version_after_a_drop(api):
    api.watches.put([{"type": "ADDED", "object": cm("b", 11)}, {"type": "MODIFIED", "object": cm("a", 12)}, "drop"])
    api.watches.put([{"type": "DELETED", "object": cm("b", 13)}, "hang"])
    rec = Rec()
    w = ResourceWatch(PATH, on_event=rec.on_event, on_state=rec.on_state).start()
    try:
        rec.wait(lambda: ("DELETED", "b", "13") in rec.events)
        assert rec.events == [("ADDED", "a", "10"), ("ADDED", "b", "11"), ("MODIFIED", "a", "12"),
                              ("DELETED", "b", "13")]
        first, second = _watch_requests(api)[:2]
        assert first["resourceVersion"] == "10" and second["resourceVersion"] == "12"
        assert first["allowWatchBookmarks"] == "true"
        assert RECONNECTING in rec.states and rec.states[-1] == WATCHING
        assert w.reconnects == 1 and w.relists == 0
        assert set(w.items) == {"lab/a"}
    finally:
        w.stop()
    assert not w.alive


def test_relists_on_410_and_emits_what_changed_meanwhile(api):
    api.watches.put(["go?", {"type": "ERROR", "object": {"kind": "Status", "code": 410, "reason": "Expired",
                                                          "message": "too old resource version: 10 (50)"}}])
    api.watches.put(["hang"])
    rec = Rec()
    w = ResourceWatch(PATH, on_event=rec.on_event, on_state=rec.on_state)
    w.start()
    try:
        api.wait_watches(1)
        api.items, api.list_rv = [cm("a", 40), cm("c", 45)], "50"  # a changed, c created meanwhile
        api.go.set()
        rec.wait(lambda: ("ADDED", "c", "45") in rec.events)
        assert rec.events[1:] == [("MODIFIED", "a", "40"), ("ADDED", "c", "45")]
        api.wait_watches(2)
        assert _watch_requests(api)[1]["resourceVersion"] == "50"
        assert w.relists == 1
    finally:
        w.stop()


def test_relist_after_410_emits_deletions(api):
    rec = Rec()
    w = ResourceWatch(PATH, on_event=rec.on_event, resource_version="3")
    w.items = {"lab/gone": cm("gone", 2)}
    api.watches.put([{"type": "ERROR", "object": {"kind": "Status", "code": 410, "reason": "Expired"}}])
    api.watches.put(["hang"])
    w.start()
    try:
        rec.wait(lambda: ("ADDED", "a", "10") in rec.events)
        assert ("DELETED", "gone", "2") in rec.events
        assert set(w.items) == {"lab/a"}
    finally:
        w.stop()


def test_bookmarks_move_the_resource_version_without_events(api):
    api.watches.put([{"type": "BOOKMARK", "object": {"kind": "ConfigMap", "metadata": {"resourceVersion": "77"}}},
                     "end"])
    api.watches.put(["hang"])
    rec = Rec()
    w = ResourceWatch(PATH, on_event=rec.on_event).start()
    try:
        api.wait_watches(2)
        assert _watch_requests(api)[1]["resourceVersion"] == "77"
        assert rec.events == [("ADDED", "a", "10")]
        assert w.reconnects == 0  # a window the server ended is not a failure
    finally:
        w.stop()


def test_a_server_ending_every_watch_at_once_does_not_make_it_spin(api):
    for _ in range(50):
        api.watches.put(["end"])  # 200, no events, end of stream: again and again
    w = ResourceWatch(PATH).start()
    try:
        api.wait_watches(2)
        time.sleep(1.5)  # measuring the request rate over time is the point
        n = len(_watch_requests(api))
    finally:
        w.stop()
    assert n <= 8, f"{n} watch requests in 1.5 s"
    assert w.reconnects == 0 and w.state == "stopped"


def test_stop_unblocks_a_hanging_watch_at_once(api):
    api.watches.put(["hang"])
    rec = Rec()
    w = ResourceWatch(PATH, on_state=rec.on_state).start()
    rec.wait(lambda: WATCHING in rec.states)
    api.wait_watches(1)
    t0 = time.monotonic()
    w.stop()
    assert time.monotonic() - t0 < 1.0
    assert not w.alive and w.state == "stopped"


def test_cluster_gone_gives_up_with_a_clear_error_and_no_thread(api):
    api.watches.put(["drop"])
    rec = Rec()
    w = ResourceWatch(PATH, on_state=rec.on_state, give_up_after=1.0).start()
    rec.wait(lambda: WATCHING in rec.states)
    api.server.shutdown()
    api.server.server_close()  # connection refused from now on
    rec.wait(lambda: FAILED in rec.states, timeout=15)
    w.stop()
    assert not w.alive
    assert "Cannot reach" in w.error and "k8slab up" in w.error
    assert rec.states.count(RECONNECTING) >= 1
    # backoff, not a spin: a handful of attempts in about a second
    assert w.reconnects < 12


def test_not_found_is_final(api):
    rec = Rec()
    w = ResourceWatch("/api/v1/namespaces/lab/nothings", on_state=rec.on_state).start()
    rec.wait(lambda: FAILED in rec.states)
    assert RECONNECTING not in rec.states and "NotFound" in w.error
    w.stop()
    assert not w.alive


# -- Reflector.run(): the same loop in the caller's thread (wait, rollout status, apply --wait) --------


def test_run_resumes_after_a_drop_and_returns_when_a_callback_stops_it(api):
    from k8slab.client.reflector import Reflector

    api.watches.put([{"type": "ADDED", "object": cm("b", 11)}, "drop"])
    api.watches.put([{"type": "BOOKMARK", "object": {"kind": "ConfigMap", "metadata": {"resourceVersion": "20"}}},
                     "end"])
    api.watches.put([{"type": "MODIFIED", "object": cm("b", 21)}, "hang"])
    seen = []

    def on_event(t, o):
        seen.append((t, o["metadata"]["name"], o["metadata"]["resourceVersion"]))
        if t == "MODIFIED":
            w.stop()

    w = Reflector(PATH, on_event=on_event, session=S.current())
    t0 = time.monotonic()
    w.run(time.monotonic() + 20)
    assert time.monotonic() - t0 < 10  # stopped by the callback, not by the deadline
    assert seen == [("ADDED", "a", "10"), ("ADDED", "b", "11"), ("MODIFIED", "b", "21")]
    rvs = [q.get("resourceVersion") for q in _watch_requests(api)]
    assert rvs == ["10", "11", "20"]  # resumed after the drop; the bookmark moved the RV on
    assert w.reconnects == 1 and w.relists == 0


def test_run_relists_on_410_and_calls_on_sync_each_time(api):
    from k8slab.client.reflector import Reflector

    api.watches.put([{"type": "ERROR", "object": {"kind": "Status", "code": 410, "reason": "Expired",
                                                   "message": "too old resource version"}}])
    syncs = []

    def on_sync(items):
        syncs.append(sorted(items))
        if len(syncs) == 1:
            api.items, api.list_rv = [cm("c", 30)], "30"
        else:
            w.stop()

    w = Reflector(PATH, on_sync=on_sync, session=S.current())
    w.run(time.monotonic() + 20)
    assert syncs == [["lab/a"], ["lab/c"]] and w.relists == 1


def test_run_lists_once_even_when_the_deadline_has_passed(api):
    from k8slab.client.reflector import Reflector

    syncs = []
    Reflector(PATH, on_sync=lambda items: syncs.append(len(items)), session=S.current()).run(time.monotonic() - 1)
    assert syncs == [1] and _watch_requests(api) == []


def test_run_raises_a_callback_error_as_is_and_a_final_error_at_once(api):
    from k8slab.client.reflector import Reflector
    from k8slab.errors import NotFoundError

    class Boom(Exception):
        pass

    def bad(items):
        raise Boom("consumer bug")

    with pytest.raises(Boom):
        Reflector(PATH, on_sync=bad, session=S.current()).run(time.monotonic() + 5)
    t0 = time.monotonic()
    with pytest.raises(NotFoundError):
        Reflector("/api/v1/namespaces/lab/nothing", session=S.current()).run(time.monotonic() + 20)
    assert time.monotonic() - t0 < 3


def test_run_backs_off_while_the_server_is_away_then_raises_at_the_deadline(api):
    from k8slab.client.reflector import Reflector
    from k8slab.errors import ClusterUnreachableError

    api.watches.put(["drop"])
    syncs = []

    def on_sync(items):
        syncs.append(1)
        api.server.shutdown()  # the API server goes away once the list is in
        api.server.server_close()

    w = Reflector(PATH, on_sync=on_sync, session=S.current())
    t0 = time.monotonic()
    with pytest.raises(ClusterUnreachableError):
        w.run(time.monotonic() + 3)
    took = time.monotonic() - t0
    assert syncs == [1] and 2.5 < took < 6
    assert 2 <= w.reconnects <= 12  # exponential backoff (0.2 s, 0.4 s, ... capped): not a busy loop


def test_run_reports_a_dead_cluster_at_once(api):
    from k8slab.client.reflector import Reflector
    from k8slab.errors import ClusterUnreachableError

    api.server.shutdown()
    api.server.server_close()
    t0 = time.monotonic()
    with pytest.raises(ClusterUnreachableError):
        Reflector(PATH, session=S.current()).run(time.monotonic() + 30)
    assert time.monotonic() - t0 < 5
