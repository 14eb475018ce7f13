"""Objects built from flags, as ``kubectl create TYPE NAME --flags`` builds them.

Pure functions: no cluster access except the CronJob a Job is made from, which
the caller fetches and passes in. Field for field what kubectl v1.37 generates,
so ``--dry-run=client -o yaml`` teaches the same YAML.
"""

from __future__ import annotations

import base64
import os
import re

from k8slab.errors import UsageError

_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


def namespace(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}, "spec": {}, "status": {}}


def deployment(name: str, images: list[str], replicas: int = 1, port: int | None = None,
               command: list[str] | None = None) -> dict:
    """kubectl's: label ``app: NAME``, one container per image named after the image."""
    if not images:
        raise UsageError("create deployment needs --image, e.g. %k8s create deployment web --image nginx:1.27")
    if replicas < 0:
        raise UsageError(f"--replicas must be 0 or more, got {replicas}")
    if command and len(images) > 1:
        raise UsageError("a command (after --) can be given with one --image only")
    containers = []
    for image in images:
        c: dict = {"name": _container_name(image), "image": image, "resources": {}}
        if command:
            c["command"] = list(command)
        if port is not None:
            c["ports"] = [{"containerPort": port}]
        containers.append(c)
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": dict(labels)},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                     "strategy": {},
                     "template": {"metadata": {"labels": dict(labels)},
                                  "spec": {"containers": containers}}},
            "status": {}}


def _container_name(image: str) -> str:
    """kubectl names a container after its image: last path part, tag and digest cut."""
    base = image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    return re.sub(r"[^a-z0-9-]", "-", base.lower()).strip("-") or "container"


def job(name: str, image: str | None = None, command: list[str] | None = None) -> dict:
    if not image:
        raise UsageError("create job needs --image or --from=cronjob/NAME, e.g. "
                         "%k8s create job hello --image busybox:1.36 -- date")
    c: dict = {"name": name, "image": image, "resources": {}}
    if command:
        c["command"] = list(command)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"template": {"metadata": {},
                                  "spec": {"containers": [c], "restartPolicy": "Never"}}},
            "status": {}}


def job_from_cronjob(name: str, cronjob: dict) -> dict:
    """``kubectl create job NAME --from=cronjob/CJ``: the CronJob's jobTemplate, marked manual,
    owned by the CronJob (so deleting the CronJob deletes it)."""
    template = (cronjob.get("spec") or {}).get("jobTemplate") or {}
    meta = cronjob.get("metadata") or {}
    tmeta = template.get("metadata") or {}
    annotations = {**(tmeta.get("annotations") or {}), "cronjob.kubernetes.io/instantiate": "manual"}
    out_meta: dict = {"name": name, "annotations": annotations,
                      "ownerReferences": [{"apiVersion": cronjob.get("apiVersion", "batch/v1"),
                                           "kind": "CronJob", "name": meta.get("name"),
                                           "uid": meta.get("uid"), "controller": True}]}
    if tmeta.get("labels"):
        out_meta["labels"] = dict(tmeta["labels"])
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": out_meta,
            "spec": template.get("spec") or {}, "status": {}}


def _pairs(literals: list[str], files: list[str], what: str) -> dict[str, bytes]:
    """``--from-literal=k=v`` and ``--from-file=[key=]path`` (a directory adds its files)."""
    out: dict[str, bytes] = {}

    def put(key: str, value: bytes, source: str) -> None:
        if not _KEY.match(key):
            raise UsageError(f"{source}: {key!r} is not a valid {what} key (letters, digits, '-', '_', '.')")
        if key in out:
            raise UsageError(f"{source}: key {key!r} is given twice")
        out[key] = value

    for item in literals:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--from-literal={item}: use KEY=VALUE, e.g. --from-literal=mode=dev")
        put(key, value.encode(), f"--from-literal={item}")
    for item in files:
        key, sep, path = item.partition("=")
        if not sep:
            key, path = "", item
        path = os.path.expanduser(path)
        if os.path.isdir(path):
            if key:
                raise UsageError(f"--from-file={item}: a key cannot name a directory's files")
            for entry in sorted(os.listdir(path)):
                full = os.path.join(path, entry)
                if os.path.isfile(full) and _KEY.match(entry):
                    put(entry, _read(full, f"--from-file={item}"), f"--from-file={item}")
            continue
        put(key or os.path.basename(path), _read(path, f"--from-file={item}"), f"--from-file={item}")
    return out


def _read(path: str, flag: str) -> bytes:
    """The file's bytes; ``flag`` (``--cert tls.crt``) names where the path was given."""
    try:
        with open(os.path.expanduser(path), "rb") as f:
            return f.read()
    except OSError as e:
        raise UsageError(f"{flag}: cannot read {path}: {e.strerror}"
                         f" (relative paths start at {os.getcwd()})") from None


