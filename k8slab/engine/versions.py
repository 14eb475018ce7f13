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

CONTAINERD = "v2.4.2"
"""github.com/containerd/containerd/v2 for real nodes (containerd, its runc shim, ctr)."""

COREDNS = "v1.14.7"
"""github.com/coredns/coredns, built with a small plugin set from k8slab's own main package."""

GO_CONTAINERREGISTRY = "v0.22.1"
"""github.com/google/go-containerregistry: its pkg/registry serves the lab's images
(``k8slab-registry``)."""

AGNHOST = "2.66.1"
"""agnhost's own version (test/images/agnhost/VERSION in k8s.io/kubernetes at KUBERNETES), the tag
its image gets. ``k8slab build`` refuses to build agnhost when the module says otherwise."""

KIND = "v0.33.0"
"""sigs.k8s.io/kind for the kind engine (installed by the user or CI; kind picks its node image).
Keep .github/workflows/notebooks-kind.yml in step."""

KIND_NODE_IMAGE = ("kindest/node:v1.37.0"
                   "@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5")
"""The node image ``k8slab up --engine kind`` runs: the v1.37 image built for kind v0.33.0, tag and
digest as kind's v0.33.0 release notes list them (github.com/kubernetes-sigs/kind/releases/tag/v0.33.0;
a tag alone may point at a build for another kind release). Bump it with KIND, from those notes."""

RELEASE_SHA256: dict[str, str] = {}
"""SHA-256 of official release files, by URL, as their publishers state them (a citation beside
each). A pinned file is fetched only when its download and the checksum file published beside it
both match the pin; mirrors are verified against their own checksum files (a classroom mirror
holds binaries built here, not the publishers' bytes).

Empty on purpose: this machine reaches neither dl.k8s.io nor github.com, and no stored copy of a
publisher's checksum file for these versions could be read (dl.k8s.io ``<name>.sha256``; etcd
``SHA256SUMS``; containerd ``<file>.sha256sum``; CoreDNS ``<file>.sha256``; Traefik
``traefik_<v>_checksums.txt``; KWOK publishes none). Values seen only in third-party notes are not
pinned. Add one as, e.g.::

    # https://github.com/etcd-io/etcd/releases/download/v3.6.16/SHA256SUMS (read 2026-12-01)
    "https://github.com/etcd-io/etcd/releases/download/v3.6.16/etcd-v3.6.16-linux-amd64.tar.gz": "<64 hex>",
"""

GO_MIN = (1, 26)
"""The oldest Go release that builds the control plane (its go.mod files say go 1.26.0).
containerd's go.mod says go 1.26.6: an older 1.26 patch fails that one build with go's own
"requires go >= 1.26.6" (or fetches it, with GOTOOLCHAIN=auto)."""


def staging_version(kubernetes: str = KUBERNETES) -> str:
    """Return the staging-module version matching a Kubernetes version (v1.37.2 -> v0.37.2)."""
    major, minor, patch = kubernetes.lstrip("v").split(".")[:3]
    return f"v0.{minor}.{patch}"


# --- the ingress addon (``k8slab addons ingress``) ---------------------------------------------

TRAEFIK = "v3.7.13"
"""github.com/traefik/traefik/v3: the lab's ingress controller (its NGINX-annotations provider serves
IngressClass ``nginx``; its Gateway provider serves Gateway API). kind runs the official image
``traefik:<TRAEFIK>``; the real-node engine runs the same version built from its module."""

TRAEFIK_HTTP_AUTH_FORK = "v0.4.1-0.20200324110947-a37a7636d23e"
"""The github.com/containous/go-http-auth version replacing github.com/abbot/go-http-auth: the
module proxy refuses the fork version Traefik v3.7.x pins; this is the one v3.6.12 used."""

TRAEFIK_LEGO_DROP = ("alidns", "aliesa", "azion", "dnsimple", "edgedns", "edgeone", "huaweicloud",
                     "oraclecloud", "regfish", "sakuracloud", "tencentcloud", "ucloud", "yandexcloud")
"""ACME DNS providers of github.com/go-acme/lego/v5 removed from the lab's Traefik build: the
module proxy refuses their SDK modules. The lab never asks ACME for certificates. Expect this list to
change with each Traefik version."""

GATEWAY_API = "v1.6.1"
"""sigs.k8s.io/gateway-api (Traefik's own pin): its standard-channel CRDs come from this module."""
