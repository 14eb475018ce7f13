"""kstatus-style readiness rules on plain dicts, and the "why not ready" text."""

from __future__ import annotations

import pytest

from k8slab.api.watch.readiness import pod_problem, status


def deploy(gen=2, observed=2, want=3, replicas=3, updated=3, available=3, **extra):
    return {"kind": "Deployment", "metadata": {"name": "web", "generation": gen},
            "spec": {"replicas": want, **extra},
            "status": {"observedGeneration": observed, "replicas": replicas,
                       "updatedReplicas": updated, "availableReplicas": available}}


@pytest.mark.parametrize("obj, ready, text", [
    (deploy(), True, 'deployment "web" successfully rolled out'),
    (deploy(observed=1), False, "Waiting for deployment spec update to be observed..."),
    (deploy(updated=1, available=1), False, "1 out of 3 new replicas have been updated"),
    (deploy(replicas=4), False, "1 old replicas are pending termination"),
    (deploy(available=2), False, "2 of 3 updated replicas are available"),
    (deploy(paused=True), False, "is paused"),
    (deploy(want=1, replicas=3, updated=3, available=3), False, "2 old replicas are pending termination"),
])
def test_deployment(obj, ready, text):
    st = status(obj)
    assert st.ready is ready
    assert text in st.message
    assert not st.failed


def test_deployment_past_its_deadline_failed():
    obj = deploy(available=0)
    obj["status"]["conditions"] = [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]
    st = status(obj)
    assert (st.ready, st.failed) == (False, True)
    assert "exceeded its progress deadline" in st.message


def sts(ready=3, updated=3, cur="r1", upd="r1", partition=None, strategy="RollingUpdate"):
    spec = {"replicas": 3, "updateStrategy": {"type": strategy}}
    if partition is not None:
        spec["updateStrategy"]["rollingUpdate"] = {"partition": partition}
    return {"kind": "StatefulSet", "metadata": {"name": "db", "generation": 1}, "spec": spec,
            "status": {"observedGeneration": 1, "readyReplicas": ready, "updatedReplicas": updated,
                       "currentRevision": cur, "updateRevision": upd, "currentReplicas": 3}}


@pytest.mark.parametrize("obj, ready, text", [
    (sts(), True, "rolling update complete 3 pods at revision r1"),
    (sts(ready=1), False, "Waiting for 2 pods to be ready"),
    (sts(cur="r1", upd="r2", updated=1), False, "waiting for statefulset rolling update to complete 1 pods"),
    (sts(partition=2, updated=0, upd="r2"), False, "0 out of 1 new pods have been updated"),
    (sts(partition=2, updated=1, upd="r2"), True, "partitioned roll out complete"),
    (sts(strategy="OnDelete", cur="r1", upd="r2"), True, "OnDelete"),
    ({**sts(), "status": {**sts()["status"], "replicas": 4}}, False, "Waiting for 1 pods to be terminated"),
])
def test_statefulset(obj, ready, text):
    st = status(obj)
    assert st.ready is ready and text in st.message


@pytest.mark.parametrize("desired, updated, available, ready, text", [
    (2, 2, 2, True, 'daemon set "ds" successfully rolled out'),
    (2, 1, 1, False, "1 out of 2 new pods have been updated"),
    (2, 2, 1, False, "1 of 2 updated pods are available"),
])
def test_daemonset(desired, updated, available, ready, text):
    obj = {"kind": "DaemonSet", "metadata": {"name": "ds"},
           "status": {"desiredNumberScheduled": desired, "updatedNumberScheduled": updated,
                      "numberAvailable": available}}
    st = status(obj)
    assert st.ready is ready and text in st.message


def test_replicaset():
    obj = {"kind": "ReplicaSet", "metadata": {"name": "rs"}, "spec": {"replicas": 2},
           "status": {"readyReplicas": 1, "availableReplicas": 1}}
    assert not status(obj).ready and "1 of 2 replicas are ready" in status(obj).message
    obj["status"] = {"readyReplicas": 2, "availableReplicas": 2}
    assert status(obj).ready


