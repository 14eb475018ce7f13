"""``k8slab addons ingress``: Traefik as the lab's ingress controller, and Gateway API.

What gets installed (every object labelled ``app.kubernetes.io/managed-by: k8slab-addons``,
so :func:`remove` finds and deletes exactly what :func:`install` made):

- Gateway API's standard-channel CRDs (:mod:`gatewayapi`, pinned with the other versions);
- namespace ``k8slab-ingress`` with Traefik's ServiceAccount, and its ClusterRole and binding;
- IngressClass ``nginx`` (controller ``k8s.io/ingress-nginx``), served by Traefik's
  NGINX-annotations provider, so the notes' ``nginx.ingress.kubernetes.io/*`` annotations work;
- GatewayClass ``traefik`` (controller ``traefik.io/gateway-controller``);
- a DaemonSet running Traefik with host ports 80 and 443 on the nodes that receive traffic:
  on the real-node engine both workers (reached from the host at their addresses on the
  engine's bridge, 172.18.0.3 and 172.18.0.4: no listener on the host), on kind the
  control-plane node labelled ``ingress-ready=true``, whose ports 80/443 kind maps to
  127.0.0.1.

Traefik runs with its version check and usage reports off (no traffic leaves the lab) and its
dashboard off (the module build embeds no web UI). The simulated (kwok) engine runs no
process, so there is nothing to route: it is refused with what to do instead.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable

from ..errors import EngineError, UsageError
from . import cluster, health, versions

NAMESPACE = "k8slab-ingress"
NAME = "traefik"
IMAGE = f"docker.io/library/traefik:{versions.TRAEFIK}"
INGRESS_CLASS = "nginx"
INGRESS_CONTROLLER = "k8s.io/ingress-nginx"
GATEWAY_CLASS = "traefik"
GATEWAY_CONTROLLER = "traefik.io/gateway-controller"
MANAGED = {"app.kubernetes.io/managed-by": "k8slab-addons", "app.kubernetes.io/part-of": "k8slab-ingress"}
SELECTOR = {"app.kubernetes.io/name": NAME}
HTTP_PORT, HTTPS_PORT, PING_PORT = 80, 443, 8082
KIND_ADDRESS = "127.0.0.1"
ADDRESSES_ANNOTATION = "k8slab.dev/addresses"
PORTS_ANNOTATION = "k8slab.dev/ports"
"""On kind, when 80/443 were taken on this machine: ``80:8080,443:8443`` (what kind mapped them to)."""
ENGINES_WITH_CONTAINERS = ("local", "kind")


@dataclasses.dataclass
class IngressStatus:
    """Where the lab's ingress controller answers, and whether it is ready."""

    installed: bool
    ready: bool = False
    addresses: list[str] = dataclasses.field(default_factory=list)
    """Addresses that reach ports 80/443 from this machine (node addresses or 127.0.0.1)."""
    pods: str = ""  # "2/2 ready"
    problem: str = ""


def _labels(extra: dict | None = None) -> dict:
    return {**MANAGED, **(extra or {})}


def _meta(name: str, namespace: str | None = None, **labels) -> dict:
    meta = {"name": name, "labels": _labels(labels)}
    if namespace:
        meta["namespace"] = namespace
    return meta


