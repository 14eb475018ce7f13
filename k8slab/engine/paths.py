"""Where k8slab keeps its builds and cluster state (XDG base directories)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Root of the build cache: ``$K8SLAB_CACHE_DIR`` or ``$XDG_CACHE_HOME/k8slab``."""
    env = os.environ.get("K8SLAB_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "k8slab"


def state_dir() -> Path:
    """Root of cluster state: ``$K8SLAB_STATE_DIR`` or ``$XDG_STATE_HOME/k8slab``."""
    env = os.environ.get("K8SLAB_STATE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "k8slab"


def kubeconfig_path() -> Path:
    """The kubeconfig file k8slab owns; it never writes to ``~/.kube/config``."""
    env = os.environ.get("K8SLAB_KUBECONFIG")
    if env:
        return Path(env)
    return state_dir() / "kubeconfig"


def bin_dir(component: str, version: str) -> Path:
    """Directory holding the cached binaries of one component at one version."""
    return cache_dir() / "bin" / f"{component}-{version}"
