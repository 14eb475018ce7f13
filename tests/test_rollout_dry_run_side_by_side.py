"""Side by side with kubectl: ``rollout undo --dry-run=client|server`` and ``rollout restart --dry-run``.

A dry run writes nothing, so kubectl and the kit run on the same objects in one namespace:
a Deployment (0 replicas: no pod needs to start) with most of what a pod template holds,
at two revisions, and a StatefulSet at two revisions. kubectl's client dry run of an undo
prints the pod template it would restore, in ``kubectl describe``'s words; its server dry run
prints ``rolled back (server dry run)``. kubectl 1.37's ``rollout restart`` has no ``--dry-run``
(``unknown flag``): the kit's prints kubectl's restart line with kubectl's dry-run suffixes.
"""

from __future__ import annotations

import subprocess

import pytest

import k8slab
from k8slab.client import session as S
from k8slab.errors import K8sLabError, UsageError

from _k8s_objects import pin_lab_context, shell, wait_for
from test_rollout_side_by_side import KUBECTL

pytestmark = pytest.mark.cluster

RICH = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: rich}
spec:
  replicas: 0
  selector: {matchLabels: {app: rich}}
  template:
    metadata:
      labels: {app: rich, tier: web}
      annotations: {note: hello, other: x}
    spec:
      serviceAccountName: default
      nodeSelector: {kubernetes.io/os: linux, disk: ssd}
      tolerations: [{key: k, operator: Equal, value: v, effect: NoSchedule}, {operator: Exists},
                    {key: t, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]
      initContainers:
      - {name: init, image: busybox:1.36, command: [sh, -c, "echo hi"]}
      containers:
      - name: app
        image: nginx:1.27
        command: [nginx]
        args: ["-g", "daemon off;"]
        ports: [{containerPort: 80}, {containerPort: 443, name: https}]
        env:
        - {name: A, value: "1"}
        - {name: E, value: ""}
        - {name: B, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        - {name: C, valueFrom: {configMapKeyRef: {name: cm, key: k}}}
        - {name: D, valueFrom: {secretKeyRef: {name: s, key: k, optional: true}}}
        envFrom: [{configMapRef: {name: cm}}, {secretRef: {name: s, optional: true}, prefix: P_}]
        resources: {limits: {cpu: 500m, memory: 128Mi}, requests: {cpu: 100m}}
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}
        livenessProbe: {tcpSocket: {port: 80}}
        startupProbe: {exec: {command: [cat, /tmp/x]}, initialDelaySeconds: 3, failureThreshold: 30}
        volumeMounts: [{name: data, mountPath: /data}, {name: cfg, mountPath: /etc/cfg, readOnly: true, subPath: x},
                       {name: sec, mountPath: /s}, {name: pvc, mountPath: /p}, {name: hp, mountPath: /h}]
      - name: side
        image: busybox:1.36
        ports: [{containerPort: 8080, hostPort: 18080, protocol: UDP, name: dns}]
      volumes:
      - {name: data, emptyDir: {}}
      - {name: mem, emptyDir: {medium: Memory, sizeLimit: 1Gi}}
      - {name: cfg, configMap: {name: cm}}
      - {name: sec, secret: {secretName: s, optional: true}}
      - {name: pvc, persistentVolumeClaim: {claimName: c, readOnly: true}}
      - {name: hp, hostPath: {path: /tmp, type: Directory}}
"""

STS = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 0
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "nginx:1.27", ports: [{containerPort: 5432, name: pg}]}]
"""


def kubectl(kubeconfig, *args, ok: bool = True) -> subprocess.CompletedProcess:
    if not KUBECTL.exists():
        pytest.fail(f"kubectl is not built at {KUBECTL}; run: k8slab build kubectl")
    out = subprocess.run([str(KUBECTL), "--kubeconfig", kubeconfig, "--context", S.current().context, *args],
                         capture_output=True, text=True, timeout=120)
    assert (out.returncode == 0) == ok, out.stderr
    return out


def _settled(o):
    return (o.get("status") or {}).get("observedGeneration") == o["metadata"]["generation"]


@pytest.fixture
def two_revisions(cluster, namespace):
    pin_lab_context()
    k8slab.create(manifest=RICH + "---\n" + STS, namespace=namespace)
    k8slab.set_image("deploy/rich", "app=nginx:1.28", namespace=namespace)
    k8slab.set_image("statefulset/db", "db=nginx:1.28", namespace=namespace)
    for kind, name in (("Deployment", "rich"), ("StatefulSet", "db")):
        wait_for(namespace, "apps/v1", kind, name, _settled)
    return namespace


def _live(ns: str, path: str = "deployments/rich") -> dict:
    obj = S.current().request("GET", f"/apis/apps/v1/namespaces/{ns}/{path}")
    return {"generation": obj["metadata"]["generation"], "template": obj["spec"]["template"]}


def test_undo_dry_runs_print_what_kubectl_prints_and_change_nothing(two_revisions, kubeconfig):
    ns = two_revisions
    before = _live(ns)
    for extra in ([], ["--to-revision=2"], ["--to-revision=1"]):
        to_revision = int(extra[0].split("=")[1]) if extra else None
        theirs = kubectl(kubeconfig, "rollout", "undo", "deploy/rich", "-n", ns, "--dry-run=client", *extra).stdout
        ours = k8slab.rollout("undo", "deploy/rich", namespace=ns, to_revision=to_revision, dry_run="client")
        assert str(ours) == theirs.rstrip("\n"), extra
        theirs = kubectl(kubeconfig, "rollout", "undo", "deploy/rich", "-n", ns, "--dry-run=server", *extra).stdout
        ours = k8slab.rollout("undo", "deploy/rich", namespace=ns, to_revision=to_revision, dry_run="server")
        assert str(ours) == theirs.strip(), extra
    assert str(ours) == "deployment.apps/rich rolled back (server dry run)"
    assert "nginx:1.27" in str(k8slab.rollout("undo", "deploy/rich", namespace=ns, dry_run="client"))
    assert _live(ns) == before  # nothing was stored


def test_undo_dry_run_of_a_statefulset_matches_kubectl(two_revisions, kubeconfig):
    ns = two_revisions
    before = _live(ns, "statefulsets/db")
    for mode in ("client", "server"):
        theirs = kubectl(kubeconfig, "rollout", "undo", "statefulset/db", "-n", ns, f"--dry-run={mode}").stdout
        ours = k8slab.rollout("undo", "statefulset/db", namespace=ns, dry_run=mode)
        assert str(ours) == theirs.rstrip("\n").strip(" ") if mode == "server" else theirs.rstrip("\n"), mode
    assert _live(ns, "statefulsets/db") == before


def test_undo_of_a_paused_deployment_client_prints_server_refuses_as_kubectl(two_revisions, kubeconfig):
    ns = two_revisions
    k8slab.rollout("pause", "deploy/rich", namespace=ns)
    theirs = kubectl(kubeconfig, "rollout", "undo", "deploy/rich", "-n", ns, "--dry-run=client").stdout
    assert str(k8slab.rollout("undo", "deploy/rich", namespace=ns, dry_run="client")) == theirs.rstrip("\n")
    assert "cannot rollback a paused deployment" in kubectl(
        kubeconfig, "rollout", "undo", "deploy/rich", "-n", ns, "--dry-run=server", ok=False).stderr
    with pytest.raises(K8sLabError, match="paused deployment"):
        k8slab.rollout("undo", "deploy/rich", namespace=ns, dry_run="server")


def test_restart_dry_runs_change_nothing_and_say_so_as_kubectl_would(two_revisions, kubeconfig):
    ns = two_revisions
    # kubectl 1.37 has no `rollout restart --dry-run`: if a later one adds it, compare its text here
    assert "unknown flag: --dry-run" in kubectl(kubeconfig, "rollout", "restart", "deploy/rich", "-n", ns,
                                                "--dry-run=client", ok=False).stderr
    before = _live(ns)
    client = k8slab.rollout("restart", "deploy/rich", namespace=ns, dry_run="client")
    server = k8slab.rollout("restart", "deploy/rich", namespace=ns, dry_run="server")
    assert _live(ns) == before
    restarted = server.objects[0]["spec"]["template"]["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/restartedAt" in restarted  # what the server would have stored
    theirs = kubectl(kubeconfig, "rollout", "restart", "deploy/rich", "-n", ns).stdout.strip()
    assert str(client) == theirs + " (dry run)" and str(server) == theirs + " (server dry run)"


def test_the_magic_takes_dry_run_and_refuses_it_where_kubectl_has_none(two_revisions, kubeconfig):
    from IPython.core.error import UsageError as IPythonUsageError
    from IPython.utils.capture import capture_output

    ns = two_revisions
    ip = shell()
    res = ip.run_line_magic("k8s", f"rollout undo deploy/rich -n {ns} --dry-run=server")
    assert str(res) == "deployment.apps/rich rolled back (server dry run)"
    res = ip.run_line_magic("k8s", f"rollout undo deploy/rich -n {ns} --dry-run")  # bare: client, as kubectl
    theirs = kubectl(kubeconfig, "rollout", "undo", "deploy/rich", "-n", ns, "--dry-run=client").stdout
    assert str(res) == theirs.rstrip("\n")
    with pytest.raises(UsageError, match="applies to undo and restart only"):
        k8slab.rollout("status", "deploy/rich", namespace=ns, dry_run="client")
    with pytest.raises(UsageError, match="use none, client or server"):
        k8slab.rollout("undo", "deploy/rich", namespace=ns, dry_run="maybe")
    with capture_output() as out, pytest.raises(IPythonUsageError, match="applies to undo and restart only"):
        ip.run_line_magic("k8s", f"rollout pause deploy/rich -n {ns} --dry-run=client")
    assert "Traceback" not in out.stdout + out.stderr
    with pytest.raises(IPythonUsageError):
        ip.run_line_magic("k8s", f"rollout undo deploy/rich -n {ns} --dry-run=maybe")
