"""The ingress addon on the real-node engine: requests really routed by Traefik.

Host and path routing, TLS with the expected certificate, the NGINX annotations the notes
use, an HTTPRoute through Gateway API, the mistakes a learner makes, and an install and
removal that leave nothing behind. On a cluster whose pods are simulated the addon is
refused (tested), and the routing tests skip unless ``K8SLAB_EXPECT_REAL_NODES=1``.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest

import k8slab
from k8slab.client import session as S
from k8slab.engine import cluster as engine_cluster
from k8slab.engine import ingress
from k8slab.errors import CheckFailedError, ClusterUnreachableError, NotFoundError, UsageError

from _k8s_objects import require_real_nodes

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

def _backend(name: str, args: str, hostname: str = "") -> str:
    """A Deployment of agnhost (``args``) and its Service ``name`` on port 80."""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      {f"hostname: {hostname}" if hostname else ""}
      terminationGracePeriodSeconds: 1
      containers:
      - {{name: app, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [{args}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec: {{selector: {{app: {name}}}, ports: [{{port: 80, targetPort: 8080}}]}}
"""


# app1 and app2 answer any path with their host name; echo answers /echo?msg=TEXT with TEXT
BACKENDS = "---".join([_backend("app1", "serve-hostname, --port=8080", "app1"),
                       _backend("app2", "serve-hostname, --port=8080", "app2"),
                       _backend("echo", "netexec, --http-port=8080")])


def _rule(host: str, service: str, path: str = "/", path_type: str = "Prefix") -> str:
    return f"""
    - host: {host}
      http:
        paths:
        - path: {path}
          pathType: {path_type}
          backend: {{service: {{name: {service}, port: {{number: 80}}}}}}"""


def _ingress(name: str, rules: str, extra: str = "", annotations: str = "") -> str:
    return f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  annotations: {{{annotations}}}
spec:
{extra}
  rules:{rules}
