"""The notebook's cluster session as the layers above the API see it.

Magics and widgets reach the cluster only through :mod:`k8slab.api`; this module hands
them the session (for discovery names and paths, and for the watches of
:mod:`k8slab.api.watch.informer`) without their importing the client layer.
"""

from __future__ import annotations

from k8slab.client.session import Session, current, reset, use

__all__ = ["Session", "current", "reset", "use"]
