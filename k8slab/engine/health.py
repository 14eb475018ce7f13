"""Talking to a freshly started cluster: health, readiness, bootstrap objects.

The engine corner uses the official client directly (it runs before, and
independently of, the notebook-facing client layer).
"""

from __future__ import annotations

import json
import time


def _api(kubeconfig: str, context: str):
    from kubernetes import config

    return config.new_client_from_config(config_file=kubeconfig, context=context)


def _auth_headers(api) -> dict:
    token = api.configuration.api_key.get("BearerToken") or api.configuration.api_key.get("authorization")
    return {"Authorization": token} if token else {}


def api_health(kubeconfig: str, context: str, timeout: float = 3) -> tuple[str, bool, str]:
    """Return (server URL, healthy?, error text) for ``/readyz``."""
    try:
        api = _api(kubeconfig, context)
    except Exception as exc:  # a missing/corrupt kubeconfig or context
        return "", False, f"kubeconfig {kubeconfig} has no usable context {context!r}: {exc}"
    server = api.configuration.host
    try:
        resp = api.rest_client.pool_manager.request(
            "GET", server + "/readyz", headers=_auth_headers(api), timeout=timeout, retries=False)
        ok = resp.status == 200
        return server, ok, "" if ok else f"/readyz answered {resp.status}"
    except Exception as exc:
        return server, False, str(exc).splitlines()[0][:200]
    finally:
        api.close()


def _rest(api, method: str, path: str, body=None, *, content_type: str = "application/json",
          query: str = "", timeout: float = 10, missing_ok: bool = False) -> dict | None:
    """One JSON request through the client's connection pool (no typed API classes:
    importing them cost seconds of CPU on every ``k8slab up``)."""
    from ..errors import EngineError

    headers = {"Accept": "application/json", **_auth_headers(api)}
    data = None
    if body is not None:
        headers["Content-Type"] = content_type
        data = json.dumps(body)
    url = api.configuration.host + path + (f"?{query}" if query else "")
    resp = api.rest_client.pool_manager.request(method, url, body=data, headers=headers,
                                                timeout=timeout, retries=False)
    if resp.status == 404 and missing_ok:
        return None
    if resp.status >= 400:
        raise EngineError(f"{method} {path} failed: HTTP {resp.status}: {resp.data[:300]!r}")
    return json.loads(resp.data or b"{}")


def node_readiness(kubeconfig: str, context: str) -> dict[str, bool]:
    """Node name -> Ready condition is True."""
    api = _api(kubeconfig, context)
    try:
        nodes = _rest(api, "GET", "/api/v1/nodes").get("items") or []
    except Exception:
        return {}
    finally:
        api.close()
    out = {}
    for node in nodes:
        conds = {c.get("type"): c.get("status") for c in (node.get("status") or {}).get("conditions") or []}
        out[node["metadata"]["name"]] = conds.get("Ready") == "True"
    return out


_PLURAL = {"Node": "nodes", "StorageClass": "storageclasses", "ServiceAccount": "serviceaccounts",
           "ConfigMap": "configmaps", "Service": "services", "Deployment": "deployments",
           "ClusterRole": "clusterroles", "ClusterRoleBinding": "clusterrolebindings",
           "Namespace": "namespaces", "DaemonSet": "daemonsets", "IngressClass": "ingressclasses",
           "GatewayClass": "gatewayclasses", "CustomResourceDefinition": "customresourcedefinitions",
           "ValidatingAdmissionPolicy": "validatingadmissionpolicies",
           "ValidatingAdmissionPolicyBinding": "validatingadmissionpolicybindings"}


def object_path(obj: dict) -> str:
    """The REST path of a bootstrap object (the kinds in ``_PLURAL``)."""
    group, _, version = obj["apiVersion"].rpartition("/")
    base = f"/apis/{group}/{version}" if group else f"/api/{version}"
    ns = obj["metadata"].get("namespace")
    where = f"/namespaces/{ns}" if ns else ""
    return f"{base}{where}/{_PLURAL[obj['kind']]}/{obj['metadata']['name']}"


def apply_objects(kubeconfig: str, context: str, objects: list[dict]) -> None:
    """Create-or-update bootstrap objects by server-side apply (field manager k8slab-engine)."""
    api = _api(kubeconfig, context)
    try:
        for obj in objects:
            path = object_path(obj)
            # the status rides along on create (a Node keeps it, as when a kubelet registers),
            # so KWOK's node-initialize stage never sees a node without our nodeInfo
            _rest(api, "PATCH", path, obj, content_type="application/apply-patch+yaml",
                  query="fieldManager=k8slab-engine&force=true")
            if obj.get("status"):
                # Node status is a subresource: set capacity, addresses and nodeInfo there
                _rest(api, "PATCH", path + "/status", {"status": obj["status"]},
                      content_type="application/merge-patch+json")
    finally:
        api.close()


def _one(kubeconfig: str, context: str, method: str, path: str) -> dict | None:
    api = _api(kubeconfig, context)
    try:
        return _rest(api, method, path, missing_ok=True)
    finally:
        api.close()


def get_json(kubeconfig: str, context: str, path: str) -> dict | None:
    """GET one API path as JSON; None when it is not found (404)."""
    return _one(kubeconfig, context, "GET", path)


def delete_object(kubeconfig: str, context: str, obj: dict) -> bool:
    """Delete a bootstrap object; False when it was not there."""
    return _one(kubeconfig, context, "DELETE", object_path(obj)) is not None


def wait_api(kubeconfig: str, context: str, timeout: float) -> None:
    """Wait until ``/readyz`` answers OK."""
    from ..errors import EngineError

    deadline = time.monotonic() + timeout
    while True:
        _, ok, err = api_health(kubeconfig, context)
        if ok:
            return
        if time.monotonic() > deadline:
            raise EngineError(f"the API server was not ready after {timeout:.0f}s ({err}); "
                              f"see: k8slab status, k8slab doctor")
        time.sleep(0.3)


def delete_node_leases(kubeconfig: str, context: str) -> int:
    """Delete every node lease (namespace kube-node-lease); return how many there were."""
    api = _api(kubeconfig, context)
    try:
        leases = _rest(api, "GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases")
        names = [item["metadata"]["name"] for item in leases.get("items") or []]
        for lease in names:
            _rest(api, "DELETE", f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{lease}")
        return len(names)
    finally:
        api.close()


def wait_ready(kubeconfig: str, context: str, nodes: int, timeout: float) -> None:
    """Wait until ``/readyz`` is OK and ``nodes`` nodes are Ready."""
    from ..errors import EngineError

    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        _, ok, err = api_health(kubeconfig, context)
        if ok:
            ready = node_readiness(kubeconfig, context)
            if len(ready) >= nodes and all(ready.values()):
                return
            last = "nodes not Ready: " + ", ".join(n for n, r in ready.items() if not r)
        else:
            last = err
        time.sleep(0.5)
    raise EngineError(f"the cluster was not ready after {timeout:.0f}s ({last}); "
                      f"see: k8slab status, k8slab doctor")
