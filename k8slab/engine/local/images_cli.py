"""``k8slab images`` and ``k8slab image load``: the real-node engine's image set, as a table."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from ...errors import EngineError, UsageError
from .. import cluster
from . import engine


def _fmt_size(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def list_images(name: str) -> int:
    """Print the image set (and the learner's loaded images) with the tags each answers."""
    from .. import images

    rows = images.listing(extra_dirs=[engine.user_images(name)])
    if not rows:
        print("no images built yet; they are made at `k8slab up --engine local` (or run: k8slab build)")
        return 0
    width = max(len(r["image"]) for r in rows)
    print(f"{'IMAGE':<{width}}  {'SIZE':>9}  WHAT IT IS / TAGS")
    for r in rows:
        print(f"{r['image']:<{width}}  {_fmt_size(r['size']):>9}  {r['what']}")
        print(f"{'':<{width}}  {'':>9}  tags: {', '.join(r['tags'])}")
    st = cluster.status(name)
    where = ("served to the nodes by the lab registry at 172.18.0.2:5000"
             if st.engine == "local" and st.state != "absent" else
             "served once a real-node cluster runs (k8slab up --engine local)")
    print(f"\n{len(rows)} images, {where}; any other image fails with ErrImagePull.")
    return 0


def reload_registry(name: str) -> None:
    """Have the lab registry read its image directories again (a new or rebuilt archive)."""
    pid = engine.cp_processes(name).get("registry")
    if not pid:
        raise EngineError("the lab registry is not running; run: k8slab up (it restarts it), "
                          "then try again")
    os.kill(pid, signal.SIGHUP)
    time.sleep(0.5)  # the registry reloads its directories on SIGHUP


def load(name: str, source: Path, image: str) -> int:
    """Add a learner's image to the cluster's registry, as ``kind load`` does."""
    from .. import images

    st = cluster.status(name)
    if st.engine != "local" or st.state == "absent":
        raise UsageError(f"no real-node cluster {name!r} to load into; start one with: "
                         f"k8slab up --engine local" + (" (kind users: kind load docker-image)"
                                                       if st.engine == "kind" else ""))
    refs = images.load(source, image, engine.user_images(name))
    reload_registry(name)
    for ref in refs:
        print(f"image {ref} loaded: pods can use it now (imagePullPolicy IfNotPresent or Always)")
    return 0
