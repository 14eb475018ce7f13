"""Unit tests of the client layer that need no cluster: guard, errors, discovery, paths."""

from __future__ import annotations

import json

import pytest

from k8slab import errors as E
from k8slab.client import discovery as D
from k8slab.client import kubeconfig as K
from k8slab.client.errors import from_status, translate


def _kubeconfig(path, contexts, current):
    import yaml

    doc = {
        "apiVersion": "v1", "kind": "Config", "current-context": current,
        "clusters": [{"name": c, "cluster": {"server": f"https://{c}.example:6443"}} for c in contexts],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": c, "context": {"cluster": c, "user": "u"}} for c in contexts],
    }
    path.write_text(yaml.safe_dump(doc))
    return str(path)


@pytest.fixture
def configs(tmp_path, monkeypatch):
    lab = _kubeconfig(tmp_path / "lab", ["kwok-k8slab"], "kwok-k8slab")
    user = _kubeconfig(tmp_path / "user", ["prod", "kind-k8slab"], "prod")
    monkeypatch.setenv("K8SLAB_KUBECONFIG", lab)
    monkeypatch.setenv("KUBECONFIG", user)
    return lab, user


def test_guard_prefers_lab_kubeconfig(configs):
    lab, _ = configs
    choice = K.choose_context()
    assert (choice.name, choice.files, choice.is_lab) == ("kwok-k8slab", (lab,), True)


def test_guard_refuses_non_lab_context_naming_it_and_its_server(configs):
    with pytest.raises(E.ContextGuardError) as info:
        K.choose_context("prod")
    msg = str(info.value)
    assert "'prod'" in msg and "https://prod.example:6443" in msg and "--allow-non-lab" in msg


def test_guard_allows_non_lab_on_opt_in_and_lab_names_from_user_config(configs):
    _, user = configs
    assert K.choose_context("prod", allow_non_lab=True).files == (user,)
    assert K.choose_context("kind-k8slab").is_lab


def test_unknown_context_lists_known_ones(configs):
    with pytest.raises(E.ClusterUnreachableError, match="Known contexts: kind-k8slab, kwok-k8slab, prod"):
        K.choose_context("nope")


def test_no_kubeconfig_at_all_suggests_k8slab_up(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(tmp_path / "missing"))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing2"))
    with pytest.raises(E.ClusterUnreachableError, match="k8slab up"):
        K.choose_context()


def test_user_current_context_non_lab_is_guarded_when_no_lab_config(tmp_path, monkeypatch):
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(tmp_path / "missing"))
    monkeypatch.setenv("KUBECONFIG", _kubeconfig(tmp_path / "u", ["prod"], "prod"))
    with pytest.raises(E.ContextGuardError):
        K.choose_context()


def test_status_422_lists_each_field():
    body = json.dumps({"kind": "Status", "status": "Failure", "reason": "Invalid", "code": 422,
                       "message": 'Deployment.apps "web" is invalid: [spec.selector: Required value, x]',
                       "details": {"name": "web", "kind": "Deployment", "causes": [
                           {"reason": "FieldValueRequired", "message": "Required value",
                            "field": "spec.selector"},
                           {"reason": "FieldValueInvalid", "message": "Invalid value: \"x\"",
                            "field": "spec.template.metadata.labels"}]}})
    err = from_status(422, body)
    assert isinstance(err, E.InvalidError) and err.status == 422 and err.reason == "Invalid"
    assert str(err).splitlines() == [
        'Error from server (Invalid): Deployment.apps "web" is invalid:',
        "  spec.selector: Required value",
        '  spec.template.metadata.labels: Invalid value: "x"']
    assert [c["field"] for c in err.causes] == ["spec.selector", "spec.template.metadata.labels"]


@pytest.mark.parametrize("status,reason,cls", [
    (404, "NotFound", E.NotFoundError), (409, "AlreadyExists", E.AlreadyExistsError),
    (409, "Conflict", E.ConflictError), (403, "Forbidden", E.ForbiddenError),
    (400, "BadRequest", E.BadRequestError), (410, "Expired", E.ExpiredError),
    (503, "ServiceUnavailable", E.ServerError), (401, "Unauthorized", E.UnauthorizedError)])
def test_status_classes(status, reason, cls):
    err = from_status(status, {"reason": reason, "message": "m"})
    assert type(err) is cls and str(err).startswith(f"Error from server ({reason}): m")


def test_missing_namespace_hint():
    err = from_status(404, {"reason": "NotFound", "message": 'namespaces "lab" not found',
                            "details": {"name": "lab", "kind": "namespaces"}})
    assert "create it first" in str(err) and "kubectl create namespace lab" in str(err)


