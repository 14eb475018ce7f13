"""Services and Ingresses built from flags, as ``kubectl create service|ingress`` and
``kubectl expose`` build them (field for field kubectl v1.37's, so ``--dry-run=client -o
yaml`` teaches the same YAML). Pure functions: ``expose`` passes in the object it read."""

from __future__ import annotations

import re

from k8slab.api.generators.objects import labels_from
from k8slab.errors import UsageError

_SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")


def service_for(obj: dict, *, name: str | None = None, port: int | None = None,
                target_port: str | None = None, type_: str | None = None, protocol: str = "TCP",
                selector: str | None = None) -> dict:
    """``kubectl expose``'s Service for ``obj`` (a Pod, Service, ReplicaSet, Deployment or
    ReplicationController): its selector, its labels, its ports unless ``port`` is given."""
    kind = obj.get("kind")
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    if kind == "Pod":
        found = meta.get("labels") or {}
    elif kind in ("Service", "ReplicationController"):
        found = spec.get("selector") or {}
    elif kind in ("Deployment", "ReplicaSet"):
        sel = spec.get("selector") or {}
        if sel.get("matchExpressions"):
            raise UsageError(f"cannot expose {kind.lower()}/{meta.get('name')}: its selector uses matchExpressions,"
                             " which a Service cannot; give --selector KEY=VALUE,….")
        found = sel.get("matchLabels") or {}
    else:
        raise UsageError(f"cannot expose a {kind}: expose a Pod, Service, ReplicaSet, Deployment or"
                         " ReplicationController.")
    chosen = labels_from(selector) if selector else dict(found)
    if not chosen:
        raise UsageError(f"cannot expose {kind.lower()}/{meta.get('name')}: it has no labels to select its pods"
                         " by; give --selector KEY=VALUE.")
    if type_ is not None and type_ not in _SERVICE_TYPES:
        raise UsageError(f"--type={type_}: one of {', '.join(_SERVICE_TYPES)}")
    ports = _service_ports(obj, port, target_port, protocol)
    svc_meta = {"name": name or meta.get("name")}
    if meta.get("labels"):
        svc_meta["labels"] = dict(meta["labels"])
    if meta.get("namespace"):
        svc_meta["namespace"] = meta["namespace"]
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": svc_meta,
           "spec": {"ports": ports, "selector": chosen}, "status": {"loadBalancer": {}}}
    if type_:
        svc["spec"]["type"] = type_
    return svc


def _service_ports(obj: dict, port: int | None, target_port: str | None, protocol: str) -> list[dict]:
    def target(default):
        if target_port is None:
            return default
        return int(target_port) if str(target_port).isdigit() else target_port

    if port is not None:
        return [{"port": port, "protocol": protocol, "targetPort": target(port)}]
    found = _declared_ports(obj)
    if not found:
        raise UsageError("couldn't find port via --port flag or introspection: give --port, e.g. --port 80")
    if len(found) == 1:
        return [{"port": found[0], "protocol": protocol, "targetPort": target(found[0])}]
    return [{"name": f"port-{i}", "port": p, "protocol": protocol, "targetPort": target(p)}
            for i, p in enumerate(found, 1)]


def _declared_ports(obj: dict) -> list[int]:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Service":
        return [p["port"] for p in spec.get("ports") or [] if "port" in p]
    if obj.get("kind") != "Pod":
        spec = (spec.get("template") or {}).get("spec") or {}
    return [p["containerPort"] for c in spec.get("containers") or [] for p in c.get("ports") or []
            if "containerPort" in p]


