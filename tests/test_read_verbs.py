"""describe, events, logs, explain, api-resources, tree, use and the context guard, on the lab cluster."""

from __future__ import annotations

import re

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from k8slab.client import session as S

from _k8s_objects import create, pin_lab_context, shell, wait_for

pytestmark = pytest.mark.cluster

# KWOK plays this node's kubelet on the kwok and on the local engine: a pod bound to it is simulated
SIMULATED_NODE = "k8slab-control-plane"


@pytest.fixture(scope="module")
def ip():
    return shell()


def k8s(ip, line):
    return ip.run_line_magic("k8s", line)


def _a_pod(web):
    pods = S.current().request("GET", f"/api/v1/namespaces/{web}/pods", query={"labelSelector": "app=web"})
    return sorted(p["metadata"]["name"] for p in pods["items"])[0]


def test_describe_deployment_and_pod(ip, web):
    text = str(k8s(ip, f"describe deploy/web -n {web}"))
    assert "Name:         web" in text and f"Namespace:    {web}" in text
    assert "Replicas:     2 desired" in text and "Conditions:" in text and "Available" in text
    assert "Image:          nginx:1.27" in text and "Events:" in text and "ScalingReplicaSet" in text
    assert "OldReplicaSets: <none>" in text
    assert re.search(r"NewReplicaSet:  web-[a-z0-9]+ \(2/2 replicas created\)", text)
    pod = str(k8s(ip, f"describe pod {_a_pod(web)} -n {web}"))
    assert "Status:       Running" in pod and "Controlled By: ReplicaSet/web-" in pod
    assert "State:          Running" in pod and "Ready:          True" in pod


def test_describe_secret_masks_values(ip, web):
    text = str(k8s(ip, f"describe secret web-secret -n {web}"))
    assert "password:  <hidden: 12 bytes>" in text and "s3cr3t" not in text
    assert "s3cr3t-value" not in repr(k8s(ip, f"describe secret web-secret -n {web}").data)


def test_describe_missing_object(ip, web):
    with pytest.raises(UsageError, match='deployments.apps "nope" not found'):
        k8s(ip, f"describe deploy nope -n {web}")


def test_events_sorted_and_filtered(ip, web):
    ev = k8s(ip, f"events -n {web}")
    assert list(ev.columns) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert "Deployment/web" in set(ev.OBJECT) and "ScalingReplicaSet" in set(ev.REASON)
    only = k8s(ip, f"events deploy/web -n {web}")
    assert set(only.OBJECT) == {"Deployment/web"}
    warnings = k8s(ip, f"events -n {web} --types Warning")
    assert set(warnings.TYPE) <= {"Warning"} and len(warnings) < len(ev)


def test_logs_under_kwok_explains_itself(ip, namespace):
    """A simulated pod has no logs, and the message says why and what to do (per engine)."""
    import k8slab
    from k8slab.api.read.runtime import simulated

    pin_lab_context()
    if not simulated(S.current().request("GET", f"/api/v1/nodes/{SIMULATED_NODE}")):
        pytest.skip(f"{SIMULATED_NODE} runs containers on this cluster (kind engine): no simulated pod; "
                    "the kwok and local engine runs cover it")
    create(namespace, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "sim"}, "spec": {
        "nodeName": SIMULATED_NODE, "containers": [{"name": "app", "image": "nginx:1.27"}],
        "tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists",
                         "effect": "NoSchedule"}]}})
    wait_for(namespace, "v1", "Pod", "sim", lambda p: (p.get("status") or {}).get("phase") == "Running")
    with pytest.raises(UsageError) as err:
        k8s(ip, f"logs sim -n {namespace} --tail 5")
    msg = str(err.value)
    if k8slab.runs_containers():  # local engine: only this pod's node is simulated; the fix is to move it
        assert msg.startswith(f"no logs of pod sim: node {SIMULATED_NODE} simulates its pods")
        assert "k8slab-worker, k8slab-worker2 run containers" in msg
    else:  # kwok engine: every node is; the fix is another engine
        assert msg.startswith("no logs of pod sim: this cluster simulates its pods")
        assert "k8slab up --engine kind" in msg
    assert "Error from server" in msg  # the server's own words too
    with pytest.raises(UsageError, match='pods "nope" not found'):
        k8s(ip, f"logs nope -n {namespace}")


def test_explain_type_and_field(ip, web):
    top = str(k8s(ip, "explain deploy"))
    assert "KIND:       Deployment" in top and "GROUP:      apps" in top and "  spec\t<DeploymentSpec>" in top
    field = str(k8s(ip, "explain deployment.spec.strategy"))
    assert "FIELD: strategy <DeploymentStrategy>" in field and "rollingUpdate" in field
    assert "FIELD: containers <[]Container>" in str(k8s(ip, "explain pods.spec.containers"))
    with pytest.raises(UsageError, match='field "replica" does not exist.*did you mean \'replicas\''):
        k8s(ip, "explain deploy.spec.replica")


