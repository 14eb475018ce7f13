"""The client session against a tiny local HTTP server: requests, errors, paging, unreachable.

No lab cluster needed: the server answers canned discovery, Table and Status
documents, which pins the wire behaviour (headers, query, JSON, error mapping).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from k8slab import errors as E
from k8slab.client import session as S

CORE = {"kind": "APIGroupDiscoveryList", "items": [{"metadata": {}, "versions": [{"version": "v1", "resources": [
    {"resource": "pods", "responseKind": {"kind": "Pod"}, "scope": "Namespaced", "singularResource": "pod",
     "shortNames": ["po"], "verbs": ["get", "list"]}]}]}]}
APIS = {"kind": "APIGroupDiscoveryList", "items": []}


class Handler(BaseHTTPRequestHandler):
    seen: list = []

    def log_message(self, *a):
        pass

    def _send(self, code, doc):
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        Handler.seen.append((u.path, q, dict(self.headers)))
        if u.path == "/api":
            return self._send(200, CORE)
        if u.path == "/apis":
            return self._send(200, APIS)
        if u.path == "/api/v1/namespaces/lab/pods":
            cont = q.get("continue")
            rows = [{"cells": [f"p{cont or 0}", "Running"], "object": {"metadata": {"name": f"p{cont or 0}"}}}]
            meta = {"continue": "1"} if not cont else {}
            return self._send(200, {"kind": "Table", "metadata": meta, "rows": rows, "columnDefinitions": [
                {"name": "Name", "priority": 0}, {"name": "Status", "priority": 0}]})
        if u.path == "/api/v1/namespaces/lab/pods/nope":
            return self._send(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404,
                                    "message": 'pods "nope" not found', "details": {"name": "nope", "kind": "pods"}})
        return self._send(404, {"kind": "Status", "reason": "NotFound", "message": "the server could not find the requested resource"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        Handler.seen.append((self.path, body, dict(self.headers)))
        self._send(422, {"kind": "Status", "reason": "Invalid", "code": 422,
                         "message": 'ConfigMap "x" is invalid: metadata.name: Invalid value',
                         "details": {"causes": [{"field": "metadata.name", "message": "Invalid value"}]}})


def _kubeconfig(tmp_path, server, name="kwok-k8slab"):
    import yaml

    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": name,
        "clusters": [{"name": name, "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": "secret-token"}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": "u", "namespace": "lab"}}]}))
    return str(path)


@pytest.fixture
def fake(tmp_path, monkeypatch):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    monkeypatch.setenv("K8SLAB_KUBECONFIG", _kubeconfig(tmp_path, f"http://127.0.0.1:{srv.server_address[1]}"))
    S.reset()
    Handler.seen = []
    yield srv
    S.reset()
    srv.shutdown()
    srv.server_close()


def test_request_sends_auth_accept_and_query(fake):
    s = S.current()
    assert s.namespace == "lab" and s.context == "kwok-k8slab"
    doc = s.request("GET", "/api/v1/namespaces/lab/pods", query={"limit": 5, "labelSelector": None, "watch": False},
                    accept="application/json;as=Table;v=v1;g=meta.k8s.io")
    assert doc["kind"] == "Table"
    path, q, headers = Handler.seen[-1]
    assert q == {"limit": "5", "watch": "false"}
    assert headers["Accept"] == "application/json;as=Table;v=v1;g=meta.k8s.io"
    assert headers["authorization"] == "Bearer secret-token"


def test_resolve_and_get_pages_through_continue(fake):
    from k8slab.api.read.get import get

    df = get("po")
    assert list(df.NAME) == ["p0", "p1"]
    pages = [q for p, q, _ in Handler.seen if p == "/api/v1/namespaces/lab/pods"]
    assert pages[0]["limit"] == "500" and pages[1]["continue"] == "1"


def test_not_found_is_translated(fake):
    with pytest.raises(E.NotFoundError, match=r'Error from server \(NotFound\): pods "nope" not found') as info:
        S.current().request("GET", "/api/v1/namespaces/lab/pods/nope")
    assert (info.value.status, info.value.reason) == (404, "NotFound")


def test_unknown_type_suggests(fake):
    with pytest.raises(E.NotFoundError, match='did you mean "pod"'):
        S.current().resolve("podd")


def test_post_json_body_and_422_causes(fake):
    with pytest.raises(E.InvalidError) as info:
        S.current().request("POST", "/api/v1/namespaces/lab/configmaps", body={"metadata": {"name": "X"}})
    assert info.value.causes[0]["field"] == "metadata.name"
    path, body, headers = Handler.seen[-1]
    assert json.loads(body) == {"metadata": {"name": "X"}} and headers["Content-Type"] == "application/json"


def test_yaml_body_is_sent_as_is(fake):
    with pytest.raises(E.InvalidError):
        S.current().request("POST", "/x", body="a: 1\n", content_type="application/apply-patch+yaml")
    _, body, headers = Handler.seen[-1]
    assert body == b"a: 1\n" and headers["Content-Type"] == "application/apply-patch+yaml"


def test_unreachable_server_suggests_k8slab_up(tmp_path, monkeypatch):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    monkeypatch.setenv("K8SLAB_KUBECONFIG", _kubeconfig(tmp_path, f"https://127.0.0.1:{port}"))
    S.reset()
    try:
        with pytest.raises(E.ClusterUnreachableError) as info:
            S.current().request("GET", "/version")
        msg = str(info.value)
        assert f"127.0.0.1:{port}" in msg and "kwok-k8slab" in msg and "k8slab up" in msg
    finally:
        S.reset()


def test_use_keeps_the_warm_client_and_sets_namespace(fake):
    s1 = S.current()
    api = s1.api_client
    s2 = S.use(namespace="other")
    assert s2 is s1 and s2.namespace == "other" and s2.api_client is api
    s3 = S.use(context="kwok-k8slab")
    assert s3.api_client is api and s3.namespace == "other"
    with pytest.raises(E.ClusterUnreachableError, match="not defined"):
        S.use(context="nope")


def test_recreated_cluster_is_picked_up(fake, tmp_path, monkeypatch):
    import os

    s1 = S.use(namespace="kept")
    assert s1.request("GET", "/api")["kind"] == "APIGroupDiscoveryList"
    path = os.environ["K8SLAB_KUBECONFIG"]
    second = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=second.serve_forever, daemon=True).start()
    try:
        # `k8slab up` again: same file, new server address
        (tmp_path / "new").mkdir()
        new = _kubeconfig(tmp_path / "new", f"http://127.0.0.1:{second.server_address[1]}")
        os.replace(new, path)
        os.utime(path, ns=(1, 1))  # a different mtime even on coarse clocks
        s2 = S.current()
        assert s2 is not s1 and s2.server.endswith(str(second.server_address[1]))
        assert s2.namespace == "kept" and s2.request("GET", "/api")["kind"] == "APIGroupDiscoveryList"
    finally:
        second.shutdown()
        second.server_close()
