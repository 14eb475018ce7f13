"""Where each pinned component's official release files live, and how a mirror lays them out.

Each publisher names its files its own way (read in their release scripts, November 2026):

========== ================================================================ ===========================
component  official file (below https://github.com unless said)             checksum published beside it
========== ================================================================ ===========================
kubernetes ``https://dl.k8s.io/release/<v>/bin/<os>/<arch>/<name>``         ``<name>.sha256`` (hash only)
etcd       ``etcd-io/etcd/releases/download/<v>/etcd-<v>-linux-<arch>.tar.gz`` ``SHA256SUMS`` (one line a file)
           (binary at ``etcd-<v>-linux-<arch>/etcd``; zip on other OSes)
kwok       ``kubernetes-sigs/kwok/releases/download/<v>/kwok-<os>-<arch>``    none (plain binaries)
           and ``kwokctl-<os>-<arch>``
containerd ``containerd/containerd/releases/download/<v>/``                 ``<file>.sha256sum``
           ``containerd-static-<v without v>-linux-<arch>.tar.gz`` (``bin/…``)
coredns    ``coredns/coredns/releases/download/<v>/``                         ``<file>.sha256``
           ``coredns_<v without v>_<os>_<arch>.tgz`` (binary at ``coredns``)
traefik    ``traefik/traefik/releases/download/<v>/``                         ``traefik_<v>_checksums.txt``
           ``traefik_<v>_<os>_<arch>.tar.gz`` (binary at ``traefik``)
========== ================================================================ ===========================

agnhost and ``k8slab-registry`` have no release binary (agnhost ships only as an image; the
registry is k8slab's own main package), so only a mirror can serve them.

A mirror holds the dl.k8s.io tree at its root (``release/...``, as before), every other site's
tree below the site's host name (``github.com/etcd-io/etcd/releases/download/...``), and what has
no official home below ``k8slab/`` (``k8slab/registry-<v>/<os>-<arch>/k8slab-registry``, and
KWOK's default stages as ``k8slab/kwok-<v>/stages.tar.gz``). Where a
publisher puts no checksum beside a file (KWOK), the mirror adds ``<file>.sha256``.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping
from urllib.parse import urlparse

from . import versions

DL_K8S = "https://dl.k8s.io"
GITHUB = "https://github.com"
KUBERNETES_BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl",
                       "kubelet", "kube-proxy")
CONTAINERD_BINARIES = ("containerd", "containerd-shim-runc-v2", "ctr")


@dataclasses.dataclass(frozen=True)
class Artifact:
    """One release file: where it is, where its checksum is, which binaries it holds.

    ``site`` is the official site's root, or ``""`` when there is no official file (mirror
    only). ``path`` is below the site's root. ``members`` maps each binary to its path inside
    the archive; an empty path means the file is the binary itself. ``checksum`` is the path
    of the publisher's checksum file below the site's root (``""``: none published).
    """

    site: str
    path: str
    members: Mapping[str, str]
    checksum: str = ""

    @property
    def name(self) -> str:
        """The file's own name (what checksum lists name it by)."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def is_archive(self) -> bool:
        return self.path.endswith((".tar.gz", ".tgz"))

    @property
    def binaries(self) -> tuple[str, ...]:
        return tuple(self.members)

    def official_url(self, path: str | None = None) -> str | None:
        """The publisher's URL of this file (or of ``path`` on its site); None: none exists."""
        return f"{self.site}/{path or self.path}" if self.site else None

    def mirror_path(self, path: str | None = None) -> str:
        """Where a mirror holds this file (or ``path`` of the same site), below its root."""
        path = path or self.path
        if self.site == DL_K8S:
            return path
        if not self.site:
            return f"k8slab/{path}"
        return f"{urlparse(self.site).netloc}/{path}"

    @property
    def mirror_checksum_path(self) -> str:
        """The checksum file on a mirror: the publisher's, else ``<file>.sha256`` beside it."""
        return self.mirror_path(self.checksum or self.path + ".sha256")

    @property
    def pinned_sha256(self) -> str | None:
        """The SHA-256 pinned in :data:`versions.RELEASE_SHA256` for this official file, if any."""
        return versions.RELEASE_SHA256.get(self.official_url() or "")


def _gh(repo: str, version: str, filename: str) -> str:
    return f"{repo}/releases/download/{version}/{filename}"


def artifacts(component: str, version: str, plat: tuple[str, str]) -> list[Artifact]:
    """The release files of one pinned component for ``plat`` (os, arch); [] when none fit.

    Args:
        component: a :func:`k8slab.engine.gobuild.components` name (``etcd``, ``kwok``, ...).
        version: its pinned version (``v3.6.16``).
        plat: (os, arch) as Go spells them: ``("linux", "amd64")``.
    """
    osname, arch = plat
    bare = version.lstrip("v")
    if component == "kubernetes":
        out = [Artifact(DL_K8S, f"release/{version}/bin/{osname}/{arch}/{name}", {name: ""},
                        f"release/{version}/bin/{osname}/{arch}/{name}.sha256")
               for name in KUBERNETES_BINARIES]
        return out + [Artifact("", f"kubernetes-{version}/{osname}-{arch}/agnhost", {"agnhost": ""})]
    if component == "etcd":
        if osname != "linux":  # etcd publishes zip files elsewhere; those are built
            return []
        stem = f"etcd-{version}-{osname}-{arch}"
        return [Artifact(GITHUB, _gh("etcd-io/etcd", version, f"{stem}.tar.gz"), {"etcd": f"{stem}/etcd"},
                         _gh("etcd-io/etcd", version, "SHA256SUMS"))]
    if component == "kwok":
        return [Artifact(GITHUB, _gh("kubernetes-sigs/kwok", version, f"{name}-{osname}-{arch}"), {name: ""})
                for name in ("kwok", "kwokctl")]
    if component == "containerd":
        if osname != "linux":
            return []
        path = _gh("containerd/containerd", version, f"containerd-static-{bare}-{osname}-{arch}.tar.gz")
        return [Artifact(GITHUB, path, {name: f"bin/{name}" for name in CONTAINERD_BINARIES},
                         path + ".sha256sum")]
    if component == "coredns":
        path = _gh("coredns/coredns", version, f"coredns_{bare}_{osname}_{arch}.tgz")
        return [Artifact(GITHUB, path, {"coredns": "coredns"}, path + ".sha256")]
    if component == "traefik":
        return [Artifact(GITHUB, _gh("traefik/traefik", version, f"traefik_{version}_{osname}_{arch}.tar.gz"),
                         {"traefik": "traefik"}, _gh("traefik/traefik", version, f"traefik_{version}_checksums.txt"))]
    if component == "registry":
        return [Artifact("", f"registry-{version}/{osname}-{arch}/k8slab-registry", {"k8slab-registry": ""})]
    return []


def artifact_for(component: str, binary: str, version: str, plat: tuple[str, str]) -> Artifact | None:
    """The release file holding one binary of a component, or None when there is none."""
    for art in artifacts(component, version, plat):
        if binary in art.members:
            return art
    return None


def stages_artifact(version: str = versions.KWOK) -> Artifact:
    """KWOK's default stages (``kustomize/stage`` of its module), which only a mirror serves:
    KWOK releases them in no file of their own."""
    return Artifact("", f"kwok-{version}/stages.tar.gz", {})
