"""``k8slab.check``: assert something about an object for an exercise, waiting up to a timeout.

``check("deploy/web", "replicas=3", "ready=3", timeout="30s")`` watches the
object until every condition holds (a ✓ line) or the timeout passes (a ✗ line
with what was expected, what was found and a hint, raised as
:class:`~k8slab.errors.CheckFailedError` so that an nbval run fails).

A condition is ``KEY OP VALUE`` with ``=``/``==``, ``!=``, ``>=``, ``<=``, ``>``, ``<``
(``KEY=`` or ``KEY=<none>``: the field is missing or empty),
or a bare ``ready`` (kstatus readiness), ``exists`` or ``absent``. KEY is a
short name (below) or any field path (``spec.template.spec.containers[0].image``,
``{.status.phase}``).
"""

from __future__ import annotations

import re
import time

from k8slab.api.args.checks import checked
from k8slab.api.args.duration import parse_duration
from k8slab.api.args.targets import Target, parse, resolve_namespace, session
from k8slab.api.watch import readiness
from k8slab.api.watch.until import pods_why, watch_many_until, watch_until
from k8slab.errors import CheckFailedError, NotFoundError, UsageError

DEFAULT_TIMEOUT = 10.0
_COND = re.compile(r"^(?P<key>[^=!<>]+?)\s*(?P<op>==|!=|>=|<=|=|>|<)\s*(?P<value>.*)$")
_BARE = ("ready", "exists", "absent")
_COUNTS = {"replicas", "available", "updated", "restarts", "succeeded", "count", "port", "nodeport"}
# kinds that controllers make (a check may wait for them to appear); anything else only a user creates
_MADE_BY_CONTROLLERS = {"Pod", "ReplicaSet", "Job", "PersistentVolumeClaim", "PersistentVolume", "Endpoints",
                        "EndpointSlice", "ControllerRevision", "Event", "Lease", "Node"}
_REPLICA_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")


def _containers(obj: dict) -> list[dict]:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        return spec.get("containers") or []
    if obj.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return ((spec.get("template") or {}).get("spec") or {}).get("containers") or []


def _status_num(obj: dict, key: str, ds_key: str) -> int:
    st = obj.get("status") or {}
    return st.get(ds_key if obj.get("kind") == "DaemonSet" else key, 0) or 0


def _ready(obj: dict):
    if obj.get("kind") in _REPLICA_KINDS + ("DaemonSet",):
        return _status_num(obj, "readyReplicas", "numberReady")
    return readiness.status(obj).ready


def _condition(obj: dict, name: str):
    cond = next((c for c in (obj.get("status") or {}).get("conditions") or []
                 if str(c.get("type", "")).lower() == name.lower()), None)
    return cond.get("status") if cond else None


# key -> (function(obj) -> value, what a learner can do about it)
_KEYS = {
    "replicas": (lambda o: _status_num(o, "_", "desiredNumberScheduled") if o.get("kind") == "DaemonSet"
                 else (o.get("spec") or {}).get("replicas", 1), "set spec.replicas in the YAML, or %k8s scale"),
    "ready": (_ready, None),
    "available": (lambda o: _status_num(o, "availableReplicas", "numberAvailable"), None),
    "updated": (lambda o: _status_num(o, "updatedReplicas", "updatedNumberScheduled"), None),
    "phase": (lambda o: (o.get("status") or {}).get("phase"), None),
    "type": (lambda o: o.get("type") if o.get("kind") == "Secret" else (o.get("spec") or {}).get("type"),
             "set the type in the YAML and apply it again"),
    "image": (lambda o: [c.get("image") for c in _containers(o)], "set the container's image and apply again"),
    "restarts": (lambda o: sum(cs.get("restartCount", 0) for cs in (o.get("status") or {}).get(
        "containerStatuses") or []), None),
    "node": (lambda o: (o.get("spec") or {}).get("nodeName"), None),
    "clusterip": (lambda o: (o.get("spec") or {}).get("clusterIP"), None),
    "port": (lambda o: [p.get("port") for p in (o.get("spec") or {}).get("ports") or []],
             "set spec.ports[].port in the YAML"),
    "nodeport": (lambda o: [p.get("nodePort") for p in (o.get("spec") or {}).get("ports") or []], None),
    "succeeded": (lambda o: (o.get("status") or {}).get("succeeded", 0), None),
    "storageclass": (lambda o: (o.get("spec") or {}).get("storageClassName"), None),
}
# keys read from .status: they only count once the controller has seen the latest spec
_STATUS_KEYS = {"ready", "available", "updated", "succeeded"}
_WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController")


