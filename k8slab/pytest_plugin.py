"""pytest plugin: k8slab's output sanitizer for nbval, and lessons' solutions run.

``pytest --nbval --k8slab-sanitize my-notebooks/`` checks a team's own notebooks
with the same rules the k8slab series uses (pod hashes, AGE, IPs, UIDs, ...).
An explicit ``--nbval-sanitize-with FILE`` still wins.

``--k8slab-solutions`` makes every ``%%k8s solution N`` cell execute its reference
solution (a learner's plain run never does), so the notebook's task checks pass and
its stored outputs, those of a solved lesson, are checked strictly. It sets
``K8SLAB_SOLUTIONS=1`` for the kernels the run starts.
"""

from __future__ import annotations


def pytest_addoption(parser):
    group = parser.getgroup("k8slab")
    group.addoption("--k8slab-sanitize", action="store_true", default=False,
                    help="nbval: sanitize outputs with k8slab's Kubernetes-aware rules")
    group.addoption("--k8slab-solutions", action="store_true", default=False,
                    help="lessons: run each %%%%k8s solution cell before its check (K8SLAB_SOLUTIONS=1)")


def pytest_configure(config):
    if config.getoption("k8slab_solutions", default=False):
        import os

        from k8slab.magics.lesson import SOLUTIONS_ENV

        os.environ[SOLUTIONS_ENV] = "1"  # inherited by the kernels nbval starts
    if not config.getoption("k8slab_sanitize", default=False):
        return
    if getattr(config.option, "nbval_sanitize_with", None) or getattr(config.option, "sanitize_with", None):
        return  # an explicit --nbval-sanitize-with wins
    from k8slab.nbval import sanitize_path

    config.option.nbval_sanitize_with = str(sanitize_path())
