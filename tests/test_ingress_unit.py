"""The ingress addon's pieces that need no cluster: Traefik's build module, the Gateway API zip check,
the objects installed per engine, and ``curl``'s argument checks (all refused before any request)."""

from __future__ import annotations

import io
import zipfile

import pytest

from k8slab.engine import gatewayapi, gobuild, ingress, traefikmod, versions
from k8slab.errors import BuildError, UsageError

SWITCH = '''package dns

import (
	"github.com/go-acme/lego/v5/providers/dns/acmedns"
	"github.com/go-acme/lego/v5/providers/dns/alidns"
	"github.com/go-acme/lego/v5/providers/dns/yandexcloud"
)

func NewDNSChallengeProviderByName(name string) (challenge.Provider, error) {
	switch name {
	case "acme-dns", "acmedns":
		return acmedns.NewDNSProvider()
	case "alidns", "aliyun":
		return alidns.NewDNSProvider()
	case "yandexcloud":
		return yandexcloud.NewDNSProvider()
	default:
		return nil, fmt.Errorf("unrecognized DNS provider: %s", name)
	}
}
'''


def test_drop_providers_removes_imports_and_cases_only_of_the_named():
    out = traefikmod.drop_providers(SWITCH, ("alidns", "yandexcloud"))
    assert "alidns" not in out and "aliyun" not in out and "yandexcloud" not in out
    assert '"github.com/go-acme/lego/v5/providers/dns/acmedns"' in out
    assert 'case "acme-dns", "acmedns":\n\t\treturn acmedns.NewDNSProvider()' in out
    assert "default:" in out


def test_drop_providers_refuses_a_name_the_file_lacks():
    with pytest.raises(BuildError, match="no provider gone"):
        traefikmod.drop_providers(SWITCH, ("alidns", "gone"))


def test_go_mod_lines_copy_traefiks_replaces_and_swap_the_three_it_cannot_use():
    upstream = {
        "Replace": [
            {"Old": {"Path": traefikmod.EXT_MODULE}, "New": {"Path": "./pkg/config/dynamic/ext"}},
            {"Old": {"Path": traefikmod.HTTP_AUTH}, "New": {"Path": traefikmod.HTTP_AUTH_FORK, "Version": "v9"}},
            {"Old": {"Path": "github.com/gorilla/mux"}, "New": {"Path": "github.com/containous/mux",
                                                               "Version": "v0.0.1"}},
        ],
        "Exclude": [{"Path": "github.com/x/y", "Version": "v3.0.83+incompatible"}],
    }
    text = "\n".join(traefikmod.go_mod_lines(upstream, "lego-v5.4.1", "v5.4.1"))
    assert "\tgithub.com/gorilla/mux => github.com/containous/mux v0.0.1" in text
    assert f"\t{traefikmod.EXT_MODULE} => ./ext" in text
    assert f"{traefikmod.HTTP_AUTH} => {traefikmod.HTTP_AUTH_FORK} {versions.TRAEFIK_HTTP_AUTH_FORK}" in text
    assert "v9" not in text and "./pkg/config" not in text
    assert f"\t{traefikmod.LEGO} => ./lego-v5.4.1" in text
    assert "exclude github.com/x/y v3.0.83+incompatible" in text


def test_go_mod_lines_refuse_an_unknown_local_replace():
    upstream = {"Replace": [{"Old": {"Path": "example.com/new"}, "New": {"Path": "./somewhere"}}]}
    with pytest.raises(BuildError, match="local directory"):
        traefikmod.go_mod_lines(upstream, "lego", "v5")


def test_traefik_is_an_addon_binary_no_engine_builds():
    assert gobuild.binaries_for_addon("ingress") == ["traefik"]
    for engine in ("kwok", "local", "kind"):
        assert "traefik" not in gobuild.binaries_for(engine)
    comp = gobuild.component("traefik")
    assert comp.version == versions.TRAEFIK
    assert f"-X {traefikmod.MODULE}/pkg/version.Version={versions.TRAEFIK}" in comp.link_flags("traefik")


def _zip(files: dict[str, bytes]) -> zipfile.ZipFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return zipfile.ZipFile(io.BytesIO(buf.getvalue()))


def test_dirhash_is_gos_hash1():
    # go's dirhash.Hash1 over one file "a" holding "x": sha256 of "<sha256(x)>  a\n", base64
    import base64
    import hashlib

    line = f"{hashlib.sha256(b'x').hexdigest()}  m@v1/a\n".encode()
    want = "h1:" + base64.b64encode(hashlib.sha256(line).digest()).decode()
    assert gatewayapi.dirhash(_zip({"m@v1/a": b"x"})) == want
    assert gatewayapi.dirhash(_zip({"m@v1/a": b"y"})) != want