def _fresh(obj: dict) -> bool:
    """Whether ``.status`` describes the current spec (``observedGeneration >= generation``)."""
    gen = (obj.get("metadata") or {}).get("generation")
    seen = (obj.get("status") or {}).get("observedGeneration")
    if gen is None:
        return True
    if seen is None:
        return obj.get("kind") not in _WORKLOADS  # a workload's controller always reports it
    return seen >= gen


_PREFIXES = {"labels.": ("metadata", "labels"), "label.": ("metadata", "labels"),
             "annotations.": ("metadata", "annotations"), "data.": ("data",)}


class Condition:
    """One ``KEY OP VALUE`` (or bare ``ready``/``exists``/``absent``) of a check."""

    def __init__(self, text: str):
        self.text = text.strip()
        if self.text.lower() in _BARE:
            self.key, self.op, self.value = self.text.lower(), None, None
            return
        found = _COND.match(self.text)
        if not found:
            raise UsageError(f"check condition {text!r}: write KEY=VALUE (replicas=3, phase=Running,"
                             " type=NodePort, labels.app=web), KEY>=N, or a bare ready/exists/absent.")
        self.key, self.op, self.value = found["key"].strip(), found["op"], found["value"].strip().strip("'\"")
        if self.op == "==":
            self.op = "="
        key = self.key.lower()
        number = re.fullmatch(r"\d+", self.value) or self.value == "<none>"
        if (key in _COUNTS or (key == "ready" and self.value.lower() not in ("true", "false"))) and not number:
            raise UsageError(f"check condition {text!r}: {self.key} is a count, so the value is a whole"
                             f" number (e.g. {self.key}=3), not {self.value!r}.")
        if self.op in (">", "<", ">=", "<=") and not re.fullmatch(r"-?\d+(\.\d+)?", self.value):
            raise UsageError(f"check condition {text!r}: {self.op} compares numbers, and {self.value!r} is not one.")

    def found(self, obj: dict | None):
        """The object's value for this key (None when it has none)."""
        if obj is None:
            return None
        if self.op is None:
            return readiness.status(obj).ready if self.key == "ready" else True
        key = self.key.lower()
        if key in _KEYS:
            return _KEYS[key][0](obj)
        if key.startswith(("condition.", "conditions.")):
            return _condition(obj, self.key.split(".", 1)[1])
        for prefix, path in _PREFIXES.items():
            if key.startswith(prefix):
                node = obj
                for part in path:
                    node = (node or {}).get(part) or {}
                return node.get(self.key[len(prefix):])
        from k8slab.api.output.jsonpath import JSONPath, relaxed

        values = JSONPath(relaxed(self.key)).values(obj)
        return values[0] if len(values) == 1 else (values or None)

    def holds(self, obj: dict | None) -> bool:
        if self.key == "absent" and self.op is None:
            return obj is None
        if obj is None:
            return False
        have = self.found(obj)
        if self.op is None:
            return bool(have)
        if (self.key.lower() in _STATUS_KEYS or self.key.lower().startswith("status.")) and not _fresh(obj):
            return False  # the status still describes an older spec: not an answer yet
        if isinstance(have, list):
            texts = [_text(v) for v in have]
            return (self.value in texts) if self.op == "=" else (self.value not in texts) if self.op == "!=" \
                else any(_compare(v, self.op, self.value) for v in have)
        return _compare(have, self.op, self.value)

    def hint(self) -> str | None:
        return (_KEYS.get(self.key.lower()) or (None, None))[1]