CLUSTER_RULES = [
    # the NGINX-annotations provider (Traefik's kubernetes-ingress-nginx-rbac.yml) ...
    {"apiGroups": [""], "resources": ["services", "secrets", "configmaps", "namespaces"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
    {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses", "ingressclasses"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses/status"], "verbs": ["update"]},
    # ... and the Gateway provider (kubernetes-gateway-rbac.yml)
    {"apiGroups": ["gateway.networking.k8s.io"],
     "resources": ["gatewayclasses", "gateways", "httproutes", "grpcroutes", "tcproutes", "tlsroutes",
                   "referencegrants", "backendtlspolicies"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["gateway.networking.k8s.io"],
     "resources": ["gatewayclasses/status", "gateways/status", "httproutes/status", "grpcroutes/status",
                   "tcproutes/status", "tlsroutes/status", "referencegrants/status",
                   "backendtlspolicies/status"],
     "verbs": ["update"]},
]


def traefik_args(publish: list[str]) -> list[str]:
    """Traefik's static configuration, as command-line flags."""
    return [
        f"--entryPoints.web.address=:{HTTP_PORT}",
        f"--entryPoints.websecure.address=:{HTTPS_PORT}",
        f"--entryPoints.ping.address=:{PING_PORT}",
        "--ping.entryPoint=ping",
        "--providers.kubernetesingressnginx=true",
        f"--providers.kubernetesingressnginx.ingressclass={INGRESS_CLASS}",
        f"--providers.kubernetesingressnginx.controllerclass={INGRESS_CONTROLLER}",
        f"--providers.kubernetesingressnginx.publishStatusAddress={','.join(publish)}",
        # ingress-nginx buffers request bodies by default (proxy-request-buffering: on), and only a
        # buffered body is held to proxy-body-size; Traefik's provider defaults to off
        "--providers.kubernetesingressnginx.proxyRequestBuffering=true",
        "--providers.kubernetesgateway=true",
        f"--providers.kubernetesgateway.statusAddress.ip={publish[0]}",
        "--api.dashboard=false",
        "--global.checkNewVersion=false",
        "--global.sendAnonymousUsage=false",
        "--accessLog=true",
        "--log.level=INFO",
    ]


def objects(engine: str, publish: list[str], ports: dict[int, int] | None = None) -> list[dict]:
    """Everything the addon installs besides the Gateway API CRDs, in apply order."""
    if engine == "kind":  # where kind maps ports 80/443: the control plane (see kind/cluster.yaml)
        placement = {"nodeSelector": {"ingress-ready": "true"},
                     "tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists",
                                      "effect": "NoSchedule"}]}
    else:  # every real worker; the simulated control plane keeps its NoSchedule taint
        placement = {}
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": _meta("k8slab-ingress-traefik"), "rules": CLUSTER_RULES}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": _meta("k8slab-ingress-traefik"),
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                           "name": "k8slab-ingress-traefik"},
               "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE}]}
    container = {
        "name": NAME, "image": IMAGE, "args": traefik_args(publish),
        "ports": [{"name": "web", "containerPort": HTTP_PORT, "hostPort": HTTP_PORT},
                  {"name": "websecure", "containerPort": HTTPS_PORT, "hostPort": HTTPS_PORT},
                  {"name": "ping", "containerPort": PING_PORT}],
        "readinessProbe": {"httpGet": {"path": "/ping", "port": PING_PORT}, "periodSeconds": 1,
                           "failureThreshold": 2},
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
    }
    daemonset = {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": _meta(NAME, NAMESPACE, **SELECTOR),
        "spec": {"selector": {"matchLabels": SELECTOR},
                 "template": {"metadata": {"labels": _labels(SELECTOR)},
                              "spec": {"serviceAccountName": NAME, "terminationGracePeriodSeconds": 5,
                                       "containers": [container], **placement}}}}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(NAMESPACE)},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(NAME, NAMESPACE)},
        role, binding,
        {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
         # where requests reach the controller from this machine (k8slab.curl reads it); the default
         # class, so the notes' Ingresses without ingressClassName are served too
         "metadata": {**_meta(INGRESS_CLASS),
                      "annotations": {ADDRESSES_ANNOTATION: ",".join(publish),
                                      "ingressclass.kubernetes.io/is-default-class": "true",
                                      **({PORTS_ANNOTATION: ",".join(f"{k}:{v}" for k, v in sorted(ports.items()))}
                                         if ports and any(k != v for k, v in ports.items()) else {})}},
         "spec": {"controller": INGRESS_CONTROLLER}},
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": _meta(GATEWAY_CLASS),
         "spec": {"controllerName": GATEWAY_CONTROLLER}},
        daemonset,
    ]


