"""The images the notebook series runs, pre-loaded into a kind cluster's nodes.

Each kind node pulls every image itself, and a first pull can outlast a lesson's timeout;
a series run would also pull ~20 times from Docker Hub (anonymous limit: 10 an hour per
address). ``k8slab up --engine kind`` therefore pulls each image once on the host and hands
them all to the nodes in one ``kind load docker-image`` (which skips nodes that have them).
"""

from __future__ import annotations

import subprocess
from typing import Callable, Sequence

from . import versions
from .progress import Ticker

SERIES_IMAGES = (
    "docker.io/library/busybox:1.28",
    "docker.io/library/busybox:1.36",
    "docker.io/library/nginx:1.14.2",
    "docker.io/library/nginx:1.16.1",
    "docker.io/library/nginx:1.25",
    "docker.io/library/nginx:1.26",
    "docker.io/library/nginx:1.27",
    "docker.io/library/nginx:1.28",
    "docker.io/library/perl:5.34.0",
    "registry.k8s.io/e2e-test-images/agnhost:2.53",
    "registry.k8s.io/nginx-slim:0.24",
    f"docker.io/library/traefik:{versions.TRAEFIK}",  # the ingress addon (notebook 09)
)
"""Every tagged image the notebooks and manifests/ use (tests/test_kind_engine_unit.py greps them and
fails when one is missing here). Untagged references (``:latest``) are pulled by the nodes anyway:
their pull policy is Always."""


def pull_command(image: str) -> list[str]:
    return ["docker", "pull", "--quiet", image]


def load_command(name: str, images: Sequence[str]) -> list[str]:
    return ["kind", "load", "docker-image", "--name", name, *images]


def _load_one_platform(name: str, images: Sequence[str],
                       echo: Callable[[str], None]) -> subprocess.CompletedProcess:
    """Docker's containerd image store saves multi-platform images with manifests of platforms it
    never pulled, which ``kind load docker-image`` cannot import (kind issue #3795); kind's
    documented way round is to save this platform only and load the archive."""
    import tempfile

    ver = subprocess.run(["docker", "version", "--format", "{{.Server.Os}}/{{.Server.Arch}}"],
                         capture_output=True, text=True)
    platform = ver.stdout.strip() or "linux/amd64"
    echo(f"kind load docker-image cannot import multi-platform images from this Docker "
         f"(containerd image store): saving the {platform} images to an archive instead")
    with tempfile.TemporaryDirectory(prefix="k8slab-images-") as tmp:
        archive = f"{tmp}/series.tar"
        save = subprocess.run(save_command(platform, archive, images), capture_output=True, text=True)
        if save.returncode != 0:
            return save
        with Ticker(echo, f"loading {archive} into the nodes of {name} (kind load image-archive)"):
            return subprocess.run(["kind", "load", "image-archive", "--name", name, archive],
                                  capture_output=True, text=True)


def save_command(platform: str, archive: str, images: Sequence[str]) -> list[str]:
    return ["docker", "image", "save", "--platform", platform, "-o", archive, *images]


def _present(image: str) -> bool:
    proc = subprocess.run(["docker", "image", "inspect", "--format", "{{.Id}}", image],
                          capture_output=True, text=True)
    return proc.returncode == 0


def preload(name: str, images: Sequence[str] = SERIES_IMAGES,
            echo: Callable[[str], None] = print) -> list[str]:
    """Pull ``images`` once on the host (those it lacks), then load them into the nodes of ``name``.

    A failed pull or load is reported and skipped, not fatal: the cluster works, and its
    nodes pull what a lesson needs themselves. Returns the images that were loaded.
    """
    pulled: list[str] = []
    for i, image in enumerate(images, 1):
        if _present(image):
            pulled.append(image)
            continue
        echo(f"[{i}/{len(images)}] pulling {image} on the host")
        proc = subprocess.run(pull_command(image), capture_output=True, text=True)
        if proc.returncode != 0:
            why = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or ["no output"]
            echo(f"warning: docker pull {image} failed ({why[0][:200]}); the nodes will pull it "
                 f"themselves when a lesson needs it")
            continue
        pulled.append(image)
    if not pulled:
        return []
    with Ticker(echo, f"loading {len(pulled)} images into the nodes of {name} (kind load docker-image)"):
        proc = subprocess.run(load_command(name, pulled), capture_output=True, text=True)
    if proc.returncode != 0 and "content digest" in proc.stderr + proc.stdout:
        proc = _load_one_platform(name, pulled, echo)
    if proc.returncode != 0:
        why = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or ["no output"]
        echo(f"warning: kind load docker-image failed ({why[0][:200]}); the nodes will pull the "
             f"series' images themselves (Docker Hub allows 10 anonymous pulls an hour)")
        return []
    return pulled
