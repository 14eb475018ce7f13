"""Where k8slab keeps its builds and cluster state (XDG base directories)."""

from __future__ import annotations

import os
from pathlib import Path

from ..config import kubeconfig_path, state_dir  # noqa: F401  (defined once, for the client too)


def cache_dir() -> Path:
    """Root of the build cache: ``$K8SLAB_CACHE_DIR`` or ``$XDG_CACHE_HOME/k8slab``."""
    env = os.environ.get("K8SLAB_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "k8slab"


def bin_dir(component: str, version: str) -> Path:
    """Directory holding the cached binaries of one component at one version."""
    return cache_dir() / "bin" / f"{component}-{version}"