def _text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def _compare(have, op: str, want: str) -> bool:
    if want == "<none>":  # how a missing value is shown (here and in kubectl's columns): the empty value
        want = ""
    if isinstance(have, bool) or want.lower() in ("true", "false"):
        left, right = _text(have).lower(), want.lower()
    else:
        try:
            left, right = float(have), float(want)
        except (TypeError, ValueError):
            left, right = _text(have), want
    if op in ("=", "!="):
        return (left == right) == (op == "=")
    try:
        return {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[op]
    except TypeError:
        return False


class CheckResult(str):
    """A passed check: prints its ✓ line; ``.object`` is the object as it was seen."""

    object: dict | None = None

    def __new__(cls, text: str, obj: dict | None = None):
        self = super().__new__(cls, text)
        self.object = obj
        return self

    @property
    def objects(self) -> list[dict]:
        """``[object]`` (or ``[]``): the attribute every result of the kit has."""
        return [self.object] if isinstance(self.object, dict) else []

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))


@checked
def check(target: str, *conditions: str, namespace: str | None = None,
          timeout: float | str = DEFAULT_TIMEOUT, selector: str | None = None,
          hint: str | None = None) -> CheckResult:
    """Check conditions on one object, waiting up to ``timeout`` for them to hold.

    Args:
        target: ``TYPE/NAME``, e.g. ``deploy/web``, ``pod/nginx``, ``svc/web``; or a bare
            ``TYPE`` with ``selector``: every selected object must meet the conditions, and
            ``count=N`` (or ``count>=N``) checks how many there are.
        *conditions: ``replicas=3``, ``ready=3``, ``phase=Running``, ``type=NodePort``,
            ``image=nginx:1.27``, ``restarts<3``, ``labels.app=web``, ``condition.Available=True``,
            ``data.key=value``, any field path (``spec.template.spec.containers[0].name=web``),
            or a bare ``ready``/``exists``/``absent``. None: the object exists.
        namespace: Namespace (default: the session's).
        timeout: Seconds or a duration (``30s``); ``0`` checks once.
        selector: Label selector for a bare ``TYPE`` (``-l app=web``).
        hint: One more hint line for a failure, e.g. what a lesson's task asked for.

    Returns:
        A :class:`CheckResult` printing ``✓ deployment.apps/web: replicas=3, ready=3``.

    Raises:
        CheckFailedError: Not all conditions held in time; the message is the ✗ line with
            what was expected, what was found and a hint.

    Example:
        >>> k8slab.check("deploy/web", "replicas=3", "ready=3", timeout="30s")  # doctest: +SKIP
        ✓ deployment.apps/web: replicas=3, ready=3
    """
    try:
        return _check(target, conditions, namespace, timeout, selector)
    except CheckFailedError as e:
        if not hint:
            raise
        raise CheckFailedError(f"{e}\n  hint: {hint}") from None


def _check(target: str, conditions, namespace, timeout, selector) -> CheckResult:
    conds = [Condition(c) for c in conditions] or [Condition("exists")]
    seconds = parse_duration(timeout)
    if "/" not in target and selector:
        return _check_selected(target, selector, conds, namespace, seconds)
    (t,) = parse([target], namespace, verb="check") if "/" in target else _one(target)
    if t.info.kind not in _MADE_BY_CONTROLLERS and not any(c.key == "absent" for c in conds):
        try:  # only a user makes it: if it is not there now, waiting will not bring it
            t.get()
        except NotFoundError:
            raise CheckFailedError(_failure(t, conds, None, 0)) from None
    ok, obj = watch_until(t.info, t.namespace, t.name, lambda o: all(c.holds(o) for c in conds),
                          time.monotonic() + seconds)
    if ok:
        return CheckResult(f"✓ {t.label}: " + ", ".join(c.text for c in conds), obj)
    raise CheckFailedError(_failure(t, conds, obj, seconds))


def _one(target: str):
    raise UsageError(f"check needs TYPE/NAME, e.g. deploy/{target}, or TYPE with -l SELECTOR (got {target!r}).")


