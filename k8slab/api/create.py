"""``k8slab.create``: make one object from flags, like ``kubectl create TYPE NAME``.

``kubectl create job --from=cronjob/…`` runs a CronJob now; ``create deployment …
--dry-run=client -o yaml`` is how many learners write their first manifest.
"""

from __future__ import annotations

from ..client import session as _session
from ..errors import UsageError
from . import generators as gen
from .output import TextResult, strip_managed_fields, to_json, to_yaml
from .secrets import mask_secret

# kubectl's names for what ``create`` makes -> canonical name
KINDS = {"namespace": "namespace", "ns": "namespace",
         "deployment": "deployment", "deploy": "deployment",
         "job": "job",
         "configmap": "configmap", "cm": "configmap",
         "secret generic": "secret generic", "secret tls": "secret tls"}

def build(kind: str, name: str, *, namespace: str | None = None, image: list[str] | str | None = None,
          replicas: int = 1, port: int | None = None, command: list[str] | None = None,
          from_: str | None = None, from_literal: list[str] = (), from_file: list[str] = (),
          type_: str | None = None, cert: str | None = None, key: str | None = None) -> dict:
    """The object ``create`` would send (nothing is sent)."""
    what = KINDS.get(kind)
    if what is None:
        raise UsageError(f"create: cannot create {kind!r}; one of: namespace, deployment, job, configmap, "
                         "secret generic, secret tls (for anything else write YAML: %%k8s apply)")
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
    if what == "configmap":
        return gen.configmap(name, from_literal, from_file)
    if what == "secret generic":
        return gen.secret_generic(name, from_literal, from_file, type_)
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


def create(kind: str, name: str, *, namespace: str | None = None, dry_run: str | None = None,
           output: str | None = None, show_secrets: bool = False, **flags) -> TextResult:
    """Create one object from flags, like ``kubectl create``.

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
        **flags: ``image`` (str or list), ``replicas``, ``port``, ``command`` (list),
            ``from_`` (``cronjob/NAME``), ``from_literal``/``from_file`` (lists),
            ``type_``, ``cert``, ``key``: as :func:`build` takes them.

    Returns:
        ``job.batch/hello-now created`` (kubectl's line), or the object's YAML/JSON/name.

    Example:
        >>> k8slab.create("job", "hello-now", from_="cronjob/hello")   # doctest: +SKIP
        job.batch/hello-now created
    """
    if dry_run not in (None, "none", "client", "server"):
        raise UsageError(f"--dry-run={dry_run}: use none, client or server")
    if output not in (None, "yaml", "json", "name"):
        raise UsageError(f"-o {output}: create prints yaml, json or name")
    obj = build(kind, name, namespace=namespace, **flags)
    s = _session.current()
    info = s.resolve_kind(obj["apiVersion"], obj["kind"])
    ns = (namespace or s.namespace) if info.namespaced else None
    if ns and (namespace or dry_run != "client"):  # kubectl's client dry run names only a given -n
        obj["metadata"]["namespace"] = ns
    if dry_run != "client":
        query = {"fieldManager": "kubectl-create", "dryRun": "All" if dry_run == "server" else None}
        obj = s.request("POST", s.path(info, ns), body=obj, query=query)
    ref = f"{info.name_prefix}/{name}"
    if output == "name":
        return TextResult(ref, obj)
    if output in ("yaml", "json"):
        shown = strip_managed_fields(obj if show_secrets else mask_secret(obj))
        return TextResult((to_yaml if output == "yaml" else to_json)(shown).rstrip("\n"), obj)
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run or "", "")
    return TextResult(f"{ref} created{suffix}", obj)
