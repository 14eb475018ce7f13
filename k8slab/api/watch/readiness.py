"""Is an object ready? kstatus-style rules on plain dicts, with kubectl's rollout wording.

Pure functions: they read an object as the API returns it and never call the
cluster. :func:`status` answers for one object; :func:`pod_problem` says why a
pod is not ready (its container's waiting reason, scheduling, ...), which the
waiters add to a Deployment's message when it times out.

Rules (after kstatus and ``kubectl rollout status``):

- A controller that has not observed its latest generation is in progress.
- Deployment: all replicas updated, no old ones left, all updated ones available;
  ``ProgressDeadlineExceeded`` is a failure.
- StatefulSet: all replicas ready and updated to the update revision (partitions honoured).
- DaemonSet: every scheduled pod updated and available.
- ReplicaSet / ReplicationController: ready and available replicas match.
- Pod: the Ready condition, or phase Succeeded; phase Failed is a failure.
- Job: the Complete condition; the Failed condition is a failure.
- PersistentVolumeClaim: Bound. Namespace: Active. CRD: Established.
- Service: ready, except a LoadBalancer without an ingress address.
- Anything else: its Ready condition if it has one, else ready once it exists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    """The readiness of one object.

    Attributes:
        ready: The object is ready (kstatus "Current").
        message: What it is waiting for, or that it is ready, in kubectl's words.
        failed: It will not get ready by waiting (a failed Job, a rollout past its deadline).
    """

    ready: bool
    message: str
    failed: bool = False


def condition(obj: dict, type_: str) -> dict | None:
    """The ``status.conditions`` entry of ``type_``, or None."""
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return cond
    return None


def _true(obj: dict, type_: str) -> bool:
    cond = condition(obj, type_)
    return bool(cond) and cond.get("status") == "True"


def _observed(obj: dict) -> bool:
    gen = (obj.get("metadata") or {}).get("generation")
    seen = (obj.get("status") or {}).get("observedGeneration")
    return gen is None or (seen is not None and seen >= gen)


def status(obj: dict) -> Status:
    """The readiness of ``obj`` (any kind), by the rules in this module's docstring.

    Example:
        >>> status({"kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": "Succeeded"}}).ready
        True
    """
    kind = obj.get("kind", "")
    rule = _RULES.get(kind, _generic)
    return rule(obj)


def _name(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("name", "")


def _deployment(obj: dict) -> Status:
    name, spec, st = _name(obj), obj.get("spec") or {}, obj.get("status") or {}
    if not _observed(obj):
        return Status(False, "Waiting for deployment spec update to be observed...")
    progressing = condition(obj, "Progressing")
    if progressing and progressing.get("reason") == "ProgressDeadlineExceeded":
        return Status(False, f'deployment "{name}" exceeded its progress deadline', failed=True)
    if spec.get("paused"):
        return Status(False, f'deployment "{name}" is paused (run: %k8s rollout resume deployment/{name})')
    want = spec.get("replicas", 1)
    updated = st.get("updatedReplicas", 0)
    total = st.get("replicas", 0)
    available = st.get("availableReplicas", 0)
    failure = condition(obj, "ReplicaFailure")
    extra = f" ({failure.get('message')})" if failure and failure.get("status") == "True" else ""
    if updated < want:
        return Status(False, f'Waiting for deployment "{name}" rollout to finish: '
                             f"{updated} out of {want} new replicas have been updated...{extra}")
    if total > updated or total > want:  # old pods, or extra pods after a scale-down
        return Status(False, f'Waiting for deployment "{name}" rollout to finish: '
                             f"{total - min(updated, want)} old replicas are pending termination...")
    if available < updated:
        return Status(False, f'Waiting for deployment "{name}" rollout to finish: '
                             f"{available} of {updated} updated replicas are available...")
    return Status(True, f'deployment "{name}" successfully rolled out')


def _statefulset(obj: dict) -> Status:
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    strategy = spec.get("updateStrategy") or {}
    if not _observed(obj):
        return Status(False, "Waiting for statefulset spec update to be observed...")
    want = spec.get("replicas", 1)
    ready = st.get("readyReplicas", 0)
    if ready < want:
        return Status(False, f"Waiting for {want - ready} pods to be ready...")
    if st.get("replicas", want) > want:  # scaling down: the extra pods are still there
        return Status(False, f"Waiting for {st['replicas'] - want} pods to be terminated...")
    if strategy.get("type", "RollingUpdate") == "OnDelete":
        return Status(True, f"statefulset has {ready} ready pods (OnDelete: pods update when you delete them)")
    partition = (strategy.get("rollingUpdate") or {}).get("partition") or 0
    updated = st.get("updatedReplicas", 0)
    if partition:
        if updated < want - partition:
            return Status(False, "Waiting for partitioned roll out to finish: "
                                 f"{updated} out of {want - partition} new pods have been updated...")
        return Status(True, f"partitioned roll out complete: {updated} new pods have been updated...")
    if st.get("updateRevision") != st.get("currentRevision"):
        return Status(False, f"waiting for statefulset rolling update to complete {updated} pods at "
                             f"revision {st.get('updateRevision')}...")
    return Status(True, f"statefulset rolling update complete {st.get('currentReplicas', ready)} pods at "
                        f"revision {st.get('currentRevision')}...")


def _daemonset(obj: dict) -> Status:
    name, st = _name(obj), obj.get("status") or {}
    if not _observed(obj):
        return Status(False, "Waiting for daemon set spec update to be observed...")
    want = st.get("desiredNumberScheduled", 0)
    updated = st.get("updatedNumberScheduled", 0)
    available = st.get("numberAvailable", 0)
    if updated < want:
        return Status(False, f'Waiting for daemon set "{name}" rollout to finish: '
                             f"{updated} out of {want} new pods have been updated...")
    if available < want:
        return Status(False, f'Waiting for daemon set "{name}" rollout to finish: '
                             f"{available} of {want} updated pods are available...")
    return Status(True, f'daemon set "{name}" successfully rolled out')


def _replicaset(obj: dict) -> Status:
    kind = obj.get("kind", "ReplicaSet").lower()
    name, spec, st = _name(obj), obj.get("spec") or {}, obj.get("status") or {}
    if not _observed(obj):
        return Status(False, f"Waiting for {kind} spec update to be observed...")
    want = spec.get("replicas", 1)
    ready, available = st.get("readyReplicas", 0), st.get("availableReplicas", 0)
    if ready < want or available < want:
        return Status(False, f'Waiting for {kind} "{name}": {ready} of {want} replicas are ready...')
    if st.get("replicas", want) > want:
        return Status(False, f'Waiting for {kind} "{name}": {st["replicas"] - want} extra pods to terminate...')
    return Status(True, f'{kind} "{name}" has {want} ready replicas')


def _pod(obj: dict) -> Status:
    name = _name(obj)
    phase = (obj.get("status") or {}).get("phase", "Pending")
    if phase == "Succeeded":
        return Status(True, f'pod "{name}" completed (Succeeded)')
    if phase == "Failed":
        return Status(False, f'pod "{name}" failed: {pod_problem(obj) or "phase Failed"}', failed=True)
    if _true(obj, "Ready"):
        return Status(True, f'pod "{name}" is ready')
    return Status(False, f'pod "{name}" is not ready: {pod_problem(obj) or phase}')


def pod_problem(pod: dict) -> str | None:
    """Why a pod is not ready, in one line, or None if nothing is wrong that it shows.

    Example:
        ``container web: CrashLoopBackOff (back-off 10s restarting failed container), restarted 3 times``
    """
    st = pod.get("status") or {}
    if st.get("phase") == "Failed" and st.get("reason"):
        return f"{st['reason']}: {st.get('message', '')}".rstrip(": ")
    sched = condition(pod, "PodScheduled")
    if sched and sched.get("status") == "False":
        return f"not scheduled: {sched.get('reason', '')}: {sched.get('message', '')}".rstrip(": ")
    for key, label in (("initContainerStatuses", "init container"), ("containerStatuses", "container")):
        for cs in st.get(key) or []:
            problem = _container_problem(cs, init=key.startswith("init"))
            if problem:
                return f"{label} {cs.get('name')}: {problem}"
    ready = condition(pod, "Ready")
    if ready and ready.get("status") == "False":
        return ready.get("message") or ready.get("reason") or "not ready"
    if st.get("phase", "Pending") == "Pending":
        return "Pending (not yet scheduled or started)"
    return None


def _container_problem(cs: dict, *, init: bool) -> str | None:
    state = cs.get("state") or {}
    restarts = cs.get("restartCount", 0)
    tail = f", restarted {restarts} times" if restarts else ""
    if "waiting" in state:
        waiting = state["waiting"] or {}
        reason = waiting.get("reason", "Waiting")
        msg = waiting.get("message")
        last = ((cs.get("lastState") or {}).get("terminated") or {})
        if last and reason == "CrashLoopBackOff":
            tail += f", last exit code {last.get('exitCode')}" + (
                f" ({last['reason']})" if last.get("reason") else "")
        return f"{reason}" + (f" ({msg})" if msg else "") + tail
    if "terminated" in state:
        term = state["terminated"] or {}
        if init and term.get("exitCode") == 0:
            return None
        return f"terminated: {term.get('reason', '')} (exit code {term.get('exitCode')})" + tail
    if not init and cs.get("ready") is False and "running" in state:
        return "running but not ready (readiness probe)" + tail
    return None


def _job(obj: dict) -> Status:
    name = _name(obj)
    if _true(obj, "Complete"):
        return Status(True, f'job "{name}" completed')
    failed = condition(obj, "Failed")
    if failed and failed.get("status") == "True":
        return Status(False, f'job "{name}" failed: {failed.get("reason", "")}: {failed.get("message", "")}'
                      .rstrip(": "), failed=True)
    if (obj.get("spec") or {}).get("suspend"):
        return Status(False, f'job "{name}" is suspended')
    st = obj.get("status") or {}
    want = (obj.get("spec") or {}).get("completions", 1)
    return Status(False, f'Waiting for job "{name}" to complete: {st.get("succeeded", 0)} of {want} '
                         f'succeeded, {st.get("active", 0)} active, {st.get("failed", 0)} failed...')


def _pvc(obj: dict) -> Status:
    phase = (obj.get("status") or {}).get("phase", "Pending")
    name = _name(obj)
    if phase == "Bound":
        return Status(True, f'persistentvolumeclaim "{name}" is Bound')
    if phase == "Lost":
        return Status(False, f'persistentvolumeclaim "{name}" lost its volume', failed=True)
    return Status(False, f'persistentvolumeclaim "{name}" is {phase} (waiting for a volume; with a'
                         " WaitForFirstConsumer storage class, until a pod uses it)")


def _service(obj: dict) -> Status:
    name = _name(obj)
    if (obj.get("spec") or {}).get("type") == "LoadBalancer":
        if not ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
            return Status(False, f'service "{name}": waiting for a load balancer address (a cluster'
                                 " without a load balancer controller never gives one; use NodePort)")
    return Status(True, f'service "{name}" is ready')


def _namespace(obj: dict) -> Status:
    phase = (obj.get("status") or {}).get("phase", "Active")
    return Status(phase == "Active", f'namespace "{_name(obj)}" is {phase}')


def _crd(obj: dict) -> Status:
    if _true(obj, "Established"):
        return Status(True, f'customresourcedefinition "{_name(obj)}" is established')
    return Status(False, f'customresourcedefinition "{_name(obj)}" is not established yet')


def _generic(obj: dict) -> Status:
    name = f"{obj.get('kind', 'object').lower()} \"{_name(obj)}\""
    # only kinds whose controller reports observedGeneration (CronJob, Ingress... do not) wait for it
    if "observedGeneration" in (obj.get("status") or {}) and not _observed(obj):
        return Status(False, f"Waiting for {name} spec update to be observed...")
    ready = condition(obj, "Ready")
    if ready is not None:
        if ready.get("status") == "True":
            return Status(True, f"{name} is ready")
        return Status(False, f"{name} is not ready: {ready.get('reason', '')} {ready.get('message', '')}".rstrip())
    return Status(True, f"{name} exists")


_RULES = {
    "Deployment": _deployment,
    "StatefulSet": _statefulset,
    "DaemonSet": _daemonset,
    "ReplicaSet": _replicaset,
    "ReplicationController": _replicaset,
    "Pod": _pod,
    "Job": _job,
    "PersistentVolumeClaim": _pvc,
    "Service": _service,
    "Namespace": _namespace,
    "CustomResourceDefinition": _crd,
}