def _cluster(name: str):
    st = cluster.status(name)
    if st.state == "absent" or not st.api_ok:
        raise UsageError(f"no running lab cluster {name!r}; start it with: k8slab up")
    if st.engine not in ENGINES_WITH_CONTAINERS:
        raise UsageError(f"the {st.engine} engine simulates its pods, so no ingress controller can route "
                         f"requests there; run a cluster with real nodes: k8slab down && "
                         f"k8slab up --engine local (or --engine kind), then: k8slab addons ingress")
    return st


def _publish(st) -> list[str]:
    if st.engine == "kind":
        return [KIND_ADDRESS]
    from .local import network

    return [network.node_ip(i) for i in range(1, len(st.nodes))] or [network.node_ip(1)]


def _local_image(name: str, echo: Callable[[str], None]) -> None:
    """Build Traefik and its image when missing, and have the lab registry serve a new image.

    Says nothing when both are current, so a re-run prints the same as the run before."""
    from . import gobuild, images
    from .local import images_cli

    wanted = gobuild.binaries_for_addon("ingress")
    if gobuild.missing([gobuild.component("traefik")], thorough=False, engine=None):
        echo(f"building Traefik {versions.TRAEFIK} from its Go module (once; about 4 minutes on 2 cores "
             f"with a cold Go cache) ...")
        gobuild.build(wanted, echo=echo)
    lines: list[str] = []
    images.build_all(echo=lines.append, names=["traefik"])
    if not any(line.startswith("images: 0 built") for line in lines):
        for line in lines:
            echo(line)
        images_cli.reload_registry(name)


def install(name: str = cluster.DEFAULT_NAME, *, timeout: float = 180,
            echo: Callable[[str], None] = print) -> IngressStatus:
    """Install (or update) the ingress addon and wait until Traefik answers on every node it runs on.

    Raises:
        UsageError: no running cluster, or one whose pods are simulated (kwok).
        EngineError: the controller did not become ready within ``timeout`` (with its pods' reason).
    """
    from . import gatewayapi

    st = _cluster(name)
    if st.engine == "local":
        _local_image(name, echo)
    publish = _publish(st)
    crds = gatewayapi.standard_objects(echo)
    for obj in crds:
        obj.setdefault("metadata", {}).setdefault("labels", {}).update(MANAGED)
    health.apply_objects(st.kubeconfig, st.context, crds)
    _wait_crds(st, [o["metadata"]["name"] for o in crds if o["kind"] == "CustomResourceDefinition"], timeout)
    ports = None
    if st.engine == "kind":
        from . import kind

        ports = kind.ingress_ports(name) or None  # 80/443, or what create mapped them to when taken
    health.apply_objects(st.kubeconfig, st.context, objects(st.engine, publish, ports))
    return _wait_ready(st, timeout, echo)


def ready_line(result: IngressStatus) -> str:
    """What an installed addon offers, in one line (printed by ``k8slab addons ingress``)."""
    return (f"ingress addon ready: Traefik {versions.TRAEFIK} answers on {', '.join(result.addresses)} "
            f"(HTTP {HTTP_PORT}, HTTPS {HTTPS_PORT}); IngressClass {INGRESS_CLASS} (the default class), "
            f"GatewayClass {GATEWAY_CLASS}, Gateway API {versions.GATEWAY_API} CRDs")