def test_api_resources(ip):
    res = k8s(ip, "api-resources")
    assert list(res.columns) == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    row = res[res.NAME == "deployments"].iloc[0].tolist()
    assert row == ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    cluster_only = k8s(ip, "api-resources --namespaced=false")
    assert set(cluster_only.NAMESPACED) == {"false"} and "nodes" in set(cluster_only.NAME)


def test_tree_deployment_replicaset_pods(ip, web):
    t = k8s(ip, f"tree deploy/web -n {web}")
    lines = str(t).splitlines()
    assert lines[0] == "deployment.apps/web   2/2 ready"
    assert lines[1].startswith("└── replicaset.apps/web-") and lines[1].endswith("2/2 ready")
    assert len([ln for ln in lines if "pod/web-" in ln and "Running 1/1" in ln]) == 2
    assert t.data["children"][0]["object"]["kind"] == "ReplicaSet"


def test_use_shows_and_sets_namespace(ip, web):
    try:
        with capture_output() as cap:
            k8s(ip, f"use --namespace {web}")
        assert f"namespace {web}" in cap.stdout
        assert f"context {S.current().context}," in cap.stdout and S.current().is_lab
        assert len(k8s(ip, "get pods")) == 2
    finally:
        S.use(namespace="default")


def test_guard_refuses_a_non_lab_context(ip, tmp_path, monkeypatch):
    import yaml

    other = tmp_path / "user-kubeconfig"
    other.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "prod",
        "clusters": [{"name": "prod", "cluster": {"server": "https://prod.example.com:6443"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "u"}}]}))
    monkeypatch.setenv("KUBECONFIG", str(other))
    before = S.current()
    with pytest.raises(UsageError) as info:
        k8s(ip, "use --context prod")
    msg = str(info.value)
    assert "'prod'" in msg and "https://prod.example.com:6443" in msg and "--allow-non-lab" in msg
    assert S.current() is before  # nothing switched
    try:
        with capture_output() as cap:
            k8s(ip, "use --context prod --allow-non-lab")
        assert "context prod" in cap.stdout and S.current().context == "prod"
    finally:
        monkeypatch.delenv("KUBECONFIG")
        pin_lab_context()


def test_public_api_raises_only_k8slab_errors(web):
    import k8slab
    from k8slab.errors import K8sLabError, NotFoundError

    for call in (lambda: k8slab.get("pods", "nope", namespace=web), lambda: k8slab.describe("deploy", "nope", namespace=web),
                 lambda: k8slab.tree("deploy/nope", namespace=web), lambda: k8slab.logs("nope", namespace=web)):
        with pytest.raises(K8sLabError) as info:
            call()
        assert isinstance(info.value, NotFoundError)
        assert "kubernetes" not in type(info.value).__module__
        cause = info.value.__cause__
        assert cause is None or "kubernetes" not in type(cause).__module__


def test_completion_of_types_and_names(ip, web):
    line = f"%k8s get deploy -n {web} w"
    _, matches = ip.complete("", line, len(line))
    assert "web" in matches
    line = f"%k8s describe -n {web} deploy/"
    _, matches = ip.complete("", line, len(line))
    assert "deploy/web" in matches
    from IPython.core.completer import provisionalcompleter

    with provisionalcompleter():  # JupyterLab's API: replaces the whole word, no Python names mixed in
        got = [(c.start, c.end, c.text) for c in ip.Completer.completions(line, len(line))]
    assert got == [(len(line) - len("deploy/"), len(line), "deploy/web")]
    line = "%k8s get deployme"
    _, matches = ip.complete("", line, len(line))
    assert "deployments" in matches


def test_version_and_cluster_info(cluster):
    import k8slab
    from k8slab.engine import versions

    pin_lab_context()
    text = str(k8slab.version())
    assert text.splitlines()[0].startswith(f"Client Version: k8slab {k8slab.__version__} (kubernetes Python client ")
    assert text.splitlines()[1] == f"Server Version: {versions.KUBERNETES}"
    assert "Server" not in str(k8slab.version(client=True))
    s = S.current()
    svc = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "k8slab-test-dns", "labels": {"kubernetes.io/cluster-service": "true",
                                                              "kubernetes.io/name": "TestDNS"}},
           "spec": {"ports": [{"name": "dns", "port": 53, "protocol": "UDP"}], "selector": {"k8s-app": "none"}}}
    s.request("POST", "/api/v1/namespaces/kube-system/services", body=svc)
    try:
        lines = str(k8slab.cluster_info()).splitlines()
    finally:
        s.request("DELETE", "/api/v1/namespaces/kube-system/services/k8slab-test-dns")
    assert lines[0] == f"Kubernetes control plane is running at {s.server.rstrip('/')}"
    assert f"TestDNS is running at {s.server.rstrip('/')}/api/v1/namespaces/kube-system/services/k8slab-test-dns:dns/proxy" in lines