def service(type_: str, name: str, *, tcp: list[str] = (), node_port: int | None = None,
            cluster_ip: str | None = None, external_name: str | None = None) -> dict:
    """``kubectl create service clusterip|nodeport|loadbalancer|externalname NAME``."""
    kinds = {"clusterip": "ClusterIP", "nodeport": "NodePort", "loadbalancer": "LoadBalancer",
             "externalname": "ExternalName"}
    if type_ not in kinds:
        raise UsageError(f"create service {type_}: one of clusterip, nodeport, loadbalancer, externalname")
    kind = kinds[type_]
    if kind == "ExternalName" and not external_name:
        raise UsageError("create service externalname needs --external-name, e.g. --external-name db.example.com")
    headless = kind == "ClusterIP" and cluster_ip == "None"
    if not tcp and not headless and kind != "ExternalName":
        raise UsageError(f"create service {type_} needs at least one --tcp PORT[:TARGET], e.g. --tcp 80:8080")
    ports = []
    for spec in tcp:
        port, sep, target = spec.partition(":")
        if not port.isdigit() or (sep and not target):
            raise UsageError(f"--tcp {spec}: use PORT or PORT:TARGET_PORT, e.g. --tcp 80:8080")
        p: dict = {"name": f"{port}-{target}" if sep else port, "port": int(port), "protocol": "TCP",
                   "targetPort": (int(target) if target.isdigit() else target) if sep else int(port)}
        if node_port is not None and kind == "NodePort":
            p["nodePort"] = node_port
        ports.append(p)
    spec: dict = {}
    if ports:
        spec["ports"] = ports
    spec["selector"] = {"app": name}
    spec["type"] = kind
    if cluster_ip is not None and kind == "ClusterIP":
        spec["clusterIP"] = cluster_ip
    if kind == "ExternalName":
        spec["externalName"] = external_name
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {"app": name}},
            "spec": spec, "status": {"loadBalancer": {}}}


_RULE = re.compile(r"^(?P<host>[^/=,]*)(?P<path>/[^=,]*)=(?P<svc>[^:=,]+):(?P<port>[^:=,]+)"
                   r"(?:,tls(?:=(?P<secret>[^=,]+))?)?$")


def _backend(svc: str, port: str) -> dict:
    return {"service": {"name": svc, "port": {"number": int(port)} if port.isdigit() else {"name": port}}}


def ingress(name: str, *, rules: list[str] = (), default_backend: str | None = None,
            class_: str | None = None, annotations: list[str] = ()) -> dict:
    """``kubectl create ingress NAME --rule host/path=svc:port[,tls[=secret]]…``: rules of one
    host share one entry; a path ending in ``*`` is a Prefix, any other an Exact path."""
    if not rules and not default_backend:
        raise UsageError("create ingress needs --rule host/path=service:port (or --default-backend service:port),"
                         " e.g. --rule 'app.example.com/*=web:80'")
    out_rules: list[dict] = []
    by_host: dict[str, dict] = {}
    tls: list[dict] = []
    by_secret: dict = {}
    for text in rules:
        m = _RULE.match(text)
        if not m:
            raise UsageError(f"rule {text} is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]")
        host, path = m["host"], m["path"]
        path_type = "Exact"
        if path.endswith("*"):
            path, path_type = path[:-1], "Prefix"
        if host not in by_host:
            rule: dict = {"host": host} if host else {}
            rule["http"] = {"paths": []}
            by_host[host] = rule
            out_rules.append(rule)
        by_host[host]["http"]["paths"].append({"backend": _backend(m["svc"], m["port"]), "path": path,
                                               "pathType": path_type})
        if ",tls" in text:
            entry = by_secret.get(m["secret"])
            if entry is None:
                entry = by_secret[m["secret"]] = {"hosts": []}
                if m["secret"]:
                    entry["secretName"] = m["secret"]
                tls.append(entry)
            if host and host not in entry["hosts"]:
                entry["hosts"].append(host)
    spec: dict = {}
    if class_:
        spec["ingressClassName"] = class_
    if default_backend:
        svc, sep, port = default_backend.partition(":")
        if not svc or not sep or not port:
            raise UsageError(f"--default-backend {default_backend}: use SERVICE:PORT, e.g. web:80")
        spec["defaultBackend"] = _backend(svc, port)
    if out_rules:
        spec["rules"] = out_rules
    if tls:
        spec["tls"] = tls
    meta: dict = {"name": name}
    if annotations:
        meta["annotations"] = dict(_annotation(a) for a in annotations)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec,
            "status": {"loadBalancer": {}}}


def _annotation(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UsageError(f"--annotation {text!r}: expected KEY=VALUE")
    return key, value
