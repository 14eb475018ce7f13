"""The lab's container images, built without Docker and served by its local registry.

Real nodes cannot pull from public registries here, so the engine serves a
local set: busybox, nginx and perl stand-ins made from Debian bookworm
packages, agnhost and CoreDNS from k8slab's Go builds, and a pause image from
k8slab's own C source. Each is a deterministic docker-archive with a ``.refs``
file of the references it answers (``docker.io/library/nginx:1.14.2``, ...) in
:func:`set_dir`, which the registry loads.

Example:
    >>> from k8slab.engine import images
    >>> images.build_all()            # builds what is missing or outdated
    PosixPath('/root/.cache/k8slab/images/set')
    >>> images.load(Path("app.tar"), "myapp:1.0", images.set_dir())
    ['docker.io/library/myapp:1.0']
"""

from __future__ import annotations

from .build import build_all, set_dir
from .entries import Image, catalog
from .requirements import apt_packages_needed, check
from .inventory import listing
from .importer import load
from .refs import normalize

__all__ = ["Image", "apt_packages_needed", "build_all", "catalog", "check", "listing", "load",
           "normalize", "set_dir"]
