"""Test helper: wait on the real cluster with a watch, never a sleep loop."""

from __future__ import annotations

from typing import Callable

from kubernetes import watch


def wait_for(list_fn: Callable, predicate: Callable[[list], bool], timeout: float = 60, **kwargs):
    """List with ``list_fn(**kwargs)``, then watch until ``predicate(items)`` holds.

    Returns the items for which the predicate held; raises AssertionError on timeout,
    showing the last state seen.
    """
    listing = list_fn(**kwargs)
    items = {i.metadata.uid: i for i in listing.items}
    if predicate(list(items.values())):
        return list(items.values())
    w = watch.Watch()
    for event in w.stream(list_fn, resource_version=listing.metadata.resource_version,
                          timeout_seconds=int(timeout), **kwargs):
        obj = event["object"]
        if event["type"] == "DELETED":
            items.pop(obj.metadata.uid, None)
        else:
            items[obj.metadata.uid] = obj
        if predicate(list(items.values())):
            w.stop()
            return list(items.values())
    raise AssertionError(f"condition not met within {timeout}s; last state: "
                         f"{[_brief(i) for i in items.values()]}")


def _brief(obj) -> str:
    status = getattr(obj, "status", None)
    phase = getattr(status, "phase", None)
    return f"{obj.metadata.name}({phase})" if phase else obj.metadata.name
