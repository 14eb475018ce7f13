"""Find the kubeconfig and context to use, and guard against non-lab clusters.

k8slab's own kubeconfig (:func:`k8slab.config.kubeconfig_path`, which
``K8SLAB_KUBECONFIG`` overrides) comes first; ``KUBECONFIG`` or
``~/.kube/config`` only serve contexts it does not define. Only the lab
contexts pass the guard unless the caller opts in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..config import kubeconfig_path
from ..errors import ClusterUnreachableError, ContextGuardError

LAB_CONTEXTS = ("kwok-k8slab", "kind-k8slab")
_UP_HINT = "Start the lab cluster with: k8slab up"


@dataclass(frozen=True)
class ContextChoice:
    """A resolved kubeconfig context: where it is defined and what it points at."""

    name: str
    files: tuple[str, ...]  # kubeconfig files to load, merged in order
    server: str | None
    namespace: str | None
    is_lab: bool


def _read(path: str) -> dict:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as e:
        raise ClusterUnreachableError(f"Cannot read the kubeconfig {path}: {e}") from e
    return data if isinstance(data, dict) else {}


def _named(items, key: str) -> dict:
    out: dict = {}
    for item in items or []:
        if isinstance(item, dict) and item.get("name") and item["name"] not in out:
            out[item["name"]] = item.get(key) or {}
    return out


def user_kubeconfig_files() -> list[str]:
    """``KUBECONFIG``'s files (``:``-separated), else ``~/.kube/config``; only existing ones."""
    env = os.environ.get("KUBECONFIG")
    paths = [p for p in env.split(os.pathsep) if p] if env else [str(Path.home() / ".kube" / "config")]
    return [p for p in paths if os.path.isfile(p)]


class _Merged:
    """Contexts and clusters of several kubeconfig files, the first definition winning."""

    def __init__(self, files: list[str]):
        self.files = files
        self.contexts: dict = {}
        self.clusters: dict = {}
        self.current = None
        for f in files:
            data = _read(f)
            for k, v in _named(data.get("contexts"), "context").items():
                self.contexts.setdefault(k, v)
            for k, v in _named(data.get("clusters"), "cluster").items():
                self.clusters.setdefault(k, v)
            if self.current is None and data.get("current-context"):
                self.current = data["current-context"]

    def server(self, context: str) -> str | None:
        cluster = (self.contexts.get(context) or {}).get("cluster")
        return (self.clusters.get(cluster) or {}).get("server")


def choose_context(context: str | None = None, *, allow_non_lab: bool = False) -> ContextChoice:
    """Pick the kubeconfig file(s) and context to use, applying the lab guard.

    Args:
        context: a context name, or ``None`` for the lab kubeconfig's current
            context (else the user kubeconfig's current context).
        allow_non_lab: let a context that is not a lab cluster through.

    Raises:
        ClusterUnreachableError: no kubeconfig, or the context is not defined.
        ContextGuardError: the context is not a lab cluster and was not allowed.
    """
    lab_file = str(kubeconfig_path())
    lab = _Merged([lab_file] if os.path.isfile(lab_file) else [])
    lab_names = set(LAB_CONTEXTS) | set(lab.contexts)
    user: _Merged | None = None

    def user_cfg() -> _Merged:
        nonlocal user
        if user is None:
            user = _Merged(user_kubeconfig_files())
        return user

    if context is None:
        if lab.contexts:
            name = lab.current if lab.current in lab.contexts else next(iter(lab.contexts))
            src = lab
        else:
            src = user_cfg()
            name = src.current
            if not name:
                looked = ", ".join([lab_file] + (src.files or ["~/.kube/config"]))
                raise ClusterUnreachableError(
                    f"No kubeconfig context found (looked at {looked}). {_UP_HINT}")
    elif context in lab.contexts:
        name, src = context, lab
    else:
        src = user_cfg()
        if context not in src.contexts:
            known = sorted(set(lab.contexts) | set(src.contexts))
            raise ClusterUnreachableError(
                f"Context {context!r} is not defined in {', '.join([lab_file] + src.files)}. "
                f"Known contexts: {', '.join(known) or 'none'}. {_UP_HINT}")
        name = context
    ctx = src.contexts.get(name)
    if ctx is None:
        raise ClusterUnreachableError(
            f"The current context {name!r} is not defined in {', '.join(src.files)}. {_UP_HINT}")
    server = src.server(name)
    is_lab = name in lab_names
    if not is_lab and not allow_non_lab:
        raise ContextGuardError(
            f"Context {name!r} (server {server or 'unknown'}) is not a k8slab lab cluster; "
            f"k8slab only acts on {', '.join(LAB_CONTEXTS)} by default.\n"
            f"To use it anyway: %k8s use --context {name} --allow-non-lab "
            f"(Python: k8slab.use(context={name!r}, allow_non_lab=True)).")
    return ContextChoice(name=name, files=tuple(src.files), server=server,
                         namespace=ctx.get("namespace"), is_lab=is_lab)