def _check_selected(type_str: str, selector: str, conds: list[Condition], namespace: str | None,
                    seconds: float) -> CheckResult:
    info = session().resolve(type_str)
    ns = resolve_namespace(info, namespace)
    counts = [c for c in conds if c.key.lower() == "count" and c.op]
    each = [c for c in conds if c not in counts]

    def holds(objs: dict) -> bool:
        if counts and not all(_compare(len(objs), c.op, c.value) for c in counts):
            return False
        if not counts and not objs:
            return False  # "every pod is Running" says nothing when there are none
        return all(c.holds(o) for o in objs.values() for c in each)

    ok, objs = watch_many_until(info, ns, {"labelSelector": selector}, holds, time.monotonic() + seconds)
    what = f"{info.plural} -l {selector}"
    if ok:
        result = CheckResult(f"✓ {what}: " + ", ".join(c.text for c in conds) + f" ({len(objs)} found)")
        result.object = objs
        return result
    waited = f" (waited {seconds:g}s)" if seconds else ""
    lines = []
    for c in counts:
        if not _compare(len(objs), c.op, c.value):
            want = c.value if c.op == "=" else f"{c.op} {c.value}"
            lines.append(f"✗ {what}: count: expected {want}, found {len(objs)}{waited}")
    if not counts and not objs:
        where = f' in namespace "{ns}"' if ns else ""
        lines.append(f"✗ {what}: none found{where}{waited}\n  hint: check the labels with"
                     f" %k8s get {info.plural} --show-labels" + (f" -n {ns}" if ns else ""))
    bad = [(n, o) for n, o in sorted(objs.items()) if not all(c.holds(o) for c in each)]
    for name, obj in bad[:3]:
        lines.append(_failure(Target(info, name, ns), [c for c in each if not c.holds(obj)], obj, seconds))
    if len(bad) > 3:
        lines.append(f"  ... and {len(bad) - 3} more {info.plural}")
    raise CheckFailedError("\n".join(lines))


def _failure(t, conds: list[Condition], obj: dict | None, seconds: float) -> str:
    waited = f" (waited {seconds:g}s)" if seconds else ""
    where = f' in namespace "{t.namespace}"' if t.namespace else ""
    if obj is None:
        if any(c.key == "absent" for c in conds) and len(conds) == 1:
            return f"✗ {t.label}: expected absent, found it exists{waited}"
        return (f"✗ {t.label}: not found{where}{waited}\n  hint: create it (apply its YAML), or check the name"
                f" with %k8s get {t.info.plural}" + (f" -n {t.namespace}" if t.namespace else ""))
    failed = [c for c in conds if not c.holds(obj)]
    lines = []
    for c in failed:
        have = c.found(obj)
        if c.key == "absent":
            lines.append(f"✗ {t.label}: expected absent, found it exists{waited}")
            continue
        want = c.text if c.op is None else f"{c.value}" if c.op == "=" else f"{c.op} {c.value}"
        shown = ", ".join(_text(v) for v in have) if isinstance(have, list) else _text(have) or "<none>"
        if obj.get("kind") == "Secret" and "data" in c.key.lower() and have is not None:
            shown = "<hidden: a Secret value>"  # notebooks are committed with their outputs
        elif c.key.lower() in _STATUS_KEYS and not _fresh(obj):
            shown += " (in a status not yet updated for the latest spec)"
        lines.append(f"✗ {t.label}: {c.key if c.op else c.text}: expected {want}, found {shown}{waited}")
    hints = [h for h in (c.hint() for c in failed) if h]
    st = readiness.status(obj)
    if not st.ready:
        lines.append(f"  hint: {st.message}{pods_why(t.info, t.namespace, obj)}")
    for h in dict.fromkeys(hints):
        lines.append(f"  hint: {h}")
    if len(lines) == len(failed):
        lines.append(f"  hint: look at it with %k8s describe {t.label}")
    held = [c.text for c in conds if c not in failed]
    if held:
        lines.append(f"  (held: {', '.join(held)})")
    return "\n".join(lines)
