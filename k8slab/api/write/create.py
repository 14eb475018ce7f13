"""``k8slab.create``: make one object from flags, like ``kubectl create TYPE NAME``.

``kubectl create job --from=cronjob/…`` runs a CronJob now; ``create deployment …
--dry-run=client -o yaml`` is how many learners write their first manifest.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from k8slab.api.args.checks import checked
from k8slab.api.args.dry_run import DryRun
from k8slab.api.generators import network as gen_net
from k8slab.api.generators import objects as gen
from k8slab.api.output.formats import TextResult
from k8slab.api.write.edits import printed
from k8slab.client import session as _session
from k8slab.errors import UsageError

# kubectl's names for what ``create`` makes -> canonical name
KINDS = {"namespace": "namespace", "ns": "namespace",
         "deployment": "deployment", "deploy": "deployment",
         "job": "job", "cronjob": "cronjob", "cj": "cronjob",
         "configmap": "configmap", "cm": "configmap",
         "secret generic": "secret generic", "secret tls": "secret tls",
         "secret docker-registry": "secret docker-registry",
         "service clusterip": "service clusterip", "service nodeport": "service nodeport",
         "service loadbalancer": "service loadbalancer", "service externalname": "service externalname",
         "ingress": "ingress", "ing": "ingress"}


def build(kind: str, name: str, *, namespace: str | None = None, image: list[str] | str | None = None,
          replicas: int = 1, port: int | None = None, command: list[str] | None = None,
          from_: str | None = None, from_literal: list[str] = (), from_file: list[str] = (),
          type_: str | None = None, cert: str | None = None, key: str | None = None,
          schedule: str | None = None, restart: str | None = None,
          docker_server: str | None = None, docker_username: str | None = None,
          docker_password: str | None = None, docker_email: str | None = None,
          tcp: list[str] = (), node_port: int | None = None, clusterip: str | None = None,
          external_name: str | None = None, rule: list[str] = (), default_backend: str | None = None,
          class_: str | None = None, annotation: list[str] = ()) -> dict:
    """The object ``create`` would send (nothing is sent)."""
    what = KINDS.get(kind)
    if what is None:
        raise UsageError(f"create: cannot create {kind!r}; one of: namespace, deployment, job, cronjob, configmap,"
                         " secret generic|tls|docker-registry, service clusterip|nodeport|loadbalancer|externalname,"
                         " ingress (for anything else write YAML: %%k8s apply)")
    if not name:
        raise UsageError(f"create {what} needs a NAME")
    images = [image] if isinstance(image, str) else list(image or [])
    if what == "namespace":
        return gen.namespace(name)
    if what == "deployment":
        return gen.deployment(name, images, replicas=replicas, port=port, command=command)
    if what == "job":
        if from_:
            return _job_from(name, from_, namespace, images, command)
        return gen.job(name, images[0] if images else None, command)
    if what == "cronjob":
        return gen.cronjob(name, images[0] if images else None, schedule, restart=restart, command=command)
    if what == "configmap":
        return gen.configmap(name, from_literal, from_file)
    if what == "secret generic":
        return gen.secret_generic(name, from_literal, from_file, type_)
    if what == "secret docker-registry":
        return gen.secret_docker_registry(name, server=docker_server, username=docker_username,
                                          password=docker_password, email=docker_email)
    if what.startswith("service "):
        return gen_net.service(what.split()[1], name, tcp=list(tcp), node_port=node_port, cluster_ip=clusterip,
                               external_name=external_name)
    if what == "ingress":
        return gen_net.ingress(name, rules=list(rule), default_backend=default_backend, class_=class_,
                               annotations=list(annotation))
    return gen.secret_tls(name, cert, key)


def _job_from(name, source, namespace, images, command) -> dict:
    if images or command:
        raise UsageError("create job: --from cannot be combined with --image or a command")
    typ, sep, cj = source.partition("/")
    if not sep or typ.lower() not in ("cronjob", "cronjobs", "cj", "cronjob.batch") or not cj:
        raise UsageError(f"--from={source}: give cronjob/NAME, e.g. --from=cronjob/hello")
    s = _session.current()
    info = s.resolve("cronjob")
    cronjob = s.request("GET", s.path(info, namespace or s.namespace, cj))
    return gen.job_from_cronjob(name, cronjob)


@checked
def create(kind: str | None = None, name: str | None = None, *,
           files: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
           manifest: str | Mapping | Iterable[Mapping] | None = None,
           namespace: str | None = None, dry_run: DryRun = None, output: str | None = None,
           show_secrets: bool = False, **flags) -> TextResult:
    """Create one object from flags, like ``kubectl create TYPE NAME``; or the objects of YAML
    documents, like ``kubectl create -f`` (``files=`` or ``manifest=``).

    Args:
        kind: ``namespace``, ``deployment``, ``job``, ``configmap``, ``secret generic`` or
            ``secret tls`` (kubectl's short names too: ``ns``, ``deploy``, ``cm``).
        name: the new object's name.
        namespace: defaults to the session's (not used for a namespace).
        dry_run: ``"client"`` (build it, send nothing), ``"server"`` (the server checks it,
            nothing is stored) or None.
        output: ``yaml``, ``json`` or ``name`` to print the object instead of the result line.
        show_secrets: print Secret values with ``-o yaml|json`` (masked by default, since
            notebooks are saved with their outputs).
        files: Instead of ``kind``/``name``: files or directories of YAML documents, each
            object POSTed as ``kubectl create -f`` does (``metadata.generateName`` works; see
            :func:`k8slab.api.write.create_manifests.create_from`).
        manifest: Instead of ``kind``/``name``: YAML text, an object dict or a list of them.
        **flags: ``image`` (str or list), ``replicas``, ``port``, ``command`` (list),
            ``from_`` (``cronjob/NAME``), ``from_literal``/``from_file`` (lists),
            ``type_``, ``cert``, ``key``: as :func:`build` takes them.

    Returns:
        ``job.batch/hello-now created`` (kubectl's line), or the object's YAML/JSON/name;
        ``.data`` is the object (with ``files``/``manifest``: the list of objects).

    Raises:
        UsageError: A bad type, flag or argument; nothing was sent.
        CreateError: With ``files``/``manifest``, the server refused some objects
            (e.g. AlreadyExists); the others were created.
        ApiError: The server refused the object.

    Example:
        >>> k8slab.create("job", "hello-now", from_="cronjob/hello")   # doctest: +SKIP
        job.batch/hello-now created
    """
    if files is not None or manifest is not None:
        if kind is not None or name is not None or flags:
            extra = ", ".join(["TYPE NAME"] * (kind is not None or name is not None) + sorted(flags))
            raise UsageError(f"create: give YAML (files=/manifest=, -f or the cell) or TYPE NAME with flags,"
                             f" not both ({extra} do not apply to YAML).")
        from k8slab.api.write.create_manifests import create_from

        return create_from(manifest, files=files, namespace=namespace, dry_run=dry_run, output=output,
                           show_secrets=show_secrets)
    if kind is None:
        raise UsageError("create needs TYPE and NAME (e.g. create('deployment', 'web', image='nginx:1.27')),"
                         " or YAML: files= or manifest=.")
    obj = build(kind, name, namespace=namespace, **flags)
    return submit(obj, namespace=namespace, dry_run=dry_run, output=output, show_secrets=show_secrets)


def submit(obj: dict, *, namespace: str | None, dry_run: DryRun, output: str | None,
           show_secrets: bool = False, action: str = "created", field_manager: str = "kubectl-create") -> TextResult:
    """POST a built object (unless ``dry_run="client"``) and print it as kubectl does."""
    from k8slab.api.args.dry_run import parse

    dry_run = parse(dry_run, "create")
    if output not in (None, "yaml", "json", "name"):
        raise UsageError(f"-o {output}: use yaml, json or name")
    s = _session.current()
    info = s.resolve_kind(obj["apiVersion"], obj["kind"])
    name = obj["metadata"]["name"]
    ns = (namespace or obj["metadata"].get("namespace") or s.namespace) if info.namespaced else None
    if ns and (namespace or dry_run != "client"):  # kubectl's client dry run names only a given -n
        obj["metadata"]["namespace"] = ns
    if dry_run != "client":
        query = {"fieldManager": field_manager, "dryRun": "All" if dry_run == "server" else None}
        obj = s.request("POST", s.path(info, ns), body=obj, query=query)
    return TextResult(printed(f"{info.name_prefix}/{name}", action, obj, dry_run, output,
                              show_secrets=show_secrets), obj)


@checked
def run(name: str, *, image: str | None = None, args: list[str] | None = None, command: bool = False,
        env: list[str] = (), port: int | None = None, labels: str | None = None, restart: str = "Always",
        namespace: str | None = None, dry_run: DryRun = None, output: str | None = None) -> TextResult:
    """Start one pod, like ``kubectl run NAME --image IMAGE [-- ARGS…]``.

    Args:
        name: The pod's name (and its container's).
        image: The container image (required).
        args: Arguments after ``--``: the container's ``args``, or its ``command`` with ``command=True``.
        env: ``KEY=VALUE`` strings.
        port: A container port to declare.
        labels: ``a=b,c=d`` instead of the default ``run=NAME``.
        restart: ``Always`` (default), ``OnFailure`` or ``Never``.
        namespace, dry_run, output: as for :func:`create`.

    Example:
        >>> k8slab.run("web", image="nginx:1.27", port=80)  # doctest: +SKIP
        pod/web created
    """
    obj = gen.pod(name, image, labels=labels, env=list(env), port=port, restart=restart, args=args,
                  command=command)
    return submit(obj, namespace=namespace, dry_run=dry_run, output=output, field_manager="kubectl-run")


@checked
def expose(target: str, *names: str, port: int | None = None, target_port: str | int | None = None,
           type: str | None = None, name: str | None = None, protocol: str = "TCP",  # noqa: A002
           selector: str | None = None, namespace: str | None = None, dry_run: DryRun = None,
           output: str | None = None) -> TextResult:
    """Create a Service for a Deployment, ReplicaSet, Pod, Service or ReplicationController, like
    ``kubectl expose``: it selects the object's pods (by its selector, or a pod's labels).

    Args:
        target: ``deploy/web``, or a TYPE with the name as the next argument.
        port: The Service's port (default: the port the pods declare, if they declare any).
        target_port: The pods' port (number or name; default: ``port``).
        type: ``ClusterIP`` (default), ``NodePort``, ``LoadBalancer`` or ``ExternalName``.
        name: The Service's name (default: the object's).
        protocol: ``TCP`` (default), ``UDP`` or ``SCTP``.
        selector: ``a=b,c=d`` instead of the object's selector.
        namespace, dry_run, output: as for :func:`create`.

    Example:
        >>> k8slab.expose("deploy/web", port=80, target_port=8080, type="NodePort")  # doctest: +SKIP
        service/web exposed
    """
    from k8slab.api.args.targets import parse

    found = parse([target, *names], namespace, verb="expose")
    if len(found) != 1:
        raise UsageError("expose makes a Service for one object: give one TYPE/NAME.")
    obj = found[0].get()
    obj.setdefault("kind", found[0].info.kind)
    svc = gen_net.service_for(obj, name=name, port=port, target_port=None if target_port is None else str(target_port),
                          type_=type, protocol=protocol, selector=selector)
    return submit(svc, namespace=namespace, dry_run=dry_run, output=output, action="exposed",
                  field_manager="kubectl-expose")
