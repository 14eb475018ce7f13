"""k8slab: a Jupyter lab-notebook kit for learning and testing Kubernetes.

Load the IPython extension with ``%load_ext k8slab``. The public Python API
(``k8slab.get``, ``k8slab.apply``, ...) is imported lazily so that loading the
extension stays cheap.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# name -> module that defines it; resolved on first attribute access (PEP 562)
_LAZY = {
    "get": "k8slab.api.read.get",
    "apply": "k8slab.api.apply.server_side",
    "delete": "k8slab.api.write.delete",
    "create": "k8slab.api.write.create",
    "run": "k8slab.api.write.create",
    "expose": "k8slab.api.write.create",
    "describe": "k8slab.api.read.describe",
    "logs": "k8slab.api.read.logs",
    "exec": "k8slab.api.read.exec",
    "runs_containers": "k8slab.api.read.runtime",
    "events": "k8slab.api.read.events",
    "scale": "k8slab.api.write.scale",
    "cordon": "k8slab.api.write.nodes",
    "uncordon": "k8slab.api.write.nodes",
    "drain": "k8slab.api.write.nodes",
    "taint": "k8slab.api.write.nodes",
    "label": "k8slab.api.write.labels",
    "annotate": "k8slab.api.write.labels",
    "patch": "k8slab.api.write.patch",
    "set_image": "k8slab.api.write.set_image",
    "rollout": "k8slab.api.write.rollout",
    "wait": "k8slab.api.watch.wait",
    "explain": "k8slab.api.read.explain",
    "api_resources": "k8slab.api.read.discovery",
    "tree": "k8slab.api.read.tree",
    "version": "k8slab.api.read.version",
    "cluster_info": "k8slab.api.read.version",
    "use": "k8slab.client.session",
    "check": "k8slab.api.watch.check",
    "curl": "k8slab.api.read.curl",
    "addons": "k8slab.api.write.addons",
}


__all__ = sorted(_LAZY)


def __dir__() -> list[str]:
    """The verbs too, before first use (``k8slab.<TAB>`` in Jupyter), without importing them."""
    return sorted(set(globals()) | set(_LAZY))


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'k8slab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def load_ipython_extension(ipython):
    """Register the ``%k8s`` line and ``%%k8s`` cell magics."""
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):
    """Stop widget threads and watches started by the extension."""
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)