def _wait_crds(st, names: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending:
        for crd in sorted(pending):
            obj = health.get_json(st.kubeconfig, st.context,
                                  f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd}")
            conds = {c.get("type"): c.get("status") for c in (obj or {}).get("status", {}).get("conditions") or []}
            if conds.get("Established") == "True":
                pending.discard(crd)
        if pending and time.monotonic() > deadline:
            raise EngineError(f"Gateway API CRDs not established after {timeout:.0f}s: {', '.join(sorted(pending))}")
        if pending:
            time.sleep(0.2)


def status(name: str = cluster.DEFAULT_NAME) -> IngressStatus:
    """Whether the addon is installed, its pods ready, and the addresses that reach it."""
    st = cluster.status(name)
    if st.state == "absent" or not st.api_ok:
        return IngressStatus(False, problem=f"no running lab cluster {name!r}")
    ds = health.get_json(st.kubeconfig, st.context,
                         f"/apis/apps/v1/namespaces/{NAMESPACE}/daemonsets/{NAME}")
    if not ds:
        return IngressStatus(False, problem="the ingress addon is not installed (run: k8slab addons ingress)")
    s = ds.get("status") or {}
    want, ready = s.get("desiredNumberScheduled", 0), s.get("numberReady", 0)
    # an update (new flags, a new version) is done when every pod runs the new template
    current = (s.get("observedGeneration", 0) >= ds["metadata"].get("generation", 0)
               and s.get("updatedNumberScheduled", 0) == want and s.get("numberAvailable", 0) == want)
    pods = (health.get_json(st.kubeconfig, st.context, f"/api/v1/namespaces/{NAMESPACE}/pods") or {}) \
        .get("items") or []
    addresses = _ready_addresses(st, pods) if ready else []
    ok = bool(want) and ready == want and current and len(addresses) == want
    problem = "" if ok else (_pod_problem(pods) or f"{ready}/{want} Traefik pods ready")
    return IngressStatus(True, ok, addresses, f"{ready}/{want} ready", problem)


def _ready_addresses(st, pods: list[dict]) -> list[str]:
    if st.engine == "kind":
        return [KIND_ADDRESS]
    out = []
    for pod in pods:
        conds = {c.get("type"): c.get("status") for c in (pod.get("status") or {}).get("conditions") or []}
        if conds.get("Ready") == "True" and pod["status"].get("hostIP"):
            out.append(pod["status"]["hostIP"])
    return sorted(out)


def _pod_problem(pods: list[dict]) -> str:
    """The first waiting reason of a Traefik pod (ErrImagePull, CrashLoopBackOff, ...), if any."""
    for pod in pods:
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            waiting = (cs.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") and waiting["reason"] != "ContainerCreating":
                return f"pod {pod['metadata']['name']}: {waiting['reason']}: {waiting.get('message', '')}".strip(": ")
    return ""


def _wait_ready(st, timeout: float, echo: Callable[[str], None]) -> IngressStatus:
    started = time.monotonic()
    deadline, report = started + timeout, started + 10
    while True:
        result = status(st.name)
        if result.ready:
            return result
        now = time.monotonic()
        if now > deadline:
            raise EngineError(f"the ingress controller was not ready after {timeout:.0f}s: {result.problem}; "
                              f"see: kubectl -n {NAMESPACE} describe daemonset/{NAME}")
        if now > report:  # only a slow start says anything (a first image pull, a busy machine)
            echo(f"  still waiting for Traefik ({now - started:.0f}s): {result.problem}")
            report = now + 10
        time.sleep(0.3)


def remove(name: str = cluster.DEFAULT_NAME, *, timeout: float = 120,
           echo: Callable[[str], None] = print) -> int:
    """Delete everything :func:`install` made (Gateway API objects go with their CRDs); return how many."""
    from . import gatewayapi

    st = cluster.status(name)
    if st.state == "absent" or not st.api_ok:
        raise UsageError(f"no running lab cluster {name!r}; nothing to remove")
    objs = objects(st.engine, ["127.0.0.1"])[::-1] + gatewayapi.standard_objects(echo)[::-1]
    gone = 0
    for obj in objs:
        live = health.get_json(st.kubeconfig, st.context, health.object_path(obj))
        if live and (live.get("metadata", {}).get("labels") or {}).get("app.kubernetes.io/managed-by") \
                == MANAGED["app.kubernetes.io/managed-by"]:
            health.delete_object(st.kubeconfig, st.context, obj)
            gone += 1
    deadline = time.monotonic() + timeout
    while health.get_json(st.kubeconfig, st.context, f"/api/v1/namespaces/{NAMESPACE}"):
        if time.monotonic() > deadline:
            raise EngineError(f"namespace {NAMESPACE} was still terminating after {timeout:.0f}s")
        time.sleep(0.3)
    echo(f"ingress addon removed ({gone} objects deleted)")
    return gone
