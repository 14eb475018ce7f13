"""The state behind :class:`~k8slab.widgets.ScaleWidget`: replicas of a scalable object and its pods.

Two watches feed it: the object itself (``fieldSelector=metadata.name=…``) and
its pods (the object's label selector). Setting :attr:`ScaleModel.replicas`
scales the object through its ``scale`` subresource after a short debounce;
changes made elsewhere (``kubectl scale``, an HPA) flow back into ``replicas``.
"""

from __future__ import annotations

import threading

from traitlets import Bool, Int, List, Unicode, observe

from k8slab import errors as E

from k8slab.api.write.scale import set_replicas

from .live import LiveModel
from .target import owned_by, pod_state, resolve, selector_string

SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet")
INT32_MAX = 2**31 - 1


class ScaleModel(LiveModel):
    """Live replicas of a Deployment, ReplicaSet or StatefulSet; set ``replicas`` to scale.

    Args:
        target: ``TYPE/NAME``, e.g. ``deploy/web``.
        namespace: The namespace (default: the session's).
        debounce: Seconds of quiet after the last change before scaling.
        max_replicas: The largest count this widget will ask for (a lab safeguard;
            the API itself accepts up to 2**31-1).

    Attributes:
        replicas: The desired replicas; setting it scales (0 <= n <= ``max_replicas``).
        desired, current, ready, available, updated: From the object's spec and status.
        pods: ``[{"name", "state"}]``, one per pod, sorted by name.
        exists: The object exists (False before the first list, after a deletion, or if not found).
    """

    target = Unicode("", help="deployment/web")
    kind = Unicode("")
    namespace = Unicode("")
    replicas = Int(0)
    desired = Int(0)
    current = Int(0)
    ready = Int(0)
    available = Int(0)
    updated = Int(0)
    pods = List()
    exists = Bool(False)
    pending = Bool(False, help="a scale request is waiting for its debounce or in flight")
    max_replicas = Int(50)

    def __init__(self, target: str, namespace: str | None = None, *, debounce: float = 0.3,
                 max_replicas: int = 50, session=None, give_up_after: float = 120.0):
        super().__init__(session=session, give_up_after=give_up_after)
        self.target = str(target)
        self.max_replicas = max_replicas
        self._debounce = debounce
        self._timer: threading.Timer | None = None
        self._from_watch = False
        self._obj: dict | None = None
        self._pods: dict[str, dict] = {}
        self._selector: str | None = None
        self._ever_existed = False
        self._awaiting: tuple[int, str | None] | None = None
        self._wanted: int | None = None  # replicas set before that first list, applied after it
        self._t = None
        try:
            self._t = resolve(self.target, namespace, self.session, allowed=SCALABLE, verb="scale")
        except E.K8sLabError as e:
            self.error = str(e)
            self.connection = "stopped"
            return
        self.target = self._t.label
        self.kind = self._t.kind
        self.namespace = self._t.namespace or ""
        self._watch("object", self._t.collection, field_selector=f"metadata.name={self._t.name}")

    # -- watch → traits -----------------------------------------------------------------

    def _update(self, key: str, type_: str, obj: dict) -> None:
        if key == "object":
            if type_ == "DELETED":
                self._obj = None
                self.exists = False
                self.error = f"{self.target} was deleted."
            else:
                self._obj = obj
                self.exists = True
                self._ever_existed = True
                if self.error.endswith("was deleted.") or " not found" in self.error:
                    self.error = ""
                selector = selector_string((obj.get("spec") or {}).get("selector"))
                if selector and selector != self._selector:
                    self._selector = selector
                    self._restart_pod_watch(selector)
                if self._wanted is not None:  # set before the first list: scale to it now
                    self._wanted = None
                    self._schedule()
        elif key.startswith("pods"):
            name = (obj.get("metadata") or {}).get("name")
            if type_ == "DELETED":
                self._pods.pop(name, None)
            else:
                self._pods[name] = obj
        self._recompute()

    def _restart_pod_watch(self, selector: str) -> None:
        old = [k for k in self._watches if k.startswith("pods")]
        for k in old:
            self._watches.pop(k).stop(timeout=0)
        self._pods.clear()
        pods_path = self.session.path(self.session.resolve("pods"), self._t.namespace)
        self._watch(f"pods:{selector}", pods_path, label_selector=selector)

    def _recompute(self) -> None:
        obj = self._obj or {}
        spec, st = obj.get("spec") or {}, obj.get("status") or {}
        if obj and self._awaiting is not None:
            want, rv = self._awaiting
            if spec.get("replicas") == want or (obj.get("metadata") or {}).get("resourceVersion") == rv:
                self._awaiting = None
                self.pending = self._timer is not None
        if obj:
            self.desired = spec.get("replicas", 1)
            self.current = st.get("replicas", 0)
            self.ready = st.get("readyReplicas", 0)
            self.available = st.get("availableReplicas", 0)
            self.updated = st.get("updatedReplicas", st.get("currentReplicas", 0))
            if not self.pending and self.replicas != self.desired:
                self._set_from_watch(self.desired)
        uid = (obj.get("metadata") or {}).get("uid")
        pods = []
        for name, pod in sorted(self._pods.items()):
            # a Deployment's pods belong to its ReplicaSets: the selector decides there
            if self.kind != "Deployment" and uid and not owned_by(pod, uid):
                continue
            pods.append({"name": name, "state": pod_state(pod)})
        self.pods = pods

    def _on_live(self) -> None:
        super()._on_live()
        w = self._watches.get("object")
        if w is not None and not w.items and not self._ever_existed:
            self.error = f"{self.target} not found" + (f" in namespace {self.namespace}." if self.namespace else ".")
            if self._wanted is not None:  # asked for before the first list; there is nothing to scale
                self._wanted = None
                self.pending = False
                self._set_from_watch(self.desired)

    @property
    def _first_list_pending(self) -> bool:
        """The object's watch has not answered its first list yet (right after construction)."""
        w = self._watches.get("object")
        return not self._ever_existed and w is not None and not w.wait_synced(0)

    def _set_from_watch(self, value: int) -> None:
        self._from_watch = True
        try:
            self.replicas = value
        finally:
            self._from_watch = False

    # -- traits → cluster ------------------------------------------------------------------

    @observe("replicas")
    def _replicas_changed(self, change) -> None:
        if self._from_watch:
            return
        n = change["new"]
        problem = None
        if self._t is None:
            problem = self.error or "no target"
        elif n < 0:
            problem = f"replicas must be 0 or more, not {n}."
        elif n > INT32_MAX:
            problem = f"replicas must be at most {INT32_MAX} (the API's limit), not {n}."
        elif n > self.max_replicas:
            problem = (f"{n} replicas is more than this widget allows ({self.max_replicas}); "
                       f"set max_replicas to go higher.")
        elif not self.exists:
            with self._lock:
                if self._first_list_pending and not self._closed and self.connection != "lost":
                    # the first list has not answered yet: keep the value, scale once the object is seen
                    self._wanted = n
                    self.pending = True
                    return
            problem = self.error or f"{self.target} does not exist."
        if problem:
            self.error = problem
            self._set_from_watch(self.desired)
            return
        if self.error and not self.error.startswith("Cannot reach"):
            self.error = ""
        self._schedule()

    def _schedule(self) -> None:
        """Scale to :attr:`replicas` after the debounce (a later change restarts it)."""
        self.pending = True
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self._debounce, self._flush)
            self._timer.daemon = True
            self._timer.start()

    def scale_to(self, n: int, timeout: float = 10.0) -> None:
        """Set :attr:`replicas` once the object has been seen (right after construction too)."""
        self.wait_until(lambda: self.exists or bool(self.error) or self._closed, timeout)
        self.replicas = n

    def flush(self) -> None:
        """Send a pending scale now instead of after the debounce."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if self.pending:
            self._flush()

    def _flush(self) -> None:
        if self._thread_init is not None:
            self._thread_init()
        with self._lock:
            self._timer = None
            n = self.replicas
            if self._closed:
                return
        try:
            answer = set_replicas(self._t.info, self._t.namespace, self._t.name, n, field_manager="k8slab-widget",
                                  timeout=(5.0, 15.0), sess=self.session)
        except E.K8sLabError as e:
            with self._cond:
                self.pending = False
                self.error = str(e)
                self._set_from_watch(self.desired)
                self._cond.notify_all()
            return
        with self._cond:
            # stay pending until the watch shows the object at (or past) this write
            self._awaiting = (n, (answer.get("metadata") or {}).get("resourceVersion"))
            self._recompute()
            self._cond.notify_all()

    # -- waiting and text ------------------------------------------------------------------

    @property
    def settled(self) -> bool:
        """Nothing in motion: spec observed, every wanted pod ready, no extra pod left."""
        obj = self._obj
        if obj is None or self.pending:
            return False
        meta, st = obj.get("metadata") or {}, obj.get("status") or {}
        observed = st.get("observedGeneration", 0) >= meta.get("generation", 0)
        return (observed and self.current == self.desired and self.ready == self.desired
                and len(self.pods) == self.desired and all(p["state"] == "Ready" for p in self.pods))

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until :attr:`settled` (or an error); True if settled."""
        return self.wait_until(lambda: self.settled or self._closed or self.connection == "lost"
                               or (self._t is None), timeout) and self.settled

    def summary(self) -> str:
        """``deployment/web scaled: 3 desired, 3 ready`` (stable text for nbval)."""
        if self._t is None or (not self.exists and self.error):
            return self.error if self.error.startswith(self.target) else f"{self.target}: {self.error}"
        if self.connection == "lost":
            return f"{self.target}: {self.error or 'cluster unreachable'}"
        if self.settled:
            return f"{self.target} scaled: {self.desired} desired, {self.ready} ready"
        return f"{self.target} scaling: {self.desired} desired, {self.current} current, {self.ready} ready"

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        super().close()
