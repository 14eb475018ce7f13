"""The state behind :class:`~k8slab.widgets.RolloutWatcher`: one rollout, live.

Watches the object, its ReplicaSets (Deployment) or ControllerRevisions
(StatefulSet, DaemonSet), its pods and the namespace's events, and derives:

- ``state``: ``waiting`` (no data yet), ``progressing``, ``complete`` or ``failed``;
  "complete"/"failed" follow :mod:`k8slab.api.watch.readiness` (kstatus rules, with
  ProgressDeadlineExceeded as a failure), plus a new pod crash-looping as a failure;
- one row per revision: revision, images, desired / current / ready / available.
"""

from __future__ import annotations

import time

from traitlets import Float, Int, List, Unicode

from k8slab import errors as E
from k8slab.api.watch import readiness
from k8slab.api.read.fetch import read

from .live import LiveModel, seconds
from .target import FAILING_REASONS, owned_by, pod_state, resolve, selector_string

KINDS = ("Deployment", "StatefulSet", "DaemonSet")
FINAL = ("complete", "failed")
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
MAX_EVENTS = 8


def _images(template: dict) -> list[str]:
    return [c.get("image", "") for c in ((template.get("spec") or {}).get("containers") or [])]


def _pod_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


class RolloutModel(LiveModel):
    """A Deployment, StatefulSet or DaemonSet rollout, live.

    Attributes:
        state: ``waiting``, ``progressing``, ``complete`` or ``failed``.
        reason: Why it failed, or what it waits for.
        revision: The object's current revision number.
        rows: One dict per revision (newest first): ``revision``, ``name``, ``images``,
            ``desired``, ``current``, ``ready``, ``available``, ``new``.
        conditions: ``[{"type", "status", "reason", "message"}]`` of the object.
        events: Recent event lines for the object, its ReplicaSets and pods.
        progress: Fraction of the desired replicas that are new and available (0..1).
        generation: The object's ``metadata.generation`` last seen.
    """

    target = Unicode("")
    kind = Unicode("")
    namespace = Unicode("")
    state = Unicode("waiting")
    reason = Unicode("")
    revision = Int(0)
    rows = List()
    conditions = List()
    events = List()
    progress = Float(0.0)
    desired = Int(0)
    updated = Int(0)
    ready = Int(0)
    available = Int(0)
    generation = Int(0)

    def __init__(self, target: str, namespace: str | None = None, *, session=None,
                 give_up_after: float = 120.0):
        super().__init__(session=session, give_up_after=give_up_after)
        self.target = str(target)
        self._obj: dict | None = None
        self._owned: dict[str, dict] = {}  # ReplicaSets or ControllerRevisions by name
        self._pods: dict[str, dict] = {}
        self._events: dict[str, dict] = {}
        self._selector: str | None = None
        self._ever_existed = False
        self._short = ""
        self._t = None
        try:
            self._t = resolve(self.target, namespace, self.session, allowed=KINDS, verb="rollout")
        except E.K8sLabError as e:
            self._fail(str(e))
            self.connection = "stopped"
            return
        self.target = self._t.label
        self.kind = self._t.kind
        self.namespace = self._t.namespace or ""
        self._watch("object", self._t.collection, field_selector=f"metadata.name={self._t.name}")
        self._watch("events", f"/api/v1/namespaces/{self._t.namespace}/events")

    def _fail(self, reason: str) -> None:
        self._short = reason
        self.reason = reason
        self.state = "failed"

    # -- watch → traits -----------------------------------------------------------------

    def _update(self, key: str, type_: str, obj: dict) -> None:
        name = (obj.get("metadata") or {}).get("name")
        if key == "object":
            if type_ == "DELETED":
                self._obj = None
            else:
                self._obj = obj
                self._ever_existed = True
                self.generation = (obj.get("metadata") or {}).get("generation", 0)
                selector = selector_string((obj.get("spec") or {}).get("selector"))
                if selector and selector != self._selector:
                    self._selector = selector
                    self._start_owned_watches(selector)
        elif key == "owned":
            (self._owned.pop(name, None) if type_ == "DELETED" else self._owned.__setitem__(name, obj))
        elif key == "pods":
            (self._pods.pop(name, None) if type_ == "DELETED" else self._pods.__setitem__(name, obj))
        elif key == "events":
            (self._events.pop(name, None) if type_ == "DELETED" else self._events.__setitem__(name, obj))
            self._recompute_events()
            return
        self._recompute()

    def _start_owned_watches(self, selector: str) -> None:
        sess, ns = self.session, self._t.namespace
        owned_type = "replicasets" if self.kind == "Deployment" else "controllerrevisions"
        for key, type_str in (("owned", owned_type), ("pods", "pods")):
            old = self._watches.pop(key, None)
            if old is not None:
                old.stop(timeout=0)
            self._watch(key, sess.path(sess.resolve(type_str), ns), label_selector=selector)

    def _on_live(self) -> None:
        super()._on_live()
        w = self._watches.get("object")
        if w is not None and not w.items and not self._ever_existed:
            self._fail(f"{self.target} not found" + (f" in namespace {self.namespace}" if self.namespace else ""))

    def _recompute(self) -> None:
        obj = self._obj
        if obj is None:
            if self._ever_existed:
                self._fail(f"{self.target} was deleted during the rollout")
            return
        meta, spec, st = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
        uid = meta.get("uid")
        self.conditions = [{k: c.get(k, "") for k in ("type", "status", "reason", "message")}
                           for c in st.get("conditions") or []]
        rows, new_hash = self._rows(obj, uid)
        self.rows = rows
        new_row = next((r for r in rows if r["new"]), None)
        self.revision = new_row["revision"] if new_row else int(meta.get("annotations", {}).get(
            REVISION_ANNOTATION, 0) or 0)
        if self.kind == "DaemonSet":
            self.desired = st.get("desiredNumberScheduled", 0)
            self.updated = st.get("updatedNumberScheduled", 0)
            self.ready = st.get("numberReady", 0)
            self.available = st.get("numberAvailable", 0)
        else:
            self.desired = spec.get("replicas", 1)
            self.updated = st.get("updatedReplicas", 0)
            self.ready = st.get("readyReplicas", 0)
            self.available = st.get("availableReplicas", 0)
        new_avail = new_row["available"] if new_row else 0
        self.progress = min(1.0, new_avail / self.desired) if self.desired else 1.0

        status = readiness.status(obj)
        if status.failed:
            cond = readiness.condition(obj, "Progressing") or {}
            self._fail(status.message + (f": {cond.get('message')}" if cond.get("message") else ""))
            return
        if status.ready:
            self.reason = status.message
            self.state = "complete"
            return
        crash = self._crashing_pod(new_hash)
        if crash:
            self._fail(crash[0])
            self._short = crash[1]
            return
        self.reason = status.message
        self.state = "progressing"

    def _rows(self, obj: dict, uid: str | None) -> tuple[list[dict], str | None]:
        """Rows per revision, newest first, and the pod hash label value of the new revision."""
        st = obj.get("status") or {}
        rows = []
        new_hash = None
        if self.kind == "Deployment":
            current_rev = (obj.get("metadata") or {}).get("annotations", {}).get(REVISION_ANNOTATION)
            for name, rs in self._owned.items():
                if not owned_by(rs, uid):
                    continue
                rmeta, rspec, rst = rs.get("metadata") or {}, rs.get("spec") or {}, rs.get("status") or {}
                rev = rmeta.get("annotations", {}).get(REVISION_ANNOTATION)
                is_new = rev is not None and rev == current_rev
                if is_new:
                    new_hash = (rmeta.get("labels") or {}).get("pod-template-hash")
                if not is_new and not rspec.get("replicas") and not rst.get("replicas"):
                    continue  # old history with no pods: kubectl's rollout history lists those
                rows.append({"revision": int(rev or 0), "name": name, "new": is_new,
                             "images": _images(rspec.get("template") or {}),
                             "desired": rspec.get("replicas", 0), "current": rst.get("replicas", 0),
                             "ready": rst.get("readyReplicas", 0), "available": rst.get("availableReplicas", 0)})
        else:
            revs = sorted((cr for cr in self._owned.values() if owned_by(cr, uid)),
                          key=lambda cr: cr.get("revision", 0))
            update = st.get("updateRevision") if self.kind == "StatefulSet" else (
                revs[-1]["metadata"]["name"] if revs else None)
            want = (obj.get("spec") or {}).get("replicas", 1) if self.kind == "StatefulSet" else st.get(
                "desiredNumberScheduled", 0)
            for cr in revs:
                name = cr["metadata"]["name"]
                labels = cr["metadata"].get("labels") or {}
                hash_ = labels.get("controller-revision-hash") or name.rsplit("-", 1)[-1]
                pods = [p for p in self._pods.values()
                        if (p.get("metadata", {}).get("labels") or {}).get("controller-revision-hash") in (hash_, name)]
                is_new = name == update
                if is_new:
                    new_hash = hash_
                if not is_new and not pods:
                    continue
                ready = sum(1 for p in pods if _pod_ready(p))
                rows.append({"revision": int(cr.get("revision", 0)), "name": name, "new": is_new,
                             "images": _images(((cr.get("data") or {}).get("spec") or {}).get("template") or {}),
                             "desired": want if is_new else 0, "current": len(pods), "ready": ready,
                             "available": ready})
        rows.sort(key=lambda r: -r["revision"])
        return rows, new_hash

    def _crashing_pod(self, new_hash: str | None) -> tuple[str, str] | None:
        """``(pod web-…: container app: CrashLoopBackOff …, short stable reason)`` for a failing new pod."""
        if not new_hash:
            return None
        for name, pod in sorted(self._pods.items()):
            labels = (pod.get("metadata") or {}).get("labels") or {}
            if new_hash not in (labels.get("pod-template-hash"), labels.get("controller-revision-hash")):
                continue
            state = pod_state(pod)
            restarts = sum(cs.get("restartCount", 0) for cs in (pod.get("status") or {}).get("containerStatuses") or [])
            if state in FAILING_REASONS or (state == "Error" and restarts > 0):
                containers = [cs.get("name") for cs in (pod.get("status") or {}).get("containerStatuses") or []
                              if not cs.get("ready")]
                short = f"a new pod is failing: container {containers[0] if containers else '?'} {state}"
                return f"pod {name}: {readiness.pod_problem(pod) or state}", short
        return None

    def _recompute_events(self) -> None:
        names = {self._t.name} | set(self._owned) | set(self._pods)
        mine = [e for e in self._events.values() if (e.get("involvedObject") or {}).get("name") in names]
        mine.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or
                  (e.get("metadata") or {}).get("creationTimestamp") or "")
        lines = []
        for e in mine[-MAX_EVENTS:]:
            io = e.get("involvedObject") or {}
            lines.append(f"{e.get('type', '')} {e.get('reason', '')} {io.get('kind', '').lower()}/{io.get('name', '')}: "
                         f"{e.get('message', '')}".strip())
        self.events = lines

    # -- waiting and text --------------------------------------------------------------

    def wait(self, timeout: float = 300.0) -> str:
        """Wait until the rollout of the object's latest spec completes or fails; return ``state``.

        Reads the object's generation first, so a change made just before the call
        is waited for (not answered from the previous rollout). On timeout, returns
        the state at that moment (``progressing`` or ``waiting``).
        """
        deadline = time.monotonic() + seconds(timeout)
        gen = 0
        if self._t is not None:
            try:
                live = read(self._t.info, self._t.namespace, self._t.name, timeout=(5.0, 10.0), sess=self.session)
                gen = (live.get("metadata") or {}).get("generation", 0)
            except E.K8sLabError:
                gen = 0
        self.wait_until(lambda: self._closed or self.connection == "lost" or (
            self.state in FINAL and self.generation >= gen), max(0.0, deadline - time.monotonic()))
        return self.state

    def summary(self) -> str:
        """One stable line, e.g. ``deployment/web rolled out: revision 2, 3/3 updated, 3 ready, 3 available``."""
        counts = f"{self.updated}/{self.desired} updated, {self.ready} ready, {self.available} available"
        if self.state == "complete":
            return f"{self.target} rolled out: revision {self.revision}, {counts}"
        if self.state == "failed":
            if self._t is None or not self._ever_existed:
                return self.reason if self.reason.startswith(self.target) else f"{self.target}: {self.reason}"
            return f"{self.target} rollout failed: revision {self.revision}, {self._short}"
        if self.connection == "lost":
            return f"{self.target}: {self.error or 'cluster unreachable'}"
        if self.state == "progressing":
            return f"{self.target} rolling out: revision {self.revision}, {counts}"
        return f"{self.target}: waiting for the first update"
