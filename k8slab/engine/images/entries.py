"""The lab's image set: which images exist, the references each answers, their runtime config.

The tags are every reference to these images found in k8slab's notebooks,
manifests, tests, benchmarks and README (``tests/test_images_unit.py`` greps
them and fails when one is not served), plus ``latest``. What really runs is
Debian bookworm's build of the program, whatever the tag says: the listing and
each image's description label say so.
"""

from __future__ import annotations

import dataclasses

from .. import versions

PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

AGNHOST_VERSION = versions.AGNHOST
COREDNS_VERSION = versions.COREDNS

PAUSE_TAGS = (
    [f"3.{n}" for n in range(0, 22)]  # bench/case_rollout.py rolls through pause:3.1 ... 3.21
    + ["3.10.1",  # containerd 2.2+'s default sandbox image
       "3.10.2"]  # kubeadm's and the e2e manifest's at Kubernetes v1.37
)
"""containerd 2.0/2.1 default to pause:3.10, later 2.x to 3.10.1, Kubernetes 1.37 to 3.10.2."""


@dataclasses.dataclass(frozen=True)
class Image:
    """One image of the set.

    Attributes:
        name: file name in the set directory (``nginx`` -> ``nginx.tar`` + ``nginx.refs``).
        refs: full references it answers to.
        description: what it really is (without the version, which the build fills in).
        config: the image config's runtime part (Cmd, Entrypoint, Env, ...).
        packages: Debian packages it is made from (their libraries are added).
        binary: the k8slab Go build it carries (``gobuild.binary(name)``), if any.
        addon: see the field.
    """

    name: str
    refs: tuple[str, ...]
    description: str
    config: dict
    packages: tuple[str, ...] = ()
    binary: str | None = None
    addon: str = ""
    """The addon (``ingress``) that builds this image when it is installed; a plain build skips it."""


def _refs(repo: str, *tags: str) -> tuple[str, ...]:
    return tuple(f"{repo}:{t}" for t in dict.fromkeys((*tags, "latest")))


def catalog() -> list[Image]:
    """The images the lab serves, in build order."""
    return [
        Image("busybox", _refs("docker.io/library/busybox", "1.28", "1.36", "1.37", "1.38"),
              "k8slab stand-in for busybox, built from Debian busybox",
              {"Env": [PATH], "Cmd": ["sh"]},
              packages=("busybox",)),
        Image("nginx",
              _refs("docker.io/library/nginx", "1.14.2", "1.16.1", "1.25", "1.26", "1.27", "1.28",
                    "1.29", "1.30")
              + ("registry.k8s.io/nginx-slim:0.24",),
              "k8slab stand-in for nginx, built from Debian nginx",
              {"Env": [PATH], "Cmd": ["nginx", "-g", "daemon off;"], "ExposedPorts": {"80/tcp": {}},
               "StopSignal": "SIGQUIT"},
              packages=("nginx", "nginx-common", "libc-bin", "busybox")),
        Image("perl", _refs("docker.io/library/perl", "5.34", "5.34.0"),
              "k8slab stand-in for perl, built from Debian perl",
              {"Env": [PATH], "Cmd": ["perl"]},
              # bookworm's newer Math::BigInt: 5.36's own 1.999830 dies in bpi(2000) under bignum
              packages=("perl", "perl-base", "perl-modules-5.36", "libperl5.36", "libmath-bigint-perl",
                        "libscalar-list-utils-perl", "libc-bin", "busybox")),
        Image("agnhost", _refs("registry.k8s.io/e2e-test-images/agnhost", AGNHOST_VERSION, "2.53"),
              f"agnhost {AGNHOST_VERSION} (Kubernetes {versions.KUBERNETES} test/images/agnhost, "
              f"built by k8slab) with Debian busybox",
              {"Env": [PATH], "Entrypoint": ["/agnhost"], "Cmd": ["pause"],
               "ExposedPorts": {f"{p}/tcp": {} for p in (80, 5000, 8080, 8081, 9376)}},
              packages=("busybox",), binary="agnhost"),
        Image("pause", _refs("registry.k8s.io/pause", *PAUSE_TAGS),
              "k8slab's own pause program (pause.c), static, built with the machine's gcc",
              {"Env": [PATH], "Entrypoint": ["/pause"], "User": "65535:65535"}),
        Image("coredns", _refs("registry.k8s.io/coredns/coredns", COREDNS_VERSION),
              f"CoreDNS {COREDNS_VERSION} built by k8slab with a small plugin set",
              {"Env": [PATH], "Entrypoint": ["/coredns"], "WorkingDir": "/",
               "ExposedPorts": {"53/tcp": {}, "53/udp": {}}},
              binary="coredns"),
        Image("traefik", _refs("docker.io/library/traefik", versions.TRAEFIK),
              f"Traefik {versions.TRAEFIK} built by k8slab from its Go module (the ingress addon)",
              {"Env": [PATH], "Entrypoint": ["/traefik"], "WorkingDir": "/",
               "ExposedPorts": {"80/tcp": {}, "443/tcp": {}}},
              binary="traefik", addon="ingress"),
    ]


def get(name: str) -> Image:
    """The catalog image called ``name`` (``nginx``)."""
    for image in catalog():
        if image.name == name:
            return image
    raise KeyError(name)
