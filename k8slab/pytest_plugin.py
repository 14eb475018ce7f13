"""pytest plugin: use k8slab's Kubernetes-aware output sanitizer with nbval.

``pytest --nbval --k8slab-sanitize my-notebooks/`` checks a team's own notebooks
with the same rules the k8slab series uses (pod hashes, AGE, IPs, UIDs, ...).
An explicit ``--nbval-sanitize-with FILE`` still wins.
"""

from __future__ import annotations


def pytest_addoption(parser):
    group = parser.getgroup("k8slab")
    group.addoption("--k8slab-sanitize", action="store_true", default=False,
                    help="nbval: sanitize outputs with k8slab's Kubernetes-aware rules")


def pytest_configure(config):
    if not config.getoption("k8slab_sanitize", default=False):
        return
    if getattr(config.option, "nbval_sanitize_with", None) or getattr(config.option, "sanitize_with", None):
        return  # an explicit --nbval-sanitize-with wins
    from k8slab.nbval import sanitize_path

    config.option.nbval_sanitize_with = str(sanitize_path())
