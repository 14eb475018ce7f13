"""``TYPE/NAME`` targets of the widgets, and the state of a pod as one word for its chip."""

from __future__ import annotations

from dataclasses import dataclass

from k8slab.api.args.targets import selector_string  # noqa: F401  (re-exported for the models)
from k8slab.errors import UsageError


@dataclass(frozen=True)
class WidgetTarget:
    """A resolved ``TYPE/NAME``: resource type, name, namespace, and the collection path."""

    info: object  # k8slab.client.discovery.ResourceInfo
    name: str
    namespace: str | None
    collection: str

    @property
    def kind(self) -> str:
        return self.info.kind

    @property
    def label(self) -> str:
        """``deployment/web``, as the widgets' text results say it."""
        return f"{self.info.kind.lower()}/{self.name}"


def resolve(target: str, namespace: str | None, session, *, allowed: tuple[str, ...] = (),
            verb: str = "") -> WidgetTarget:
    """Resolve ``deploy/web`` (or ``deployment.apps/web``) with the session's discovery.

    Raises:
        UsageError: not ``TYPE/NAME``, or a kind outside ``allowed``.
        NotFoundError: an unknown resource type (with the closest names).
    """
    if not isinstance(target, str) or target.count("/") != 1 or not all(target.split("/")):
        raise UsageError(f"{target!r}: expected TYPE/NAME, e.g. deployment/web.")
    type_str, name = target.split("/")
    info = session.resolve(type_str)
    if allowed and info.kind not in allowed:
        kinds = ", ".join(k.lower() + "s" for k in allowed)
        raise UsageError(f"{verb or 'this widget'} works on {kinds}, not on {info.full_name} ({target}).")
    ns = (namespace or session.namespace) if info.namespaced else None
    return WidgetTarget(info, name, ns, session.path(info, ns))


#: Chip colours by pod state.
POD_COLOURS = {
    "Pending": "#9e9e9e",
    "ContainerCreating": "#f9a825",
    "Running": "#42a5f5",
    "Ready": "#2e7d32",
    "Terminating": "#6d4c41",
    "CrashLoopBackOff": "#c62828",
    "Error": "#c62828",
    "Failed": "#c62828",
    "Completed": "#607d8b",
}

FAILING_REASONS = {"CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "InvalidImageName",
                   "CreateContainerConfigError", "CreateContainerError", "RunContainerError"}


def pod_state(pod: dict) -> str:
    """One word for a pod, as a learner reads it: Pending, ContainerCreating, Running, Ready,
    Terminating, CrashLoopBackOff (or another waiting reason), Error, Completed, Failed."""
    meta, st = pod.get("metadata") or {}, pod.get("status") or {}
    if meta.get("deletionTimestamp"):
        return "Terminating"
    phase = st.get("phase") or "Pending"
    statuses = (st.get("initContainerStatuses") or []) + (st.get("containerStatuses") or [])
    for cs in statuses:
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            return waiting["reason"]
    for cs in st.get("containerStatuses") or []:
        term = (cs.get("state") or {}).get("terminated")
        if term and term.get("exitCode", 0) != 0 and phase != "Succeeded":
            return "Error"
    if phase == "Succeeded":
        return "Completed"
    if phase == "Failed":
        return "Failed"
    if phase == "Running":
        for cond in st.get("conditions") or []:
            if cond.get("type") == "Ready":
                return "Ready" if cond.get("status") == "True" else "Running"
        return "Running"
    return "Pending"


def owned_by(obj: dict, uid: str | None) -> bool:
    """Whether ``obj`` has an owner reference to ``uid``."""
    return bool(uid) and any(ref.get("uid") == uid for ref in (obj.get("metadata") or {}).get("ownerReferences") or [])
