"""A pod template in ``kubectl describe``'s words: what ``rollout undo --dry-run=client`` prints.

The layout is kubectl's ``DescribePodTemplate``: tab-separated ``Key:<TAB>value`` lines, two
spaces per level, multi-value fields (labels, node selectors, tolerations) continued on lines
that start with a tab. The common fields are covered (labels, annotations, service account,
containers with ports, command, args, resources, probes, environment and mounts, the usual
volume types, node selectors, tolerations); a volume of another type shows ``<unknown>``.
"""

from __future__ import annotations

SKIP_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)
MAX_ANNOTATION = 140


def describe_pod_template(template: dict | None) -> list[str]:
    """The lines kubectl prints for a pod template, starting with ``Pod Template:``.

    Example:
        >>> describe_pod_template({"metadata": {"labels": {"app": "web"}},
        ...                        "spec": {"containers": [{"name": "web", "image": "nginx"}]}})[:2]
        ['Pod Template:', '  Labels:\\tapp=web']
    """
    out = ["Pod Template:"]
    if template is None:
        return out + ["  <unset>"]
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    out += _multiline("  Labels", [f"{k}={v}" for k, v in sorted((meta.get("labels") or {}).items())])
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in SKIP_ANNOTATIONS}
    if annotations:
        out += _multiline("  Annotations", [f"{k}: {_short(v)}" for k, v in sorted(annotations.items())])
    if spec.get("serviceAccountName"):
        out.append(f"  Service Account:\t{spec['serviceAccountName']}")
    if spec.get("initContainers"):
        out += _containers("Init Containers", spec["initContainers"])
    out += _containers("Containers", spec.get("containers") or [])
    out += _volumes(spec.get("volumes") or [])
    if spec.get("priorityClassName"):
        out.append(f"  Priority Class Name:\t{spec['priorityClassName']}")
    out += _multiline("  Node-Selectors", [f"{k}={v}" for k, v in sorted((spec.get("nodeSelector") or {}).items())])
    out += _multiline("  Tolerations", [_toleration(t) for t in sorted(spec.get("tolerations") or [],
                                                                       key=lambda t: t.get("key") or "")])
    return out


def _short(value: str) -> str:
    return value if len(value) <= MAX_ANNOTATION else value[:MAX_ANNOTATION] + "..."


def _multiline(title: str, values: list[str]) -> list[str]:
    if not values:
        return [f"{title}:\t<none>"]
    return [f"{title}:\t{values[0]}"] + [f"\t{v}" for v in values[1:]]


def _toleration(t: dict) -> str:
    text = t.get("key") or ""
    if t.get("value"):
        text += f"={t['value']}"
    if t.get("effect"):
        text += f":{t['effect']}"
    if t.get("operator") == "Exists" and not t.get("value"):
        text += " op=Exists" if (t.get("key") or t.get("effect")) else "op=Exists"
    if t.get("tolerationSeconds") is not None:
        text += f" for {t['tolerationSeconds']}s"
    return text


def _ports(container: dict) -> list[str]:
    ports = container.get("ports") or []
    if not ports:
        return ["    Port:\t<none>", "    Host Port:\t<none>"]

    def fmt(p: dict, key: str) -> str:
        name = f" ({p['name']})" if p.get("name") else ""
        return f"{p.get(key) or 0}/{p.get('protocol') or 'TCP'}{name}"

    plural = "s" if len(ports) > 1 else ""
    return [f"    Port{plural}:\t" + ", ".join(fmt(p, "containerPort") for p in ports),
            f"    Host Port{plural}:\t" + ", ".join(fmt(p, "hostPort") for p in ports)]


def _probe(kind: str, probe: dict | None) -> list[str]:
    if not probe:
        return []
    if "httpGet" in probe:
        h = probe["httpGet"]
        what = (f"http-get {(h.get('scheme') or 'HTTP').lower()}://{h.get('host') or ''}:{h.get('port', '')}"
                f"{h.get('path') or ''}")
    elif "tcpSocket" in probe:
        what = f"tcp-socket {probe['tcpSocket'].get('host') or ''}:{probe['tcpSocket'].get('port', '')}"
    elif "exec" in probe:
        what = f"exec [{' '.join((probe['exec'] or {}).get('command') or [])}]"
    elif "grpc" in probe:
        what = f"grpc <pod>:{probe['grpc'].get('port', '')} {probe['grpc'].get('service') or ''}"
    else:
        what = "unknown"
    return [f"    {kind}:\t{what} delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s"
            f" period={probe.get('periodSeconds', 10)}s successThreshold={probe.get('successThreshold', 1)}"
            f" failureThreshold={probe.get('failureThreshold', 3)}"]


