"""Cluster add-ons of the real-node engine: CoreDNS as ``kube-dns``, as kubeadm and kind set it up.

CoreDNS answers cluster names only: there is no ``forward`` to a resolver outside
the lab, so a name that is not the cluster's fails at once instead of leaving the
machine. Only with egress on (``k8slab up --egress``, :mod:`.egress`) does it get an
upstream resolver for other names.
"""

from __future__ import annotations

from .. import versions
from . import network

COREDNS_IMAGE = f"registry.k8s.io/coredns/coredns:{getattr(versions, 'COREDNS', 'v1.14.7')}"

_COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
{forward}    cache 30
    reload
    loadbalance
}
"""


def corefile(upstream: str | None = None) -> str:
    """CoreDNS's configuration: cluster names only, or other names forwarded to ``upstream``."""
    forward = f"    forward . {upstream}\n" if upstream else ""
    return _COREFILE.replace("{forward}", forward)


COREFILE = corefile()


def coredns_objects(replicas: int = 2, upstream: str | None = None) -> list[dict]:
    """ServiceAccount, RBAC, Corefile, Deployment and the kube-dns Service at 10.96.0.10."""
    labels = {"k8s-app": "kube-dns"}
    ns = "kube-system"
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "coredns", "namespace": ns}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": "system:coredns"},
         "rules": [{"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"],
                    "verbs": ["list", "watch"]},
                   {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"],
                    "verbs": ["list", "watch"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": "system:coredns"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": "system:coredns"},
         "subjects": [{"kind": "ServiceAccount", "name": "coredns", "namespace": ns}]},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": ns},
         "data": {"Corefile": corefile(upstream)}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "coredns", "namespace": ns, "labels": labels},
         "spec": {
             "replicas": replicas,
             "selector": {"matchLabels": labels},
             "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
             "template": {
                 "metadata": {"labels": labels},
                 "spec": {
                     "serviceAccountName": "coredns",
                     "priorityClassName": "system-cluster-critical",
                     "dnsPolicy": "Default",
                     "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
                     "containers": [{
                         "name": "coredns", "image": COREDNS_IMAGE,
                         "imagePullPolicy": "IfNotPresent",
                         "args": ["-conf", "/etc/coredns/Corefile"],
                         "resources": {"limits": {"memory": "170Mi"},
                                       "requests": {"cpu": "100m", "memory": "70Mi"}},
                         "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                                   {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                                   {"containerPort": 9153, "name": "metrics", "protocol": "TCP"}],
                         "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns",
                                           "readOnly": True}],
                         "livenessProbe": {"httpGet": {"path": "/health", "port": 8080},
                                           "initialDelaySeconds": 10, "timeoutSeconds": 5,
                                           "failureThreshold": 5},
                         # probed every second: `k8slab up` waits for DNS, and the default
                         # 10 s period made it wait up to 10 s more after CoreDNS was ready
                         "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181},
                                            "periodSeconds": 1},
                         "securityContext": {"allowPrivilegeEscalation": False,
                                             "capabilities": {"add": ["NET_BIND_SERVICE"],
                                                              "drop": ["ALL"]},
                                             "readOnlyRootFilesystem": True},
                     }],
                     "volumes": [{"name": "config-volume", "configMap": {
                         "name": "coredns", "items": [{"key": "Corefile", "path": "Corefile"}]}}],
                 },
             },
         }},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "kube-dns", "namespace": ns,
                      "labels": {**labels, "kubernetes.io/cluster-service": "true",
                                 "kubernetes.io/name": "CoreDNS"},
                      "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}},
         "spec": {"selector": labels, "clusterIP": network.DNS_IP,
                  "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                            {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                            {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]}},
    ]


def coredns_ready(kubeconfig: str, context: str, since: float | None = None) -> tuple[bool, str]:
    """Whether the CoreDNS Deployment has all its replicas available.

    ``since`` (a time.time()): the nodes' containers were started anew then (after a reboot, or
    nodes restarted): the status from before is stale until the kubelets report again, so every
    CoreDNS pod must also have become Ready at or after that time.
    """
    from ..health import _api, _rest

    api = _api(kubeconfig, context)
    try:
        dep = _rest(api, "GET", "/apis/apps/v1/namespaces/kube-system/deployments/coredns")
        pods = _rest(api, "GET", "/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-dns") \
            if since is not None else None
    except Exception as exc:
        return False, str(exc).splitlines()[0][:200]
    finally:
        api.close()
    want = (dep.get("spec") or {}).get("replicas", 1)
    have = (dep.get("status") or {}).get("availableReplicas") or 0
    if pods is not None:
        fresh = sum(1 for p in pods.get("items") or [] if _ready_since(p, since))
        if fresh < want:
            return False, f"CoreDNS {fresh}/{want} ready since the nodes restarted"
    return have >= want, f"CoreDNS {have}/{want} available"


def _ready_since(pod: dict, since: float) -> bool:
    import datetime

    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready" and cond.get("status") == "True" and cond.get("lastTransitionTime"):
            at = datetime.datetime.fromisoformat(cond["lastTransitionTime"].replace("Z", "+00:00")).timestamp()
            return at >= int(since) - 1  # the API's times are whole seconds
    return False


def coredns_rolled_out(kubeconfig: str, context: str) -> tuple[bool, str]:
    """Whether every CoreDNS pod runs the Deployment's current template and is available."""
    from ..health import get_json

    try:
        dep = get_json(kubeconfig, context, "/apis/apps/v1/namespaces/kube-system/deployments/coredns")
    except Exception as exc:
        return False, str(exc).splitlines()[0][:200]
    if dep is None:
        return False, "no CoreDNS Deployment"
    want = (dep.get("spec") or {}).get("replicas", 1)
    st = dep.get("status") or {}
    done = (st.get("observedGeneration", 0) >= dep["metadata"].get("generation", 0)
            and st.get("updatedReplicas", 0) == want and st.get("replicas", 0) == want
            and st.get("availableReplicas", 0) == want)
    return done, f"CoreDNS {st.get('updatedReplicas', 0)}/{want} restarted with the new configuration"


def set_upstream(kubeconfig: str, context: str, upstream: str | None) -> bool:
    """Give CoreDNS ``upstream`` (or none) in place; True when its configuration changed.

    A change restarts the CoreDNS pods one at a time (as ``kubectl rollout restart``
    does), so the new Corefile serves at once instead of after the kubelet's next
    ConfigMap sync and the reload plugin's next check (a minute or two).
    """
    import datetime

    from ..health import _api, _rest, object_path

    want = corefile(upstream)
    cm = next(o for o in coredns_objects(upstream=upstream) if o["kind"] == "ConfigMap")
    api = _api(kubeconfig, context)
    try:
        have = _rest(api, "GET", object_path(cm), missing_ok=True)
        if have is not None and (have.get("data") or {}).get("Corefile") == want:
            return False
        _rest(api, "PATCH", object_path(cm), cm, content_type="application/apply-patch+yaml",
              query="fieldManager=k8slab-engine&force=true")
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        _rest(api, "PATCH", "/apis/apps/v1/namespaces/kube-system/deployments/coredns",
              {"spec": {"template": {"metadata": {"annotations": {
                  "kubectl.kubernetes.io/restartedAt": stamp}}}}},
              content_type="application/strategic-merge-patch+json")
        return True
    finally:
        api.close()