def test_a_module_zip_with_the_wrong_hash_is_refused_and_not_kept(tmp_path, monkeypatch):
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("sigs.k8s.io/gateway-api@v1.6.1/config/crd/standard/x.yaml", b"kind: X\n")

    class Resp(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    monkeypatch.setenv("K8SLAB_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(gatewayapi, "_gomodcache_zip", lambda: None)
    monkeypatch.setattr(gatewayapi.urllib.request, "urlopen", lambda url, timeout: Resp(bad.getvalue()))
    with pytest.raises(BuildError, match="does not match the pinned hash"):
        gatewayapi.module_zip(echo=lambda _: None)
    assert not any(tmp_path.rglob("*.zip"))


def _kinds(objs):
    return [(o["kind"], o["metadata"]["name"]) for o in objs]


def test_objects_per_engine():
    local = ingress.objects("local", ["172.18.0.3", "172.18.0.4"])
    assert ("IngressClass", "nginx") in _kinds(local) and ("GatewayClass", "traefik") in _kinds(local)
    ds = next(o for o in local if o["kind"] == "DaemonSet")
    spec = ds["spec"]["template"]["spec"]
    assert "nodeSelector" not in spec and "tolerations" not in spec  # workers only (the CP is tainted)
    c = spec["containers"][0]
    assert c["image"] == f"docker.io/library/traefik:{versions.TRAEFIK}"
    assert {p["hostPort"] for p in c["ports"] if "hostPort" in p} == {80, 443}
    assert "--providers.kubernetesingressnginx.publishStatusAddress=172.18.0.3,172.18.0.4" in c["args"]
    assert "--global.checkNewVersion=false" in c["args"] and "--api.dashboard=false" in c["args"]
    cls = next(o for o in local if o["kind"] == "IngressClass")
    assert cls["spec"]["controller"] == "k8s.io/ingress-nginx"
    assert cls["metadata"]["annotations"][ingress.ADDRESSES_ANNOTATION] == "172.18.0.3,172.18.0.4"
    assert cls["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] == "true"
    assert all(o["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "k8slab-addons" for o in local)
    kind = ingress.objects("kind", ["127.0.0.1"])
    kspec = next(o for o in kind if o["kind"] == "DaemonSet")["spec"]["template"]["spec"]
    assert kspec["nodeSelector"] == {"ingress-ready": "true"}
    assert kspec["tolerations"][0]["key"] == "node-role.kubernetes.io/control-plane"


def test_cluster_role_covers_both_providers():
    rules = {(g, r) for rule in ingress.CLUSTER_RULES for g in rule["apiGroups"] for r in rule["resources"]}
    for need in [("networking.k8s.io", "ingresses"), ("networking.k8s.io", "ingresses/status"),
                 ("discovery.k8s.io", "endpointslices"), ("", "secrets"),
                 ("gateway.networking.k8s.io", "httproutes"), ("gateway.networking.k8s.io", "gateways/status")]:
        assert need in rules


@pytest.mark.parametrize("kwargs, message", [
    ({"url": 123}, "give a URL"),
    ({"url": "ftp://x/"}, "not an http"),
    ({"url": "http:///path"}, "names no host"),
    ({"url": "http://h:99999/"}, "invalid port"),
    ({"url": "http://h/", "timeout": "abc"}, "timeout must be"),
    ({"url": "http://h/", "expect_status": "200"}, "expect_status must be"),
    ({"url": "http://h/", "headers": ["no colon"]}, "Name: value"),
    ({"url": "http://h/", "headers": {"X-A": "v\r\nX-B: injected"}}, "invalid header"),
    ({"url": "http://h/", "data": 5}, "data must be"),
    ({"url": "http://h/", "method": "GE T"}, "not an HTTP method"),
])
def test_curl_refuses_bad_arguments_before_any_request(kwargs, message, monkeypatch):
    from k8slab.api.read import curl as mod

    def no_session():
        raise AssertionError("a request was about to be made")

    monkeypatch.setattr(mod._session, "current", no_session)
    with pytest.raises(UsageError, match=message):
        mod.curl(**kwargs)


def test_curl_resolve_syntax():
    from k8slab.api.read.curl import _parse_resolve

    assert _parse_resolve("App.Example.com:443:127.0.0.1") == {("app.example.com", 443): "127.0.0.1"}
    with pytest.raises(UsageError, match="HOST:PORT:ADDRESS"):
        _parse_resolve("app.example.com:127.0.0.1")


def test_kind_records_the_host_ports_when_80_or_443_were_taken():
    plain = next(o for o in ingress.objects("kind", ["127.0.0.1"], {80: 80, 443: 443}) if o["kind"] == "IngressClass")
    assert ingress.PORTS_ANNOTATION not in plain["metadata"]["annotations"]
    moved = next(o for o in ingress.objects("kind", ["127.0.0.1"], {80: 8080, 443: 443}) if o["kind"] == "IngressClass")
    assert moved["metadata"]["annotations"][ingress.PORTS_ANNOTATION] == "80:8080,443:443"


def test_curl_connects_to_the_mapped_port_but_names_the_urls(monkeypatch):
    from k8slab.api.read import curl as mod
    from k8slab.client import web

    class FakeSession:
        def request(self, method, path, **kw):
            if path == mod.INGRESS_CLASS_PATH:
                return {"metadata": {"annotations": {mod.ADDRESSES_ANNOTATION: "127.0.0.1",
                                                     mod.PORTS_ANNOTATION: "80:8080,443:8443"}}}
            return {"items": []}

    seen = {}

    def fake_request(method, scheme, host, port, target, address, **kw):
        seen.update(host=host, port=port, address=address, connect_port=kw["connect_port"])
        return web.WebAnswer(200, "OK", "HTTP/1.1", [], b"ok", 1.0)

    monkeypatch.setattr(mod._session, "current", lambda: FakeSession())
    monkeypatch.setattr(mod.web, "request", fake_request)
    got = mod.curl("http://app.example.com/")
    assert seen == {"host": "app.example.com", "port": 80, "address": "127.0.0.1", "connect_port": 8080}
    assert got.address == "127.0.0.1:8080" and got.text == "ok"
