"""Repo-wide pytest hooks: notebooks under nbval need the lab cluster running.

``pytest notebooks/`` (nbval items have no fixtures) brings the lab cluster up
with ``k8slab up`` when it is not answering, exactly as the ``cluster`` fixture of
``tests/`` does.
"""

from __future__ import annotations

import subprocess
import sys


def pytest_collection_finish(session):
    if session.config.option.collectonly:
        return
    if not any(str(item.fspath).endswith(".ipynb") for item in session.items):
        return
    from k8slab.engine import cluster

    if cluster.status().healthy:
        return
    proc = subprocess.run([sys.executable, "-m", "k8slab", "up"], text=True, timeout=1800)
    if proc.returncode != 0:
        raise SystemExit("k8slab up failed: the notebooks need the lab cluster (see above)")
