"""Talking to a freshly started cluster: health, readiness, bootstrap objects.

The engine corner uses the official client directly (it runs before, and
independently of, the notebook-facing client layer).
"""

from __future__ import annotations

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


def node_readiness(kubeconfig: str, context: str) -> dict[str, bool]:
    """Node name -> Ready condition is True."""
    from kubernetes import client

    api = _api(kubeconfig, context)
    try:
        nodes = client.CoreV1Api(api).list_node(_request_timeout=10).items
    except Exception:
        return {}
    finally:
        api.close()
    out = {}
    for node in nodes:
        conds = {c.type: c.status for c in (node.status.conditions or [])}
        out[node.metadata.name] = conds.get("Ready") == "True"
    return out


def apply_objects(kubeconfig: str, context: str, objects: list[dict]) -> None:
    """Create-or-update bootstrap objects by server-side apply (field manager k8slab-engine)."""
    from kubernetes import client, dynamic

    api = _api(kubeconfig, context)
    dyn = dynamic.DynamicClient(api)
    try:
        for obj in objects:
            res = dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
            status = obj.get("status")
            res.server_side_apply(body=obj, name=obj["metadata"]["name"],
                                  field_manager="k8slab-engine", force_conflicts=True)
            if status and obj["kind"] == "Node":
                # Node status is a subresource: set capacity, addresses and nodeInfo there
                client.CoreV1Api(api).patch_node_status(obj["metadata"]["name"], {"status": status})
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
