"""``%k8s create``: objects from flags, side by side with kubectl's generators, on the lab cluster."""

from __future__ import annotations

import shlex
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
    "create cronjob hello --image busybox:1.36 --schedule '*/1 * * * *' -- date",
    "create cronjob nightly --image busybox:1.36 --schedule '0 0 * * *' --restart Never",
    "create secret docker-registry reg --docker-server registry.example.com --docker-username u"
    " --docker-password 'p<&>' --docker-email e@x.com",
    "create secret docker-registry hub --docker-username u --docker-password p",
    "create service clusterip web --tcp 80:8080 --tcp 443",
    "create service nodeport web --tcp 80:http --node-port 30080",
    "create service clusterip headless --clusterip None",
    "create service loadbalancer lb --tcp 80 --tcp 443:8443",
    "create service externalname db --external-name db.example.com",
    "create ingress simple --rule foo.com/bar=svc1:8080,tls=my-cert",
    "create ingress multi --class nginx --rule 'app1.example.com/*=app1:80' --rule app2.example.com/=app2:http"
    " --annotation nginx.ingress.kubernetes.io/ssl-redirect=true",
    "create ingress merged --rule a.com/x=s1:80,tls=c1 --rule 'a.com/y/*=s2:81' --rule b.com/=s3:82,tls=c1"
    " --rule c.com/=s3:82,tls --default-backend def:8080",
    "run web --image nginx:1.27",
    "run t --image busybox:1.36 --restart Never --port 80 --labels a=b,c=d --env X=1 --env Y=2 -- sleep 10",
    "run sh --image busybox:1.36 --command -- sh -c date",
    "run retry --image busybox:1.36 --restart OnFailure -- a b",
]


@pytest.mark.parametrize("line", SAME_AS_KUBECTL)
def test_client_dry_run_yaml_is_kubectls(ip, cluster, tmp_path, line):
    """The generated YAML equals kubectl v1.37's own (``--dry-run=client -o yaml``)."""
    if not KUBECTL.exists():
        pytest.fail(f"kubectl is not built at {KUBECTL}; run: k8slab build")
    pin_lab_context()
    head, sep, command = line.partition(" -- ")
    flags = " --dry-run=client -o yaml" + (" --show-secrets" if "secret" in line else "")  # compare the values
    ours = yaml.safe_load(str(k8s(ip, head + flags + (f" -- {command}" if sep else ""))))
    config = ["--kubeconfig", "/dev/null"]
    if line.startswith("run "):  # kubectl run reads its namespace from a kubeconfig even for a client dry run
        from k8slab.engine.paths import kubeconfig_path

        config = ["--kubeconfig", str(kubeconfig_path()), "--context", S.current().context]
    argv = [str(KUBECTL), *config, *shlex.split(head), "--dry-run=client", "-o", "yaml"]
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


EXPOSE_SAME_AS_KUBECTL = [
    "expose deploy/one --port 80",
    "expose deploy/one",
    "expose deploy/one --port 80 --target-port 8080 --type NodePort --name one-np",
    "expose deploy two",
    "expose pod/solo --port 81 --protocol UDP",
    "expose svc/base --name base-again",
    "expose deploy/one --port 80 --target-port http --selector app=other",
]


def _with_ports(name: str, ports: list[int]) -> dict:
    labels = {"app": name, "tier": "demo"}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                                                           "ports": [{"containerPort": p} for p in ports]}]}}}}


@pytest.fixture(scope="module")
def exposable(cluster):
    """A namespace with a one-port and a two-port Deployment, a bare pod and a Service."""
    import k8slab

    pin_lab_context()
    name = f"k8slab-test-expose-{__import__('secrets').token_hex(2)}"
    k8slab.apply({"apiVersion": "v1", "kind": "Namespace",
                  "metadata": {"name": name, "labels": {"k8slab.dev/test": "true"}}})
    k8slab.apply([_with_ports("one", [8080]), _with_ports("two", [80, 443]),
                  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo", "labels": {"run": "solo"}},
                   "spec": {"containers": [{"name": "solo", "image": "nginx:1.27"}]}},
                  {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "base"},
                   "spec": {"selector": {"app": "one"}, "ports": [{"port": 90, "targetPort": 8080}]}}],
                 namespace=name)
    try:
        yield name
    finally:
        S.current().request("DELETE", f"/api/v1/namespaces/{name}")


@pytest.mark.parametrize("line", EXPOSE_SAME_AS_KUBECTL)
def test_expose_yaml_is_kubectls(ip, exposable, line):
    """The Service ``expose`` builds from a live object equals kubectl v1.37's own."""
    from k8slab.engine.paths import kubeconfig_path

    flags = f" -n {exposable} --dry-run=client -o yaml"
    ours = yaml.safe_load(str(k8s(ip, line + flags)))
    argv = [str(KUBECTL), "--kubeconfig", str(kubeconfig_path()), "--context", S.current().context,
            *line.split(), *flags.split()]
    theirs = yaml.safe_load(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)
    assert ours == theirs


def test_run_and_expose_create_and_say_so(ip, namespace):
    pin_lab_context()
    assert str(k8s(ip, f"run web -n {namespace} --image nginx:1.27 --port 80")) == "pod/web created"
    assert str(k8s(ip, f"expose pod/web -n {namespace}")) == "service/web exposed"
    svc = S.current().request("GET", f"/api/v1/namespaces/{namespace}/services/web")
    assert svc["spec"]["selector"] == {"run": "web"} and svc["spec"]["ports"][0]["port"] == 80
    with pytest.raises(UsageError, match="run needs --image"):
        k8s(ip, f"run nope -n {namespace}")
    with pytest.raises(UsageError, match="invalid restart policy: Sometimes"):
        k8s(ip, f"run nope -n {namespace} --image busybox:1.36 --restart Sometimes")
    with pytest.raises(UsageError, match="cannot expose a ConfigMap"):
        k8s(ip, f"expose configmap/kube-root-ca.crt -n {namespace} --port 80")
    k8s(ip, f"run bare -n {namespace} --image nginx:1.27")  # declares no port
    with pytest.raises(UsageError, match="couldn't find port"):
        k8s(ip, f"expose pod/bare -n {namespace}")


def test_new_kinds_are_accepted_by_the_server(ip, namespace):
    pin_lab_context()
    lines = [
        ("create cronjob tick --image busybox:1.36 --schedule '*/5 * * * *' -- date", "cronjob.batch/tick created"),
        ("create secret docker-registry reg --docker-username u --docker-password p", "secret/reg created"),
        ("create service nodeport web --tcp 80:8080", "service/web created"),
        ("create service clusterip headless --clusterip None", "service/headless created"),
        ("create ingress web --rule 'web.example.com/*=web:80,tls=web-tls'", "ingress.networking.k8s.io/web created"),
    ]
    for line, said in lines:
        assert str(k8s(ip, line.replace("create ", f"create -n {namespace} ", 1))) == said  # -n before any --
    s = S.current()
    svc = s.request("GET", f"/api/v1/namespaces/{namespace}/services/web")
    assert 30000 <= svc["spec"]["ports"][0]["nodePort"] <= 32767
    reg = s.request("GET", f"/api/v1/namespaces/{namespace}/secrets/reg")
    assert reg["type"] == "kubernetes.io/dockerconfigjson"
