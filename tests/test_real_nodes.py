"""Real containers on the real-node engine: what KWOK could only pretend.

Each test runs workloads on the lab's real kubelets (busybox, nginx, perl stand-ins
from the local image set) and checks what the containers really did. On a cluster
whose pods are all simulated the tests skip, unless ``K8SLAB_EXPECT_REAL_NODES=1``
(set by CI on the real-node engine), where a skip would hide a broken engine and so
fails instead.
"""

from __future__ import annotations

import time
import urllib.request

import pytest

import k8slab
from k8slab.client import session as S
from k8slab.api.read.exec import CommandFailed

from _k8s_objects import require_real_nodes, wait_for

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def real_nodes(cluster):
    require_real_nodes()


def _pod(ns: str, name: str) -> dict:
    return S.current().request("GET", f"/api/v1/namespaces/{ns}/pods/{name}")


def _status(pod: dict, container: str | None = None) -> dict:
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if container is None or cs["name"] == container:
            return cs
    return {}


def _ready(pod: dict) -> bool:
    conds = (pod.get("status") or {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conds)


def _pod_yaml(name: str, image: str, command: str, extra: str = "") -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{app: {name}}}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: {image}
    command: ["sh", "-c", {command!r}]
{extra}"""


def test_a_crashing_container_backs_off_and_keeps_its_previous_log(namespace):
    k8slab.apply(_pod_yaml("broken", "busybox:1.36", "echo attempt; exit 1"), namespace=namespace)
    pod = wait_for(namespace, "v1", "Pod", "broken",
                   lambda p: _status(p).get("restartCount", 0) >= 2
                   and (_status(p).get("state") or {}).get("waiting", {}).get("reason") == "CrashLoopBackOff",
                   timeout=120)
    last = (_status(pod).get("lastState") or {}).get("terminated") or {}
    assert last.get("exitCode") == 1 and last.get("reason") == "Error"
    assert "attempt" in str(k8slab.logs("broken", namespace=namespace, previous=True))


def test_logs_and_exec_reach_the_running_container(namespace):
    k8slab.apply(_pod_yaml("talker", "busybox:1.36", "echo hello from $(hostname); sleep 3600"),
                 namespace=namespace, wait=60)
    assert "hello from talker" in str(k8slab.logs("talker", namespace=namespace))
    out = k8slab.exec("talker", ["sh", "-c", "echo $((6 * 7)); cat /etc/hostname"], namespace=namespace)
    assert str(out).split() == ["42", "talker"]
    res = k8slab.exec("talker", ["sh", "-c", "echo oops >&2; exit 3"], namespace=namespace, check=False)
    assert res.returncode == 3 and "oops" in str(res.stderr)
    with pytest.raises(CommandFailed):
        k8slab.exec("talker", ["false"], namespace=namespace)


def test_probes_gate_endpoints_and_restart_containers(namespace):
    k8slab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: probed, labels: {app: probed}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: nginx:1.27
    readinessProbe:
      exec: {command: ["cat", "/tmp/ready"]}
      periodSeconds: 1
    livenessProbe:
      exec: {command: ["cat", "/usr/share/nginx/html/index.html"]}
      periodSeconds: 1
      failureThreshold: 2
---
apiVersion: v1
kind: Service
metadata: {name: probed}
spec:
  selector: {app: probed}
  ports: [{port: 80}]
""", namespace=namespace)
    wait_for(namespace, "v1", "Pod", "probed", lambda p: _status(p).get("started") is True, timeout=60)
    time.sleep(3)  # several readiness periods: it must stay out while the probe fails
    pod = _pod(namespace, "probed")
    assert not _ready(pod)
    slices = S.current().request("GET", f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices",
                                 query={"labelSelector": "kubernetes.io/service-name=probed"})
    ready = [e for s in slices["items"] for e in s.get("endpoints") or []
             if (e.get("conditions") or {}).get("ready")]
    assert ready == []
    k8slab.exec("probed", ["touch", "/tmp/ready"], namespace=namespace)
    wait_for(namespace, "v1", "Pod", "probed", _ready, timeout=30)
    # now break the liveness probe: the kubelet restarts the container (and /tmp/ready is gone)
    k8slab.exec("probed", ["rm", "/usr/share/nginx/html/index.html"], namespace=namespace)
    pod = wait_for(namespace, "v1", "Pod", "probed", lambda p: _status(p).get("restartCount", 0) >= 1,
                   timeout=60)
    assert not _ready(pod) or _status(pod)["restartCount"] >= 1