def _env_value(env: dict, container: dict) -> str:
    if "valueFrom" not in env:
        return f"      {env['name']}:\t{env.get('value', '')}"
    src = env["valueFrom"] or {}
    if "fieldRef" in src:
        ref = src["fieldRef"]
        return f"      {env['name']}:\t ({ref.get('apiVersion') or 'v1'}:{ref.get('fieldPath')})"
    if "resourceFieldRef" in src:
        res = src["resourceFieldRef"].get("resource") or ""
        section, _, name = res.partition(".")
        value = ((container.get("resources") or {}).get(section) or {}).get(name)
        return f"      {env['name']}:\t{value or 'node allocatable'} ({res})"
    if "configMapKeyRef" in src:
        ref = src["configMapKeyRef"]
        return (f"      {env['name']}:\t<set to the key '{ref.get('key')}' of config map '{ref.get('name')}'>"
                f"\tOptional: {str(bool(ref.get('optional'))).lower()}")
    if "secretKeyRef" in src:
        ref = src["secretKeyRef"]
        return (f"      {env['name']}:\t<set to the key '{ref.get('key')}' in secret '{ref.get('name')}'>"
                f"\tOptional: {str(bool(ref.get('optional'))).lower()}")
    return f"      {env['name']}:\t<unknown>"


def _env(container: dict) -> list[str]:
    out = []
    if container.get("envFrom"):
        out.append("    Environment Variables from:")
        for src in container["envFrom"]:
            kind, ref = ("ConfigMap", src["configMapRef"]) if "configMapRef" in src else ("Secret", src.get("secretRef") or {})
            prefix = f" with prefix '{src['prefix']}'" if src.get("prefix") else ""
            out.append(f"      {ref.get('name')}\t{kind}{prefix}\tOptional: {str(bool(ref.get('optional'))).lower()}")
    env = container.get("env") or []
    if not env:
        return out + ["    Environment:\t<none>"]
    return out + ["    Environment:"] + [_env_value(e, container) for e in env]


def _mounts(container: dict) -> list[str]:
    mounts = sorted(container.get("volumeMounts") or [], key=lambda m: m.get("mountPath") or "")
    if not mounts:
        return ["    Mounts:\t<none>"]
    out = ["    Mounts:"]
    for m in mounts:
        flags = ["ro" if m.get("readOnly") else "rw"] + ([f'path="{m["subPath"]}"'] if m.get("subPath") else [])
        out.append(f"      {m.get('mountPath')} from {m.get('name')} ({','.join(flags)})")
    return out


def _containers(title: str, containers: list[dict]) -> list[str]:
    out = [f"  {title}:"]
    for c in containers:
        out += [f"   {c.get('name')}:", f"    Image:\t{c.get('image', '')}"] + _ports(c)
        for key, label in (("command", "Command"), ("args", "Args")):
            if c.get(key):
                out.append(f"    {label}:")
                out += [f"      {line}" for arg in c[key] for line in str(arg).split("\n")]
        for section in ("limits", "requests"):
            values = (c.get("resources") or {}).get(section) or {}
            if values:
                out.append(f"    {section.capitalize()}:")
                out += [f"      {k}:\t{v}" for k, v in sorted(values.items())]
        out += _probe("Liveness", c.get("livenessProbe")) + _probe("Readiness", c.get("readinessProbe"))
        out += _probe("Startup", c.get("startupProbe"))
        out += _env(c) + _mounts(c)
    return out


_VOLUME_TYPES = {
    "emptyDir": ("EmptyDir (a temporary directory that shares a pod's lifetime)",
                 (("Medium", "medium", ""), ("SizeLimit", "sizeLimit", "<unset>"))),
    "configMap": ("ConfigMap (a volume populated by a ConfigMap)", (("Name", "name", ""), ("Optional", "optional", False))),
    "secret": ("Secret (a volume populated by a Secret)", (("SecretName", "secretName", ""), ("Optional", "optional", False))),
    "persistentVolumeClaim": ("PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
                              (("ClaimName", "claimName", ""), ("ReadOnly", "readOnly", False))),
    "hostPath": ("HostPath (bare host directory volume)", (("Path", "path", ""), ("HostPathType", "type", ""))),
}


def _volumes(volumes: list[dict]) -> list[str]:
    if not volumes:
        return ["  Volumes:\t<none>"]
    out = ["  Volumes:"]
    for v in volumes:
        out.append(f"   {v.get('name')}:")
        kind = next((k for k in _VOLUME_TYPES if k in v), None)
        if kind is None:
            out.append("    <unknown>")
            continue
        title, fields = _VOLUME_TYPES[kind]
        src = v[kind] or {}
        out.append(f"    Type:\t{title}")
        for label, key, default in fields:
            value = src.get(key, default)
            out.append(f"    {label}:\t{str(value).lower() if isinstance(value, bool) else value}")
    return out
