"""``%k8s create``: objects from flags, side by side with kubectl's generators, on the lab cluster."""

from __future__ import annotations

import subprocess

import pytest
import yaml
from IPython.core.error import UsageError

from k8slab.client import session as S
from k8slab.errors import NotFoundError
from k8slab.engine import versions
from k8slab.engine.paths import bin_dir

from _k8s_objects import pin_lab_context, shell

pytestmark = pytest.mark.cluster
KUBECTL = bin_dir("kubernetes", versions.KUBERNETES) / "kubectl"


@pytest.fixture(scope="module")
def ip():
    return shell()


def k8s(ip, line):
    return ip.run_line_magic("k8s", line)


SAME_AS_KUBECTL = [
    "create deployment web --image nginx:1.27 --replicas 2 --port 80",
    "create deployment two --image nginx:1.27 --image registry.k8s.io/e2e-test-images/agnhost:2.53",
    "create deployment sleeper --image busybox:1.36 -- sleep 3600",
    "create job once --image busybox:1.36 -- date",
    "create configmap app --from-literal=mode=dev --from-literal=level=3",
    "create secret generic db --from-literal=user=admin --from-literal=password=s3cret",
    "create secret generic typed --from-literal=a=b --type=example.com/custom",
    "create namespace lab-x",
]


@pytest.mark.parametrize("line", SAME_AS_KUBECTL)
def test_client_dry_run_yaml_is_kubectls(ip, cluster, tmp_path, line):
    """The generated YAML equals kubectl v1.37's own (``--dry-run=client -o yaml``)."""
    if not KUBECTL.exists():
        pytest.fail(f"kubectl is not built at {KUBECTL}; run: k8slab build")
    pin_lab_context()
    head, sep, command = line.partition(" -- ")
    flags = " --dry-run=client -o yaml" + (" --show-secrets" if "secret" in line else "")
    ours = yaml.safe_load(str(k8s(ip, head + flags + (f" -- {command}" if sep else ""))))
    argv = [str(KUBECTL), "--kubeconfig", "/dev/null", *head.split(), "--dry-run=client", "-o", "yaml"]
    if sep:
        argv += ["--", *command.split()]
    theirs = yaml.safe_load(subprocess.run(argv, capture_output=True, text=True, check=True,
                                           cwd=tmp_path).stdout)
    assert ours == theirs


def test_create_objects_and_kubectls_lines(ip, namespace):
    pin_lab_context()
    assert str(k8s(ip, f"create deployment web --image nginx:1.27 -n {namespace}")) == "deployment.apps/web created"
    assert str(k8s(ip, f"create configmap app --from-literal=mode=dev -n {namespace} -o name")) == "configmap/app"
    assert str(k8s(ip, f"create deployment web3 --image nginx -n {namespace} --dry-run=server")) == \
        "deployment.apps/web3 created (server dry run)"
    s = S.current()
    assert s.request("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/web")["spec"]["replicas"] == 1
    assert s.request("GET", f"/api/v1/namespaces/{namespace}/configmaps/app")["data"] == {"mode": "dev"}
    with pytest.raises(NotFoundError):
        s.request("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/web3")
    with pytest.raises(UsageError, match=r'\(AlreadyExists\): deployments.apps "web" already exists'):
        k8s(ip, f"create deployment web --image nginx:1.27 -n {namespace}")


def test_secret_values_are_masked_unless_asked(ip, namespace):
    pin_lab_context()
    text = str(k8s(ip, f"create secret generic db --from-literal=password=s3cret -n {namespace} -o yaml"))
    assert 'password: "<hidden: 6 bytes>"' in text and "czNjcmV0" not in text
    assert "managedFields" not in text
    stored = S.current().request("GET", f"/api/v1/namespaces/{namespace}/secrets/db")
    assert stored["data"] == {"password": "czNjcmV0"} and stored["type"] == "Opaque"


def test_job_from_cronjob_runs_now(ip, namespace):
    """``create job --from=cronjob/X``: the CronJob's template, marked manual, owned by the CronJob."""
    from kube_wait import wait_for
    from kubernetes import client

    pin_lab_context()
    s = S.current()
    cron = s.request("POST", f"/apis/batch/v1/namespaces/{namespace}/cronjobs", body={
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "hello"},
        "spec": {"schedule": "0 0 1 1 *", "jobTemplate": {
            "metadata": {"labels": {"app": "hello"}},
            "spec": {"backoffLimit": 2, "template": {"spec": {
                "restartPolicy": "OnFailure",
                "containers": [{"name": "hello", "image": "busybox:1.36", "command": ["date"]}]}}}}}})
    assert str(k8s(ip, f"create job hello-now --from=cronjob/hello -n {namespace}")) == "job.batch/hello-now created"
    job = s.request("GET", f"/apis/batch/v1/namespaces/{namespace}/jobs/hello-now")
    assert job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert job["metadata"]["labels"]["app"] == "hello" and job["spec"]["backoffLimit"] == 2
    owner = job["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == \
        ("CronJob", "hello", cron["metadata"]["uid"], True)
    batch = client.BatchV1Api(S.current().api_client)
    wait_for(batch.list_namespaced_job, lambda items: bool(items) and (items[0].status.succeeded or 0) == 1,
             timeout=60, namespace=namespace, field_selector="metadata.name=hello-now")


def test_create_bad_inputs_are_short_errors(ip, namespace, tmp_path):
    pin_lab_context()
    (tmp_path / "not-a-cert.crt").write_text("hello\n")
    cases = {
        "create widget w": "cannot create 'widget'; one of: namespace, deployment",
        "create secret db": "secret needs a subtype",
        "create deployment": "give TYPE and NAME",
        "create deployment web": "create deployment needs --image",
        "create job now": "create job needs --image or --from=cronjob/NAME",
        "create job now --from=deploy/x": "--from=deploy/x: give cronjob/NAME",
        f"create job now --from=cronjob/nope -n {namespace}": 'cronjobs.batch "nope" not found',
        "create configmap c --from-literal=x": "--from-literal=x: use KEY=VALUE",
        "create configmap c --from-literal=a=1 --from-literal=a=2": "key 'a' is given twice",
        "create configmap c --from-file=/no/such/file": "cannot read /no/such/file",
        "create deployment web --image nginx --replicas -1": "--replicas must be 0 or more",
        f"create secret tls t --cert {tmp_path}/not-a-cert.crt --key {tmp_path}/not-a-cert.crt":
            "not a PEM certificate",
        "create secret tls t": "needs --cert and --key",
        "create deployment web --image nginx -o wide": "invalid choice: 'wide'",
    }
    for line, expected in cases.items():
        with pytest.raises(UsageError) as err:
            k8s(ip, line)
        assert expected in str(err.value), (line, str(err.value))