"""


@pytest.fixture(scope="module")
def real(cluster):
    require_real_nodes()


@pytest.fixture(scope="module")
def lab(real):
    """The addon installed, and a namespace with the app1, app2 and echo backends Ready."""
    k8slab.addons("ingress")
    name = f"k8slab-test-ing-{os.getpid()}"
    k8slab.apply(f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {{k8slab.dev/test: 'true'}}}}")
    try:
        k8slab.wait("serviceaccount/default", namespace=name, for_="create", timeout=60)
        k8slab.apply(BACKENDS, namespace=name)
        k8slab.wait("deploy/app1", "deploy/app2", "deploy/echo", namespace=name,
                    for_="condition=Available", timeout=120)
        yield name
    finally:
        k8slab.delete(f"namespace/{name}", wait=False)


def test_host_routing_reaches_the_named_backend(lab):
    k8slab.apply(_ingress("hosts", _rule("h1.test.example", "app1") + _rule("h2.test.example", "app2")),
                 namespace=lab)
    one = k8slab.curl("http://h1.test.example/", expect_status=200, expect_body="app1", wait=30)
    assert one.text == "app1" and one.address.endswith(":80")
    two = k8slab.curl("http://h2.test.example/anything")
    assert (two.status, two.text) == (200, "app2")
    nobody = k8slab.curl("http://nobody.test.example/")
    assert nobody.status == 404 and "app" not in nobody.text
    # the controller published where it answers, as kubectl shows under ADDRESS
    ing = S.current().request("GET", f"/apis/networking.k8s.io/v1/namespaces/{lab}/ingresses/hosts")
    published = {i.get("ip") for i in ing["status"]["loadBalancer"].get("ingress") or []}
    assert published and published <= set(ingress.status().addresses) | {None}
    assert ing["spec"]["ingressClassName"] == "nginx"  # filled in from the default class


def test_path_routing_by_whole_segments(lab):
    k8slab.apply(_ingress("paths", _rule("shop.test.example", "app1", "/a1") + f"""
        - path: /a2
          pathType: Prefix
          backend: {{service: {{name: app2, port: {{number: 80}}}}}}""", extra="  ingressClassName: nginx"),
                 namespace=lab)
    assert k8slab.curl("http://shop.test.example/a1", expect_status=200, wait=30).text == "app1"
    assert k8slab.curl("http://shop.test.example/a2/cart").text == "app2"
    assert k8slab.curl("http://shop.test.example/a20").status == 404


def _cert(tmp_path, host: str):
    key, crt = tmp_path / "tls.key", tmp_path / "tls.crt"
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "2",
                    "-subj", f"/CN={host}", "-addext", f"subjectAltName=DNS:{host}",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    return key, crt


def _secret(name: str, key, crt, type_: str = "kubernetes.io/tls") -> str:
    import base64

    b64 = lambda p: base64.b64encode(p.read_bytes()).decode()  # noqa: E731
    return (f"apiVersion: v1\nkind: Secret\nmetadata: {{name: {name}}}\ntype: {type_}\n"
            f"data: {{tls.crt: {b64(crt)}, tls.key: {b64(key)}}}\n")


def test_tls_answers_with_the_secrets_certificate_and_redirects_http(lab, tmp_path):
    host = "tls.test.example"
    key, crt = _cert(tmp_path, host)
    k8slab.apply(_secret("tls-cert", key, crt), namespace=lab)
    k8slab.apply(_ingress("tls", _rule(host, "app1"),
                          extra=f"  tls:\n  - hosts: [{host}]\n    secretName: tls-cert"), namespace=lab)
    got = k8slab.curl(f"https://{host}/", cacert=str(crt), expect_status=200, expect_body="app1", wait=30)
    assert got.tls["verified"] and got.tls["subject_cn"] == host and got.tls["san"] == [host]
    assert "certificate verified, CN=tls.test.example" in str(got)
    plain = k8slab.curl(f"http://{host}/")
    assert plain.status in (301, 302, 307, 308) and plain.header("Location") == f"https://{host}/"


def test_what_makes_a_tls_secret_usable_is_its_two_keys(lab, tmp_path):
    """Like ingress-nginx, Traefik takes any Secret holding tls.crt and tls.key (an Opaque one too);
    one whose keys are named otherwise is not used, and Traefik answers with its own certificate."""
    import base64

    host, other = "opaque.test.example", "badkeys.test.example"
    key, crt = _cert(tmp_path, host)
    k8slab.apply(_secret("opaque-cert", key, crt, type_="Opaque"), namespace=lab)
    k8slab.apply(_ingress("opaque", _rule(host, "app1"),
                          extra=f"  tls:\n  - hosts: [{host}]\n    secretName: opaque-cert"), namespace=lab)
    got = k8slab.curl(f"https://{host}/", cacert=str(crt), expect_status=200, wait=30)
    assert got.tls["subject_cn"] == host
    key2, crt2 = _cert(_sub(tmp_path), other)
    b64 = lambda p: base64.b64encode(p.read_bytes()).decode()  # noqa: E731
    k8slab.apply(f"apiVersion: v1\nkind: Secret\nmetadata: {{name: bad-keys}}\ntype: Opaque\n"
                 f"data: {{cert.pem: {b64(crt2)}, key.pem: {b64(key2)}}}\n", namespace=lab)
    k8slab.apply(_ingress("badkeys", _rule(other, "app1"),
                          extra=f"  tls:\n  - hosts: [{other}]\n    secretName: bad-keys"), namespace=lab)
    k8slab.curl(f"https://{other}/", insecure=True, expect_status=200, wait=30)  # the Ingress is loaded ...
    with pytest.raises(ClusterUnreachableError, match=f"certificate of {other} was not accepted"):
        k8slab.curl(f"https://{other}/", cacert=str(crt2))  # ... but not with that certificate


def _sub(path):
    path = path / "other"
    path.mkdir()
    return path


def test_rewrite_target_changes_the_path_the_backend_sees(lab):
    k8slab.apply(_ingress("rewrite", _rule("api.test.example", "echo", "/api/(.*)", "ImplementationSpecific"),
                          extra="  ingressClassName: nginx",
                          annotations='nginx.ingress.kubernetes.io/rewrite-target: /$1, '
                                      'nginx.ingress.kubernetes.io/use-regex: "true", '
                                      'nginx.ingress.kubernetes.io/proxy-body-size: 1k'),
                 namespace=lab)
    got = k8slab.curl("http://api.test.example/api/echo?msg=rewritten", expect_status=200, wait=30)
    assert got.text == "rewritten"
    big = k8slab.curl("http://api.test.example/api/echo?msg=big", data="x" * 2000)
    assert big.status == 413  # proxy-body-size: refused by the controller
    assert k8slab.curl("http://api.test.example/api/echo?msg=small", data="x" * 500).text == "small"


def test_httproute_through_a_gateway(lab):
    k8slab.apply(f"""
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw}}
spec:
  gatewayClassName: traefik
  listeners: [{{name: http, protocol: HTTP, port: 80, allowedRoutes: {{namespaces: {{from: Same}}}}}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: route}}
