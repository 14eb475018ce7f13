"""``k8slab.check`` / ``%k8s check`` against the real lab cluster: ✓ lines, ✗ lines with hints."""

from __future__ import annotations

import pytest

import k8slab
from k8slab.errors import CheckFailedError, UsageError

from _k8s_objects import wait_for

pytestmark = pytest.mark.cluster

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {tier: front}
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - port: 80
"""


def test_check_passes_with_a_tick_line(namespace):
    k8slab.apply(APP, namespace=namespace)
    res = k8slab.check("deploy/web", "replicas=2", "ready=2", namespace=namespace, timeout="60s")
    assert str(res) == "✓ deployment.apps/web: replicas=2, ready=2"
    assert res.object["status"]["readyReplicas"] == 2
    assert str(k8slab.check("svc/web", "type=NodePort", "port=80", "labels.tier=front", namespace=namespace,
                            timeout=0)) == "✓ service/web: type=NodePort, port=80, labels.tier=front"
    assert str(k8slab.check("deploy/web", "ready", "image=nginx:1.27", namespace=namespace)) == \
        "✓ deployment.apps/web: ready, image=nginx:1.27"
    # a missing field is shown as <none>, and can be asked for as <none> (or as nothing)
    assert str(k8slab.check("svc/web", "spec.externalName=<none>", "spec.loadBalancerIP=", namespace=namespace,
                            timeout=0)) == "✓ service/web: spec.externalName=<none>, spec.loadBalancerIP="
    with pytest.raises(CheckFailedError, match="spec.type: expected <none>, found NodePort"):
        k8slab.check("svc/web", "spec.type=<none>", namespace=namespace, timeout=0)


def test_check_failure_says_expected_found_and_hint(namespace):
    k8slab.apply(APP, namespace=namespace)
    with pytest.raises(CheckFailedError) as exc:
        k8slab.check("deploy/web", "replicas=3", namespace=namespace, timeout="1s")
    msg = str(exc.value)
    assert msg.splitlines()[0] == "✗ deployment.apps/web: replicas: expected 3, found 2 (waited 1s)"
    assert "hint: set spec.replicas in the YAML, or %k8s scale" in msg
    with pytest.raises(CheckFailedError) as exc:
        k8slab.check("svc/web", "type=ClusterIP", namespace=namespace, timeout=0)
    assert str(exc.value).splitlines()[0] == "✗ service/web: type: expected ClusterIP, found NodePort"


def test_check_missing_object(namespace):
    with pytest.raises(CheckFailedError) as exc:
        k8slab.check("pod/nginx", "phase=Running", namespace=namespace, timeout=0)
    msg = str(exc.value)
    assert msg.startswith(f'✗ pod/nginx: not found in namespace "{namespace}"')
    assert f"%k8s get pods -n {namespace}" in msg
    assert str(k8slab.check("pod/nginx", "absent", namespace=namespace, timeout=0)) == "✓ pod/nginx: absent"


def test_check_waits_for_a_pod_to_run(namespace):
    k8slab.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: nginx}\nspec:\n  containers:\n"
                 "  - {name: nginx, image: nginx}\n", namespace=namespace)
    assert str(k8slab.check("pod/nginx", "phase=Running", "ready", namespace=namespace, timeout="60s")) == \
        "✓ pod/nginx: phase=Running, ready"


def _between_restarts(pod: dict) -> bool:
    """Restarted once and not running: in a back-off of 10s or more on a real kubelet."""
    (cs,) = (pod.get("status") or {}).get("containerStatuses") or [{}]
    return cs.get("restartCount", 0) >= 1 and "running" not in (cs.get("state") or {"running": {}})


def test_check_crashing_pod_hint_names_the_reason(namespace):
    k8slab.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: crash}\nspec:\n  containers:\n"
                 "  - {name: app, image: busybox, command: [sh, -c, exit 1]}\n", namespace=namespace)
    # check from inside a back-off: a real kubelet shows each restarted container running (and the
    # pod Ready) for the moment before it exits again; after the first restart it waits 10s, 20s, ...
    # KWOK's crash stages never make the pod ready.
    wait_for(namespace, "v1", "Pod", "crash", _between_restarts)
    with pytest.raises(CheckFailedError) as exc:
        k8slab.check("pod/crash", "ready", namespace=namespace, timeout="5s")
    msg = str(exc.value)
    assert msg.splitlines()[0] == "✗ pod/crash: ready: expected ready, found false (waited 5s)"
    assert 'hint: pod "crash" is not ready: container app: ' in msg
    assert "CrashLoopBackOff (back-off " in msg or "terminated: Error (exit code 1)" in msg, msg


def test_check_bad_condition_is_a_usage_error(namespace):
    with pytest.raises(UsageError, match="KEY=VALUE"):
        k8slab.check("deploy/web", "replicas", namespace=namespace)
    with pytest.raises(UsageError, match="TYPE/NAME"):
        k8slab.check("web", "replicas=1", namespace=namespace)


def test_secret_values_stay_hidden_in_failures(namespace):
    k8slab.apply("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {pw: hunter2}\n", namespace=namespace)
    with pytest.raises(CheckFailedError) as exc:
        k8slab.check("secret/s", "data.pw=nope", namespace=namespace, timeout=0)
    assert "hunter2" not in str(exc.value) and "aHVudGVyMg" not in str(exc.value)
    assert "found <hidden: a Secret value>" in str(exc.value)
    from k8slab.errors import WaitTimeoutError

    with pytest.raises(WaitTimeoutError) as exc:
        k8slab.wait("secret/s", for_="jsonpath={.data.pw}=nope", namespace=namespace, timeout=1)
    assert "aHVudGVyMg" not in str(exc.value) and "differs (not shown)" in str(exc.value)


def test_check_every_selected_object_and_their_count(namespace):
    k8slab.apply(APP, namespace=namespace)
    res = k8slab.check("pods", "count=2", "phase=Running", selector="app=web", namespace=namespace, timeout="60s")
    assert str(res) == "✓ pods -l app=web: count=2, phase=Running (2 found)"
    with pytest.raises(CheckFailedError) as exc:
        k8slab.check("pods", "count=3", selector="app=web", namespace=namespace, timeout=0)
    assert str(exc.value) == "✗ pods -l app=web: count: expected 3, found 2"
    with pytest.raises(CheckFailedError) as exc:
        k8slab.check("pods", "image=nginx:1.28", selector="app=web", namespace=namespace, timeout=0)
    lines = str(exc.value).splitlines()
    assert lines[0].startswith("✗ pod/web-") and lines[0].endswith(": image: expected nginx:1.28, found nginx:1.27")
    with pytest.raises(CheckFailedError, match=r"✗ pods -l app=nope: none found"):
        k8slab.check("pods", "phase=Running", selector="app=nope", namespace=namespace, timeout=0)
