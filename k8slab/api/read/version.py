"""``k8slab.version`` and ``k8slab.cluster_info``: what runs where, as ``kubectl version``/``cluster-info`` say it."""

from __future__ import annotations

import platform

from k8slab.api.args.targets import session
from k8slab.api.output.formats import TextResult, to_json, to_yaml
from k8slab.errors import UsageError


def _client() -> dict:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    import k8slab

    try:
        kube = dist_version("kubernetes")
    except PackageNotFoundError:  # pragma: no cover - a dependency of k8slab
        kube = None
    return {"k8slab": k8slab.__version__, "kubernetesClient": kube, "python": platform.python_version()}


def version(*, output: str | None = None, client: bool = False) -> TextResult:
    """The kit's and the API server's versions, like ``kubectl version``.

    Args:
        output: ``"yaml"`` or ``"json"`` for every field (the server's ``/version`` answer).
        client: Only the client side (no request to the cluster).

    Example:
        >>> k8slab.version()  # doctest: +SKIP
        Client Version: k8slab 0.1.0 (kubernetes Python client 37.0.2, Python 3.11.7)
        Server Version: v1.37.2
    """
    if output not in (None, "yaml", "json"):
        raise UsageError(f"version: -o {output}: use yaml or json.")
    data: dict = {"clientVersion": _client()}
    if not client:
        data["serverVersion"] = session().request("GET", "/version")
    if output:
        return TextResult((to_yaml if output == "yaml" else to_json)(data).rstrip("\n"), data)
    c = data["clientVersion"]
    lines = [f"Client Version: k8slab {c['k8slab']} (kubernetes Python client {c['kubernetesClient']},"
             f" Python {c['python']})"]
    if not client:
        lines.append(f"Server Version: {data['serverVersion'].get('gitVersion')}")
    return TextResult("\n".join(lines), data)


def cluster_info() -> TextResult:
    """Where the control plane and the cluster's services answer, like ``kubectl cluster-info``.

    Services in ``kube-system`` labelled ``kubernetes.io/cluster-service=true`` (CoreDNS
    on kind) are listed with their proxy URLs, as kubectl lists them.

    Returns:
        The lines kubectl prints, as a :class:`TextResult`.

    Example:
        >>> k8slab.cluster_info()  # doctest: +SKIP
        Kubernetes control plane is running at https://127.0.0.1:6443
    """
    s = session()
    server = (s.server or "").rstrip("/")
    lines = [f"Kubernetes control plane is running at {server}"]
    listing = s.request("GET", "/api/v1/namespaces/kube-system/services",
                        query={"labelSelector": "kubernetes.io/cluster-service=true"})
    for svc in listing.get("items") or []:
        meta = svc.get("metadata") or {}
        name = (meta.get("labels") or {}).get("kubernetes.io/name") or meta.get("name")
        ports = (svc.get("spec") or {}).get("ports") or []
        port = f":{ports[0].get('name') or ports[0].get('port')}" if ports else ""
        lines.append(f"{name} is running at {server}/api/v1/namespaces/kube-system/services/"
                     f"{meta.get('name')}{port}/proxy")
    return TextResult("\n".join(lines), {"server": server, "services": listing.get("items") or []})