def test_config_and_secrets_reach_the_container_as_files_and_env(namespace):
    k8slab.apply(f"""
apiVersion: v1
kind: ConfigMap
metadata: {{name: app-config}}
data:
  app.properties: "color=blue\\nsize=3\\n"
  MODE: lab
---
apiVersion: v1
kind: Secret
metadata: {{name: app-secret}}
stringData: {{PASSWORD: s3cr3t}}
---
{_pod_yaml("consumer", "busybox:1.36", "sleep 3600", '''    envFrom:
    - configMapRef: {name: app-config}
    - secretRef: {name: app-secret}
    volumeMounts:
    - {name: config, mountPath: /etc/config}
    - {name: secret, mountPath: /etc/secret, readOnly: true}
    - {name: shared, mountPath: /shared}
  - name: writer
    image: busybox:1.36
    command: ["sh", "-c", "echo from-writer > /shared/note; sleep 3600"]
    volumeMounts:
    - {name: shared, mountPath: /shared}
  volumes:
  - name: config
    configMap:
      name: app-config
      items: [{key: app.properties, path: settings/app.properties}]
  - name: secret
    secret: {secretName: app-secret}
  - name: shared
    emptyDir: {}''')}""", namespace=namespace, wait=60)
    ex = lambda cmd: str(k8slab.exec("consumer", ["sh", "-c", cmd], namespace=namespace,  # noqa: E731
                                     container="main"))
    assert ex("cat /etc/config/settings/app.properties") == "color=blue\nsize=3\n"
    assert ex("ls /etc/config") == "settings\n"
    env = ex("env")
    assert "MODE=lab" in env.splitlines() and "PASSWORD=s3cr3t" in env.splitlines()
    assert ex("cat /etc/secret/PASSWORD") == "s3cr3t"
    deadline = time.monotonic() + 20
    while ex("cat /shared/note 2>/dev/null || true") != "from-writer\n":
        assert time.monotonic() < deadline, "the writer container's file never reached the emptyDir"
        time.sleep(0.5)