def configmap(name: str, literals: list[str] = (), files: list[str] = ()) -> dict:
    obj: dict = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
    data, binary = {}, {}
    for key, value in _pairs(list(literals), list(files), "ConfigMap").items():
        try:
            data[key] = value.decode("utf-8")
        except UnicodeDecodeError:
            binary[key] = base64.b64encode(value).decode()
    if data:
        obj["data"] = data
    if binary:
        obj["binaryData"] = binary
    return obj


def secret_generic(name: str, literals: list[str] = (), files: list[str] = (),
                   type_: str | None = None) -> dict:
    data = {k: base64.b64encode(v).decode() for k, v in _pairs(list(literals), list(files), "Secret").items()}
    obj: dict = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}}
    if data:
        obj["data"] = data
    if type_:
        obj["type"] = type_  # the server defaults it to Opaque
    return obj


def secret_tls(name: str, cert: str | None, key: str | None) -> dict:
    if not cert or not key:
        raise UsageError("create secret tls needs --cert and --key, e.g. "
                         "%k8s create secret tls web-tls --cert tls.crt --key tls.key")
    crt, pem = _read(cert, f"--cert {cert}"), _read(key, f"--key {key}")
    if b"-----BEGIN CERTIFICATE-----" not in crt:
        raise UsageError(f"--cert {cert}: not a PEM certificate (no BEGIN CERTIFICATE line)")
    if b"PRIVATE KEY-----" not in pem:
        raise UsageError(f"--key {key}: not a PEM private key (no BEGIN … PRIVATE KEY line)")
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
            "data": {"tls.crt": base64.b64encode(crt).decode(), "tls.key": base64.b64encode(pem).decode()},
            "type": "kubernetes.io/tls"}


_RESTART = ("Always", "OnFailure", "Never")


def pod(name: str, image: str | None, *, labels: str | None = None, env: list[str] = (), port: int | None = None,
        restart: str = "Always", args: list[str] | None = None, command: bool = False) -> dict:
    """``kubectl run``'s pod: label ``run: NAME`` (or ``--labels``), one container named NAME."""
    if not image:
        raise UsageError("run needs --image, e.g. %k8s run web --image nginx:1.27")
    if restart not in _RESTART:
        raise UsageError(f"invalid restart policy: {restart}, valid values are: {', '.join(_RESTART)}")
    if command and not args:
        raise UsageError("--command needs the command after --, e.g. %k8s run t --image busybox:1.36"
                         " --command -- sh -c 'echo hi'")
    c: dict = {"name": name, "image": image, "resources": {}}
    if args:
        c["command" if command else "args"] = list(args)
    if env:
        c["env"] = [dict(zip(("name", "value"), _pair(e, "--env"))) for e in env]
    if port is not None:
        c["ports"] = [{"containerPort": port}]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels_from(labels) if labels else {"run": name}},
            "spec": {"containers": [c], "dnsPolicy": "ClusterFirst", "restartPolicy": restart},
            "status": {}}


def _pair(text: str, flag: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UsageError(f"{flag} {text!r}: expected KEY=VALUE")
    return key, value


def labels_from(text: str) -> dict:
    """``a=b,c=d`` (``--labels``, ``--selector``) as a dict."""
    return dict(_pair(p, "--labels") for p in text.split(",") if p)


def _go_json(obj) -> bytes:
    """JSON as Go's encoding/json writes it (compact; <, >, & and U+2028/9 escaped)."""
    import json

    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text.encode()


def secret_docker_registry(name: str, *, server: str | None = None, username: str | None = None,
                           password: str | None = None, email: str | None = None) -> dict:
    """``kubectl create secret docker-registry``: a ``.dockerconfigjson`` with one registry."""
    if not username or not password:
        raise UsageError("create secret docker-registry needs --docker-username and --docker-password"
                         " (and --docker-server, default Docker Hub)")
    entry = {"username": username, "password": password}
    if email:
        entry["email"] = email
    entry["auth"] = base64.b64encode(f"{username}:{password}".encode()).decode()
    config = _go_json({"auths": {server or "https://index.docker.io/v1/": entry}})
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
            "data": {".dockerconfigjson": base64.b64encode(config).decode()},
            "type": "kubernetes.io/dockerconfigjson"}


def cronjob(name: str, image: str | None, schedule: str | None, *, restart: str | None = None,
            command: list[str] | None = None) -> dict:
    """``kubectl create cronjob NAME --image I --schedule S [-- COMMAND…]``."""
    if not image or not schedule:
        raise UsageError("create cronjob needs --image and --schedule, e.g. %k8s create cronjob hello"
                         " --image busybox:1.36 --schedule '*/1 * * * *' -- date")
    restart = restart or "OnFailure"
    if restart not in ("OnFailure", "Never"):
        raise UsageError(f"--restart={restart}: a CronJob's pods restart OnFailure or Never")
    c: dict = {"name": name, "image": image, "resources": {}}
    if command:
        c["command"] = list(command)
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"jobTemplate": {"metadata": {"name": name},
                                     "spec": {"template": {"metadata": {},
                                                           "spec": {"containers": [c], "restartPolicy": restart}}}},
                     "schedule": schedule},
            "status": {}}
