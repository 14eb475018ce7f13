"""The ``%k8s`` / ``%%k8s`` IPython extension.

Loading registers the magic and its completer only; each verb's module
(``k8slab.magics.cmd.<verb>``), ``kubernetes`` and ``pandas`` are imported on
first use, so ``%load_ext k8slab`` stays cheap.
"""

from __future__ import annotations


def load_ipython_extension(ipython) -> None:
    """Register ``%k8s``/``%%k8s`` and tab completion on ``ipython``."""
    from .magic import register

    register(ipython)


def unload_ipython_extension(ipython) -> None:
    """Close the session's connections; widgets' threads are stopped by their own module."""
    from .magic import unregister

    unregister(ipython)