def crashing_pod():
    return {"kind": "Pod", "metadata": {"name": "p"}, "status": {
        "phase": "Running",
        "conditions": [{"type": "PodScheduled", "status": "True"},
                       {"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
        "containerStatuses": [{"name": "app", "ready": False, "restartCount": 3,
                               "state": {"waiting": {"reason": "CrashLoopBackOff",
                                                     "message": "back-off 40s restarting failed container"}},
                               "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}


def test_pod_crashloop_reason():
    st = status(crashing_pod())
    assert not st.ready and not st.failed
    assert st.message == ('pod "p" is not ready: container app: CrashLoopBackOff (back-off 40s restarting'
                          " failed container), restarted 3 times, last exit code 1 (Error)")


def test_pod_unschedulable_reason():
    pod = {"kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
         "message": "0/3 nodes are available: 3 Insufficient cpu."}]}}
    assert pod_problem(pod) == "not scheduled: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu."


@pytest.mark.parametrize("phase, conds, ready, failed", [
    ("Running", [{"type": "Ready", "status": "True"}], True, False),
    ("Succeeded", [], True, False),
    ("Failed", [], False, True),
    ("Pending", [], False, False),
])
def test_pod_phases(phase, conds, ready, failed):
    st = status({"kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": phase, "conditions": conds}})
    assert (st.ready, st.failed) == (ready, failed)


def test_image_pull_and_init_container():
    pod = {"kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": "Pending", "initContainerStatuses": [
        {"name": "init", "state": {"terminated": {"exitCode": 0}}}], "containerStatuses": [
        {"name": "c", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}}
    assert pod_problem(pod) == "container c: ImagePullBackOff"
    pod["status"]["initContainerStatuses"][0]["state"] = {"waiting": {"reason": "PodInitializing"}}
    assert pod_problem(pod) == "init container init: PodInitializing"


@pytest.mark.parametrize("conds, ready, failed, text", [
    ([{"type": "Complete", "status": "True"}], True, False, 'job "j" completed'),
    ([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
       "message": "Job has reached the specified backoff limit"}], False, True, "BackoffLimitExceeded"),
    ([], False, False, "0 of 1 succeeded, 1 active"),
])
def test_job(conds, ready, failed, text):
    st = status({"kind": "Job", "metadata": {"name": "j"}, "spec": {},
                 "status": {"conditions": conds, "active": 1}})
    assert (st.ready, st.failed) == (ready, failed) and text in st.message


@pytest.mark.parametrize("obj, ready", [
    ({"kind": "PersistentVolumeClaim", "metadata": {"name": "c"}, "status": {"phase": "Bound"}}, True),
    ({"kind": "PersistentVolumeClaim", "metadata": {"name": "c"}, "status": {"phase": "Pending"}}, False),
    ({"kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "ClusterIP"}}, True),
    ({"kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "LoadBalancer"}, "status": {}}, False),
    ({"kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "LoadBalancer"},
      "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}}, True),
    ({"kind": "ConfigMap", "metadata": {"name": "c"}}, True),
    ({"kind": "Namespace", "metadata": {"name": "n"}, "status": {"phase": "Terminating"}}, False),
    ({"kind": "CustomResourceDefinition", "metadata": {"name": "x"},
      "status": {"conditions": [{"type": "Established", "status": "True"}]}}, True),
    ({"kind": "Widget", "metadata": {"name": "w"}, "status": {"conditions": [{"type": "Ready", "status": "False"}]}},
     False),
    ({"kind": "Widget", "metadata": {"name": "w", "generation": 2}, "status": {"observedGeneration": 1}}, False),
    ({"kind": "CronJob", "metadata": {"name": "c", "generation": 1}, "status": {}}, True),
    ({"kind": "Ingress", "metadata": {"name": "i", "generation": 1}, "status": {"loadBalancer": {}}}, True),
])
def test_other_kinds(obj, ready):
    assert status(obj).ready is ready