spec:
  parentRefs: [{{name: gw}}]
  hostnames: [gw.test.example]
  rules:
  - backendRefs: [{{name: app1, port: 80}}]
  - matches: [{{path: {{type: PathPrefix, value: /v2}}}}]
    backendRefs: [{{name: app2, port: 80}}]
""", namespace=lab)
    k8slab.wait("gateway/gw", namespace=lab, for_="condition=Programmed", timeout=60)
    assert k8slab.curl("http://gw.test.example/", expect_status=200, wait=30).text == "app1"
    assert k8slab.curl("http://gw.test.example/v2/x", expect_status=200, wait=30).text == "app2"


def test_mistakes_answer_clearly(lab):
    k8slab.apply(_ingress("unserved", _rule("unserved.test.example", "app1"),
                          extra="  ingressClassName: no-such-class"), namespace=lab)
    k8slab.apply(_ingress("nobackend", _rule("nobackend.test.example", "missing")), namespace=lab)
    time.sleep(3)  # give the controller time to (not) load them
    assert k8slab.curl("http://unserved.test.example/").status == 404
    assert k8slab.curl("http://nobackend.test.example/").status in (404, 503)
    with pytest.raises(CheckFailedError, match=r"status: expected 200, found 404"):
        k8slab.curl("http://unserved.test.example/", expect_status=200, wait=1)


def test_curl_never_sends_off_the_machine(real):
    with pytest.raises(UsageError, match="not an address of the lab"):
        k8slab.curl("http://8.8.8.8/")
    with pytest.raises(UsageError, match="not an address of the lab"):
        k8slab.curl("http://app.example.com/", resolve="app.example.com:80:10.0.0.1")


def test_the_simulated_engine_is_refused(monkeypatch):
    from k8slab.engine.model import ClusterStatus

    fake = ClusterStatus(name="k8slab", engine="kwok", context="kwok-k8slab", kubeconfig="x",
                         state="running", api_ok=True)
    monkeypatch.setattr(engine_cluster, "status", lambda *a, **k: fake)
    with pytest.raises(UsageError, match="simulates its pods.*--engine local"):
        ingress.install()


def test_remove_then_install_leaves_no_stray_objects(lab):
    s = S.current()
    ingress.remove(echo=lambda _: None)
    for path in ("/apis/networking.k8s.io/v1/ingressclasses/nginx",
                 "/apis/gateway.networking.k8s.io/v1/gatewayclasses/traefik",
                 "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/httproutes.gateway.networking.k8s.io",
                 "/apis/rbac.authorization.k8s.io/v1/clusterroles/k8slab-ingress-traefik",
                 f"/api/v1/namespaces/{ingress.NAMESPACE}"):
        with pytest.raises(NotFoundError):
            s.request("GET", path)
    labelled = s.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                         query={"labelSelector": "app.kubernetes.io/managed-by=k8slab-addons"})
    assert labelled.get("items") == []
    started = time.monotonic()
    k8slab.addons("ingress")
    assert ingress.status().ready
    first = k8slab.curl("http://h1.test.example/", expect_status=200, wait=60)
    assert first.text == "app1"
    print(f"install to first routed answer: {time.monotonic() - started:.1f}s")
