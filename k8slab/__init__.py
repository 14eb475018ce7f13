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
    "get": "k8slab.api.get",
    "apply": "k8slab.api.apply",
    "delete": "k8slab.api.delete",
    "create": "k8slab.api.create",
    "run": "k8slab.api.create",
    "expose": "k8slab.api.create",
    "describe": "k8slab.api.describe",
    "logs": "k8slab.api.logs",
    "exec": "k8slab.api.exec",
    "runs_containers": "k8slab.api.runtime",
    "events": "k8slab.api.events",
    "scale": "k8slab.api.scale",
    "cordon": "k8slab.api.nodes",
    "uncordon": "k8slab.api.nodes",
    "drain": "k8slab.api.nodes",
    "taint": "k8slab.api.nodes",
    "label": "k8slab.api.labels",
    "annotate": "k8slab.api.labels",
    "patch": "k8slab.api.patch",
    "set_image": "k8slab.api.set_image",
    "rollout": "k8slab.api.rollout",
    "wait": "k8slab.api.wait",
    "explain": "k8slab.api.explain",
    "api_resources": "k8slab.api.discovery",
    "tree": "k8slab.api.tree",
    "version": "k8slab.api.version",
    "cluster_info": "k8slab.api.version",
    "use": "k8slab.client.session",
    "check": "k8slab.api.check",
    "curl": "k8slab.api.curl",
    "addons": "k8slab.api.addons",
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
