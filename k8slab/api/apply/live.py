"""What an apply finds on the cluster: the live objects, read in few requests, and the no-op test.

The server dry run already tells most of it. A dry run that would create the
object answers without a ``resourceVersion``; one that would change nothing
answers with the live object exactly as stored (same ``resourceVersion``, same
``managedFields``, timestamps included), because server-side apply writes
nothing then. So only objects that exist are read, with one LIST per type and
namespace when an apply holds several of them, and an object whose dry run
equals its live form needs no second request: applying it would leave it as is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from k8slab.api.apply.errors import explain
from k8slab.errors import ApiError, NotFoundError

LIST_MIN = 3  # objects of one type in one namespace read with one LIST instead of a GET each
LIST_PAGE = 100  # one page only: objects beyond it are read with a GET


def would_create(answer: dict | None) -> bool:
    """Whether a dry-run answer is a creation (a stored object always has a resourceVersion)."""
    return not ((answer or {}).get("metadata") or {}).get("resourceVersion")


def is_noop(live: dict | None, answer: dict | None) -> bool:
    """Whether applying would leave the object exactly as it is (the dry run changed nothing).

    ``live`` is read after the dry run, so a controller may have written the status
    meanwhile (a new Deployment's, for one); that alone does not make the apply do
    anything, since an apply never touches the status. Anything else must be equal.
    """
    if live is None or answer is None:
        return False
    return live == answer or _outside_status(live) == _outside_status(answer)


def _outside_status(obj: dict) -> dict:
    meta = dict(obj.get("metadata") or {})
    meta.pop("resourceVersion", None)
    meta["managedFields"] = [f for f in meta.get("managedFields") or [] if f.get("subresource") != "status"]
    return {**{k: v for k, v in obj.items() if k != "status"}, "metadata": meta}


def tasks(sess, plans: list) -> list[Callable[[], None]]:
    """Calls that set ``plan.live`` for every plan with a dry-run answer; run them in any order.

    A failed read (e.g. no RBAC permission to get the object) sets ``plan.error``.
    """
    groups: dict[tuple, list] = defaultdict(list)
    for p in plans:
        if would_create(p.answer):
            p.live = None
        else:
            groups[(p.info.group, p.info.version, p.info.plural, p.namespace)].append(p)
    out: list[Callable[[], None]] = []
    for group in groups.values():
        if len(group) >= LIST_MIN:
            out.append(lambda group=group: _list_group(sess, group))
        else:
            out += [lambda p=p: _get(sess, p) for p in group]
    return out


def _get(sess, p) -> None:
    try:
        p.live = sess.request("GET", sess.path(p.info, p.namespace, p.m.name))
    except NotFoundError:  # deleted since the dry run: the apply creates it again
        p.live = None
    except ApiError as exc:
        p.error = explain(exc, p.m, p.info, p.namespace)


def _list_group(sess, group: list) -> None:
    first = group[0]
    try:
        listing = sess.request("GET", sess.path(first.info, first.namespace),
                               query={"limit": max(LIST_PAGE, 2 * len(group))})
    except ApiError:  # e.g. allowed to get but not to list: read them one by one
        listing = {}
    by_name = {(i.get("metadata") or {}).get("name"): i for i in listing.get("items") or []}
    for p in group:
        item = by_name.get(p.m.name)
        if item is None:  # past the page, or created since the LIST
            _get(sess, p)
            continue
        # list items carry no apiVersion/kind; a GET's answer does
        item.setdefault("apiVersion", p.answer.get("apiVersion"))
        item.setdefault("kind", p.answer.get("kind"))
        p.live = item
