"""``TYPE/NAME`` arguments of the write verbs, resolved to REST paths, and small shared helpers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from k8slab.errors import UsageError


def session():
    """The notebook-wide client session (imported late: it pulls in ``kubernetes``)."""
    from k8slab.client.session import current

    return current()


@dataclass(frozen=True)
class Target:
    """One object named on the command line: its resource type, name and namespace."""

    info: object  # k8slab.client.discovery.ResourceInfo
    name: str
    namespace: str | None

    @property
    def label(self) -> str:
        """kubectl's ``deployment.apps/web``."""
        return f"{self.info.name_prefix}/{self.name}"

    def path(self, subresource: str | None = None) -> str:
        return session().path(self.info, self.namespace, self.name, subresource)

    def get(self) -> dict:
        return session().request("GET", self.path())


def label(info, name: str) -> str:
    """kubectl's ``deployment.apps/web`` for a resource type and a name."""
    return f"{info.name_prefix}/{name}"


def resolve_namespace(info, namespace: str | None) -> str | None:
    """The namespace a namespaced type uses (given, or the session's); None for cluster-scoped."""
    if not info.namespaced:
        return None
    return namespace or session().namespace


def parse(args: Sequence[str], namespace: str | None = None, *, verb: str = "",
          allowed: Sequence[str] | None = None) -> list[Target]:
    """Resolve ``deploy/web svc/web`` or ``deploy web api`` to targets.

    Args:
        args: The words after the verb.
        namespace: ``-n``; the session's namespace when None.
        verb: For messages (``scale``).
        allowed: Kinds the verb supports (e.g. ``["Deployment", "StatefulSet"]``).

    Raises:
        UsageError: No target, or a kind the verb does not support.
        NotFoundError: An unknown type (with the closest names).
    """
    args = [a for a in args if a]
    if not args:
        raise UsageError(f"{verb or 'this verb'} needs TYPE/NAME, e.g. deployment/web.")
    sess = session()
    pairs: list[tuple[str, str]] = []
    if "/" in args[0]:
        for a in args:
            if a.count("/") != 1 or not all(a.split("/")):
                raise UsageError(f"{a!r}: expected TYPE/NAME (e.g. deploy/web); don't mix it with TYPE NAME.")
            pairs.append(tuple(a.split("/")))  # type: ignore[arg-type]
    else:
        if len(args) < 2:
            raise UsageError(f"{verb}: name the object: {args[0]}/NAME or {args[0]} NAME.")
        for name in args[1:]:
            if "/" in name:
                raise UsageError(f"{name!r}: after a TYPE, give plain names (or use TYPE/NAME for each).")
            pairs.append((args[0], name))
    out = []
    for type_str, name in pairs:
        info = sess.resolve(type_str)
        if allowed and info.kind not in allowed:
            kinds = ", ".join(k.lower() + "s" for k in allowed)
            raise UsageError(f"{verb} works on {kinds}, not on {info.full_name} ({type_str}/{name}).")
        out.append(Target(info, name, resolve_namespace(info, namespace)))
    return out


def select(args: Sequence[str], namespace: str | None = None, *, selector: str | None = None,
           all_: bool = False, verb: str = "") -> list[Target]:
    """Targets named as ``TYPE/NAME…`` or ``TYPE NAME…``, or every object of one ``TYPE`` in the
    namespace that matches ``selector`` (``-l``) or, with ``all_`` (``--all``), all of them.

    Raises:
        UsageError: ``-l``/``--all`` without exactly one TYPE, or no target at all.
    """
    args = [a for a in args if a]
    if not (selector or all_):
        return parse(args, namespace, verb=verb)
    if len(args) != 1 or "/" in args[0]:
        raise UsageError(f"with -l/--all, give one TYPE (e.g. {verb or 'get'} pods -l app=web).")
    sess = session()
    out = []
    for type_str in args[0].split(","):
        info = sess.resolve(type_str)
        ns = resolve_namespace(info, namespace)
        listing = sess.request("GET", sess.path(info, ns), query={"labelSelector": selector or None})
        out += [Target(info, i["metadata"]["name"], ns) for i in listing.get("items") or []]
    return out


def selector_string(selector: dict | None) -> str:
    """A ``LabelSelector`` dict as a ``labelSelector`` query string (``app=web,tier in (a,b)``)."""
    if not selector:
        return ""
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


class Lines(list):
    """A list of result lines that shows as plain text in a notebook and keeps its data.

    ``str(result)`` is the text kubectl would print; ``result.objects`` the objects.
    """

    def __init__(self, lines=(), objects=None):
        super().__init__(lines)
        self.objects = list(objects or [])

    def __str__(self) -> str:
        return "\n".join(str(x) for x in self)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))
