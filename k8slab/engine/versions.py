"""The one place where the engine's upstream versions are pinned.

Everything the Docker-less engine builds comes from these Go modules, at these
versions. Bumping a version here makes ``k8slab build`` build a new, separately
cached set of binaries; nothing else needs editing.
"""

from __future__ import annotations

KUBERNETES = "v1.37.2"
"""k8s.io/kubernetes; the staging modules (k8s.io/api, ...) are pinned at v0.<minor>.<patch>."""

ETCD = "v3.6.16"
"""go.etcd.io/etcd/server/v3, built in a module of its own."""

KWOK = "v0.8.0"
"""sigs.k8s.io/kwok: the ``kwok`` node simulator and ``kwokctl``."""

KIND = "v0.33.0"
"""sigs.k8s.io/kind for the kind engine (installed by the user or CI; kind picks its node image).
Keep .github/workflows/notebooks-kind.yml in step."""

GO_MIN = (1, 26)
"""The oldest Go toolchain that builds all three modules (their go.mod says go 1.26.0)."""


def staging_version(kubernetes: str = KUBERNETES) -> str:
    """Return the staging-module version matching a Kubernetes version (v1.37.2 -> v0.37.2)."""
    major, minor, patch = kubernetes.lstrip("v").split(".")[:3]
    return f"v0.{minor}.{patch}"
