"""Where k8slab keeps its state: one small module every layer may import (like :mod:`k8slab.errors`).

The client layer reads the kubeconfig path from here, and the engines write it here, so
the client never imports an engine.
"""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """Root of cluster state: ``$K8SLAB_STATE_DIR`` or ``$XDG_STATE_HOME/k8slab``."""
    env = os.environ.get("K8SLAB_STATE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "k8slab"


def kubeconfig_path() -> Path:
    """The kubeconfig file k8slab owns (``$K8SLAB_KUBECONFIG`` overrides it); it never writes
    to ``~/.kube/config``."""
    env = os.environ.get("K8SLAB_KUBECONFIG")
    if env:
        return Path(env)
    return state_dir() / "kubeconfig"
