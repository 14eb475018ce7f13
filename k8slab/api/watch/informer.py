"""The informer of the widgets and live tables: the client's one list+watch loop, in a thread.

:class:`ResourceWatch` is :class:`k8slab.client.reflector.Reflector` under the name the layers
above the API use (they do not import the client layer): list, watch from the list's
resourceVersion, bookmarks, relist on 410 Gone, backoff while the cluster is away.
``wait``, ``rollout status`` and ``apply --wait`` run the same loop in the calling thread
(:mod:`k8slab.api.watch.until`).
"""

from __future__ import annotations

from k8slab.client.reflector import FAILED, IDLE, LISTING, RECONNECTING, STOPPED, WATCHING, Reflector, object_key

ResourceWatch = Reflector

__all__ = ["FAILED", "IDLE", "LISTING", "RECONNECTING", "STOPPED", "WATCHING", "ResourceWatch", "object_key"]