def test_service_traffic_by_dns_name_and_nodeport_from_the_kernel(namespace):
    k8slab.apply(f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      topologySpreadConstraints:
      - {{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule,
         labelSelector: {{matchLabels: {{app: web}}}}}}
      containers:
      - {{name: nginx, image: "nginx:1.27", ports: [{{containerPort: 80}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  type: NodePort
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: 80}}]
---
{_pod_yaml("client", "busybox:1.36", "sleep 3600")}""", namespace=namespace, wait=90)
    pods = S.current().request("GET", f"/api/v1/namespaces/{namespace}/pods",
                               query={"labelSelector": "app=web"})["items"]
    assert len({p["spec"]["nodeName"] for p in pods}) == 2  # one per worker: traffic crosses nodes
    for host in ("web", f"web.{namespace}", f"web.{namespace}.svc.cluster.local"):
        body = str(k8slab.exec("client", ["wget", "-qO-", "-T", "5", f"http://{host}/"], namespace=namespace))
        assert "Welcome to nginx!" in body, host
    # each backend answers through the Service (several tries reach both pods)
    for pod in pods:
        ip = pod["status"]["podIP"]
        body = str(k8slab.exec("client", ["wget", "-qO-", "-T", "5", f"http://{ip}/"], namespace=namespace))
        assert "Welcome to nginx!" in body
    # names outside the cluster fail at once: CoreDNS forwards nothing off the machine
    res = k8slab.exec("client", ["nslookup", "example.com"], namespace=namespace, check=False)
    assert res.returncode != 0
    svc = S.current().request("GET", f"/api/v1/namespaces/{namespace}/services/web")
    node_port = svc["spec"]["ports"][0]["nodePort"]
    node = S.current().request("GET", f"/api/v1/nodes/{pods[0]['spec']['nodeName']}")
    addr = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
    assert addr.startswith("172.18.0.")  # a node address inside the engine's own network
    with urllib.request.urlopen(f"http://{addr}:{node_port}/", timeout=10) as resp:
        assert resp.status == 200 and b"Welcome to nginx!" in resp.read()


def test_a_volume_outlives_its_pods(namespace):
    claim = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 10Mi}}
"""
    with_claim = """    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
  restartPolicy: Never"""
    k8slab.apply(claim + "---" + _pod_yaml("writer", "busybox:1.36", "echo kept > /data/file", with_claim),
                 namespace=namespace)
    wait_for(namespace, "v1", "Pod", "writer", lambda p: p["status"].get("phase") == "Succeeded", timeout=90)
    k8slab.delete("pod/writer", namespace=namespace, wait=True)
    k8slab.apply(_pod_yaml("reader", "busybox:1.36", "cat /data/file", with_claim), namespace=namespace)
    wait_for(namespace, "v1", "Pod", "reader", lambda p: p["status"].get("phase") == "Succeeded", timeout=90)
    assert str(k8slab.logs("reader", namespace=namespace)) == "kept\n"


def test_a_statefulset_pod_keeps_its_volume_and_prestop_runs(namespace):
    k8slab.apply("""
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: db
        image: busybox:1.36
        command: ["sh", "-c", "echo started >> /data/log; sleep 3600"]
        lifecycle:
          postStart: {exec: {command: ["sh", "-c", "echo poststart >> /data/log"]}}
          preStop: {exec: {command: ["sh", "-c", "echo prestop >> /data/log"]}}
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 10Mi}}
""", namespace=namespace)
    first = wait_for(namespace, "v1", "Pod", "db-0", _ready, timeout=90)
    k8slab.delete("pod/db-0", namespace=namespace, wait=True)
    wait_for(namespace, "v1", "Pod", "db-0",
             lambda p: _ready(p) and p["metadata"]["uid"] != first["metadata"]["uid"], timeout=90)
    log = str(k8slab.exec("db-0", ["cat", "/data/log"], namespace=namespace)).split()
    # the first pod's lines are still there, its preStop hook included, then the second pod's
    assert log.count("started") == 2 and log.count("poststart") == 2
    assert log.index("prestop") > log.index("started") and log.count("prestop") == 1


def test_memory_limit_oomkills_and_a_perl_job_computes_pi(namespace):
    k8slab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: perl:5.34.0
    command: ["perl", "-e", "my $x = 'a' x (256 * 1024 * 1024); sleep 30"]
    resources: {limits: {memory: 32Mi}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]
""", namespace=namespace)
    pod = wait_for(namespace, "v1", "Pod", "hog",
                   lambda p: (_status(p).get("state") or {}).get("terminated"), timeout=90)
    assert _status(pod)["state"]["terminated"]["reason"] == "OOMKilled"
    k8slab.wait("job/pi", for_="condition=Complete", namespace=namespace, timeout=120)
    digits = str(k8slab.logs("job/pi", namespace=namespace)).strip()
    assert digits.startswith("3.14159265358979323846") and len(digits) == 2001


def test_an_image_not_in_the_set_fails_fast(namespace):
    k8slab.apply(_pod_yaml("ghost", "example.org/not/there:1.0", "true"), namespace=namespace)
    started = time.monotonic()
    pod = wait_for(namespace, "v1", "Pod", "ghost",
                   lambda p: (_status(p).get("state") or {}).get("waiting", {}).get("reason")
                   in ("ErrImagePull", "ImagePullBackOff"), timeout=60)
    assert time.monotonic() - started < 30
    assert "not/there" in _status(pod)["state"]["waiting"].get("message", "")


def test_a_learners_own_image_loads_and_runs(namespace):
    import secrets
    import subprocess
    import sys

    from k8slab.engine import images

    tag = secrets.token_hex(3)
    load = subprocess.run([sys.executable, "-m", "k8slab", "image", "load",
                           str(images.set_dir() / "busybox.tar"), "--name", f"learner/app:{tag}"],
                          capture_output=True, text=True, timeout=120)
    assert load.returncode == 0, load.stdout + load.stderr
    assert f"docker.io/learner/app:{tag} loaded" in load.stdout
    listed = subprocess.run([sys.executable, "-m", "k8slab", "images"], capture_output=True, text=True,
                            timeout=60)
    assert "learner/app" in listed.stdout and tag in listed.stdout
    k8slab.apply(_pod_yaml("mine", f"learner/app:{tag}", "echo my own image", "  restartPolicy: Never"),
                 namespace=namespace)
    wait_for(namespace, "v1", "Pod", "mine", lambda p: p["status"].get("phase") == "Succeeded", timeout=60)
    assert str(k8slab.logs("mine", namespace=namespace)) == "my own image\n"
    bad = subprocess.run([sys.executable, "-m", "k8slab", "image", "load", "/no/such.tar", "--name", "x:1"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "/no/such.tar" in bad.stderr
