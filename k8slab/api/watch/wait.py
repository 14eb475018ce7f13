"""``k8slab.wait``: wait for a condition, a deletion or a JSONPath value, as ``kubectl wait``.

The waiting itself (a list, then a watch from its resourceVersion) is in
:mod:`k8slab.api.watch.until`; this module parses ``--for`` and names what was found
when the time runs out.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from k8slab.api.args.checks import checked
from k8slab.api.args.duration import format_seconds, parse_duration
from k8slab.api.args.targets import Lines, Target, parse, session
from k8slab.api.watch.until import watch_until
from k8slab.errors import MissingObjectError, NotFoundError, UsageError, WaitTimeoutError


class Condition:
    """A parsed ``--for``: ``delete``, ``create``, ``condition=NAME[=VALUE]`` or ``jsonpath=EXPR[=VALUE]``."""

    def __init__(self, spec: str):
        self.spec = spec.strip()
        kind, _, rest = self.spec.partition("=")
        self.kind = kind.lower()
        self.name = self.value = None
        if self.kind in ("delete", "create") and not rest:
            return
        if self.kind == "condition" and rest:
            name, _, value = rest.partition("=")
            self.name, self.value = name, value or "True"
            if self.value.lower() not in ("true", "false", "unknown"):
                raise UsageError(f"--for={spec!r}: a condition's status is True, False or Unknown, not"
                                 f" {self.value!r} (e.g. --for=condition={name}=False).")
            return
        if self.kind == "jsonpath" and rest:
            from k8slab.api.output.jsonpath import JSONPath, relaxed

            braced = re.match(r"""^(['"]?)(\{.*\})\1(?:=(.*))?$""", rest.strip())
            if braced:
                expr, value = braced.group(2), braced.group(3)
            else:
                expr, sep, value = rest.strip().strip("'\"").partition("=")
                value = value if sep else None
            self.name = expr
            self.value = value.strip().strip("'\"") if value is not None else None
            self._path = JSONPath(relaxed(self.name))
            return
        raise UsageError(f"--for={spec!r}: use --for=condition=Ready, --for=condition=Available=False,"
                         " --for=delete, --for=create or --for=jsonpath='{.status.phase}'=Running.")

    def holds(self, obj: dict | None) -> bool:
        """Whether ``obj`` (None: it does not exist) meets the condition."""
        if self.kind == "delete":
            return obj is None
        if obj is None:
            return False
        if self.kind == "create":
            return True
        found = self.found(obj)
        if self.value is None:
            return found not in (None, "")
        if self.kind == "condition":
            return found is not None and found.lower() == self.value.lower()
        return found == self.value

    def found(self, obj: dict | None):
        """What the object shows for this condition (for messages and comparison)."""
        if obj is None:
            return None
        if self.kind == "condition":
            cond = next((c for c in (obj.get("status") or {}).get("conditions") or []
                         if str(c.get("type", "")).lower() == self.name.lower()), None)
            if cond is None:
                return None
            return str(cond.get("status"))
        if self.kind == "jsonpath":
            from k8slab.api.output.jsonpath import format_value

            values = self._path.values(obj)
            return " ".join(format_value(v) for v in values) if values else None
        return None


@checked
def wait(*targets: str, for_: str, namespace: str | None = None, selector: str | None = None,
         all: bool = False, timeout: float | str = 30.0) -> Lines:  # noqa: A002 - kubectl's --all
    """Wait for objects to reach a condition, as ``kubectl wait`` does.

    Args:
        *targets: ``TYPE/NAME`` (several allowed), or ``TYPE`` with ``selector``/``all``.
        for_: ``condition=Ready`` (``=False`` for another status), ``delete``, ``create``,
            or ``jsonpath={.status.phase}=Running`` (no ``=VALUE``: the field exists).
        namespace: Namespace (default: the session's).
        selector: Label selector, with a bare ``TYPE``.
        all: Every object of ``TYPE`` in the namespace.
        timeout: Seconds or a duration (``30s``, ``2m``) for all objects together.

    Returns:
        Lines ``pod/web condition met``.

    Raises:
        WaitTimeoutError: The condition did not hold in time; says what was found instead.

    Example:
        >>> k8slab.wait("deploy/web", for_="condition=Available", timeout="60s")  # doctest: +SKIP
        deployment.apps/web condition met
    """
    cond = Condition(for_)
    seconds = parse_duration(timeout)
    found = _targets(targets, namespace, selector, all)
    if cond.kind in ("condition", "jsonpath"):
        _exist(found)
    deadline = time.monotonic() + seconds
    lines, objs = [], []
    for t in found:
        ok, obj = watch_until(t.info, t.namespace, t.name, cond.holds, deadline)
        if not ok:
            raise WaitTimeoutError(_wait_timeout(t, cond, obj, seconds))
        lines.append(f"{t.label} condition met")
        objs.append(obj)
    return Lines(lines, objs)


def _exist(found: list[Target]) -> None:
    """An object that does not exist cannot meet a condition: say so at once, as kubectl does."""
    for t in found:
        try:
            t.get()
        except NotFoundError as exc:
            where = f" -n {t.namespace}" if t.namespace else ""
            raise MissingObjectError(f"{exc} (nothing was waited for: check the name with"
                                     f" %k8s get {t.info.plural}{where}, or wait with --for=create)") from None


def _targets(targets: Sequence[str], namespace, selector, all_) -> list[Target]:
    if (selector or all_) and len(targets) == 1 and "/" not in targets[0]:
        sess = session()
        info = sess.resolve(targets[0])
        ns = namespace or sess.namespace if info.namespaced else None
        listing = sess.request("GET", sess.path(info, ns), query={"labelSelector": selector or None})
        names = [i["metadata"]["name"] for i in listing.get("items") or []]
        if not names:
            where = f" in namespace {ns}" if ns else ""
            raise NotFoundError(f"no {info.full_name} found{where}"
                                + (f" with labels {selector}" if selector else "") + ".")
        return [Target(info, n, ns) for n in names]
    return parse(targets, namespace, verb="wait")


def _wait_timeout(t: Target, cond: Condition, obj: dict | None, seconds: float) -> str:
    head = f"timed out after {format_seconds(seconds)} waiting for {t.label} ({cond.spec})"
    if cond.kind == "delete":
        return f"{head}: it still exists."
    if obj is None:
        return f"{head}: it does not exist" + ("." if cond.kind == "create" else " (check the name and -n).")
    found = cond.found(obj)
    if cond.kind == "condition":
        have = [c.get("type") for c in (obj.get("status") or {}).get("conditions") or []]
        if found is None:
            return f"{head}: it has no {cond.name} condition (it has: {', '.join(have) or 'none'})."
        c = next(c for c in obj["status"]["conditions"] if c.get("type", "").lower() == cond.name.lower())
        why = f" ({c.get('reason')}: {c.get('message')})" if c.get("reason") else ""
        return f"{head}: {cond.name} is {found}{why}."
    if obj.get("kind") == "Secret" and "data" in cond.name.lower() and found is not None:
        return f"{head}: the Secret value differs (not shown)."
    return f"{head}: found {found!r}" + (f", expected {cond.value!r}." if cond.value is not None else ".")