def test_translate_api_exception_and_connection_errors():
    from kubernetes.client.exceptions import ApiException
    import urllib3.exceptions as ux

    api_exc = ApiException(status=404, reason="Not Found")  # body= only since client 32: set it after
    api_exc.body = '{"reason":"NotFound","message":"pods \\"x\\" not found"}'
    err = translate(api_exc)
    assert isinstance(err, E.NotFoundError) and 'pods "x" not found' in str(err)
    conn = ux.MaxRetryError(None, "/api", ux.NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused"))
    err = translate(conn, server="https://127.0.0.1:1", context="kwok-k8slab")
    assert isinstance(err, E.ClusterUnreachableError)
    assert "https://127.0.0.1:1" in str(err) and "kwok-k8slab" in str(err) and "k8slab up" in str(err)


AGG_CORE = {"kind": "APIGroupDiscoveryList", "items": [{"metadata": {}, "versions": [{"version": "v1", "resources": [
    {"resource": "pods", "responseKind": {"kind": "Pod"}, "scope": "Namespaced", "singularResource": "pod",
     "shortNames": ["po"], "verbs": ["get", "list"], "subresources": [{"subresource": "log"}, {"subresource": "status"}]},
    {"resource": "events", "responseKind": {"kind": "Event"}, "scope": "Namespaced", "singularResource": "event",
     "shortNames": ["ev"]},
    {"resource": "nodes", "responseKind": {"kind": "Node"}, "scope": "Cluster", "singularResource": "node",
     "shortNames": ["no"]}]}]}]}
AGG_APIS = {"kind": "APIGroupDiscoveryList", "items": [
    {"metadata": {"name": "apps"}, "versions": [{"version": "v1", "resources": [
        {"resource": "deployments", "responseKind": {"kind": "Deployment"}, "scope": "Namespaced",
         "singularResource": "deployment", "shortNames": ["deploy"], "subresources": [{"subresource": "scale"}]}]}]},
    {"metadata": {"name": "events.k8s.io"}, "versions": [{"version": "v1", "resources": [
        {"resource": "events", "responseKind": {"kind": "Event"}, "scope": "Namespaced",
         "singularResource": "event", "shortNames": ["ev"]}]}]},
    {"metadata": {"name": "autoscaling"}, "versions": [
        {"version": "v2", "resources": [{"resource": "horizontalpodautoscalers", "responseKind": {"kind": "HorizontalPodAutoscaler"},
                                         "scope": "Namespaced", "singularResource": "horizontalpodautoscaler", "shortNames": ["hpa"]}]},
        {"version": "v1", "resources": [{"resource": "horizontalpodautoscalers", "responseKind": {"kind": "HorizontalPodAutoscaler"},
                                         "scope": "Namespaced", "singularResource": "horizontalpodautoscaler", "shortNames": ["hpa"]}]}]}]}


@pytest.fixture
def index():
    return D.ResourceIndex(D.fetch_resources(lambda path, accept: {"/api": AGG_CORE, "/apis": AGG_APIS}[path]))


@pytest.mark.parametrize("name,expected", [
    ("pods", ("", "pods")), ("po", ("", "pods")), ("pod", ("", "pods")), ("Pod", ("", "pods")),
    ("deploy", ("apps", "deployments")), ("deployments.apps", ("apps", "deployments")),
    ("deployment.v1.apps", ("apps", "deployments")), ("ev", ("", "events")), ("events", ("", "events")),
    ("events.events.k8s.io", ("events.k8s.io", "events")), ("no", ("", "nodes")), ("hpa", ("autoscaling", "horizontalpodautoscalers"))])
def test_resolve_kubectl_names(index, name, expected):
    hit = index.lookup(name)
    assert hit is not None and (hit.group, hit.plural) == expected


def test_preferred_version_wins(index):
    assert index.lookup("hpa").version == "v2"
    assert index.lookup("hpa.v1.autoscaling").version == "v1"


def test_unknown_type_suggests_closest(index):
    assert index.lookup("podz") is None
    err = D.unknown_type_error("deploymnet", index)
    assert isinstance(err, E.NotFoundError) and 'did you mean "deployment"' in str(err)


def test_unknown_kind_names_served_version(index):
    assert "Change apiVersion to apps/v1" in str(D.unknown_kind_error("extensions/v1beta1", "Deployment", index))
    assert "'Deployment' (apps/v1)" in str(D.unknown_kind_error("apps/v1", "Deploymnet", index))


def test_rest_paths(index):
    pods, deploy, nodes = index.lookup("po"), index.lookup("deploy"), index.lookup("no")
    assert D.rest_path(pods, "ns1") == "/api/v1/namespaces/ns1/pods"
    assert D.rest_path(pods) == "/api/v1/pods"
    assert D.rest_path(pods, "ns1", "web-1", "log") == "/api/v1/namespaces/ns1/pods/web-1/log"
    assert D.rest_path(deploy, "x", "web", "scale") == "/apis/apps/v1/namespaces/x/deployments/web/scale"
    assert D.rest_path(nodes, "ignored", "n1") == "/api/v1/nodes/n1"
    assert deploy.name_prefix == "deployment.apps" and pods.name_prefix == "pod"
    assert pods.subresources == ("log", "status")


def test_legacy_discovery_skips_unavailable_groups():
    docs = {
        "/api": {"kind": "APIVersions", "versions": ["v1"]},
        "/apis": {"kind": "APIGroupList", "groups": [
            {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
             "preferredVersion": {"version": "v1"}},
            {"name": "metrics.k8s.io", "versions": [{"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"}],
             "preferredVersion": {"version": "v1beta1"}}]},
        "/api/v1": {"resources": [{"name": "pods", "kind": "Pod", "namespaced": True, "shortNames": ["po"]},
                                  {"name": "pods/log", "kind": "Pod", "namespaced": True}]},
        "/apis/apps/v1": {"resources": [{"name": "deployments", "kind": "Deployment", "namespaced": True,
                                         "singularName": "deployment", "shortNames": ["deploy"]}]},
    }

    def get(path, accept):
        if path not in docs:
            raise E.ServerError("Error from server (ServiceUnavailable)", status=503)
        return docs[path]

    idx = D.ResourceIndex(D.fetch_resources(get))
    assert idx.lookup("po").subresources == ("log",)
    assert idx.lookup("deploy").group == "apps"
    assert idx.lookup("podmetrics") is None
