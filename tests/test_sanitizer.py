"""The nbval sanitizer shipped in k8slab/nbval/sanitize.cfg, applied to kubectl-style outputs."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest

from k8slab.nbval import sanitize_path


def _rules_configparser() -> list[tuple[str, str]]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(sanitize_path(), encoding="utf-8")
    return [(parser[s]["regex"], parser[s]["replace"]) for s in parser.sections()]


def _rules_nbval() -> list[tuple[str, str]]:
    # the exact expression nbval uses (nbval.plugin.get_sanitize_patterns)
    text = Path(sanitize_path()).read_text(encoding="utf-8")
    return re.findall("^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)


RULES = _rules_configparser()


def sanitize(text: str) -> str:
    for regex, replace in RULES:
        text = re.sub(regex, replace, text)
    return text


def test_path_is_shipped_file():
    path = Path(sanitize_path())
    assert path.is_file() and path.name == "sanitize.cfg"
    assert path.parent == Path(__file__).resolve().parents[1] / "k8slab" / "nbval"


def test_configparser_and_nbval_read_the_same_rules():
    assert RULES == _rules_nbval()
    assert len(RULES) >= 15
    assert len({regex for regex, _ in RULES}) == len(RULES)  # nbval keys rules by regex
    for regex, replace in RULES:
        re.compile(regex)
        assert replace == replace.strip(), f"replacement with edge spaces: {replace!r}"


def test_nbval_plugin_parses_the_file():
    plugin = pytest.importorskip("nbval.plugin")
    text = Path(sanitize_path()).read_text(encoding="utf-8")
    assert plugin.get_sanitize_patterns(text) == RULES


@pytest.mark.parametrize(
    "raw, expected",
    [
        # Deployment pods and their ReplicaSets (hashes of 8 to 10 characters)
        ("web-7d4b9c8f6d-x2x9k", "web-<hash>-<id>"),
        ("nginx-deployment-86dcfdf4c6-4hx5z", "nginx-deployment-<hash>-<id>"),
        ("broken-pods-5b9d6c8f7-zq2kp", "broken-pods-<hash>-<id>"),
        ("web-7d4b9c8f6d", "web-<hash>"),
        ("replicaset.apps/nginx-deployment-86dcfdf4c6", "replicaset.apps/nginx-deployment-<hash>"),
        # ReplicaSet, Job and DaemonSet pods
        ("frontend-x2x9k", "frontend-<id>"),
        ("pi-8f5bd", "pi-<id>"),
        ("fluentd-elasticsearch-kq7lz", "fluentd-elasticsearch-<id>"),
        # CronJob runs and their pods
        ("hello-29409876", "hello-<schedule>"),
        ("hello-29409876-x2x9k", "hello-<schedule>-<id>"),
        # StatefulSet pods and other stable names stay
        ("web-0", "web-0"),
        ("www-web-2", "www-web-2"),
        ("nginx-deployment", "nginx-deployment"),
        ("lab-04-deployments", "lab-04-deployments"),
        ("k8slab-worker2", "k8slab-worker2"),
        ("my-service-https", "my-service-https"),
        ("secret-dockercfg", "secret-dockercfg"),
        ("tls-example-ingress", "tls-example-ingress"),
        ("app.kubernetes.io/name=MyApp", "app.kubernetes.io/name=MyApp"),
        ("pod-template-hash=7d4b9c8f6d", "pod-template-hash=<hash>"),
        ("controller-revision-hash: web-6d8f7b9c5", "controller-revision-hash: web-<hash>"),
        ("controller-revision-hash=5d8c7b9f6", "controller-revision-hash=<hash>"),
        # identities and versions
        ("uid: 0b1c2d3e-4f56-4789-9abc-def012345678", "uid: <uid>"),
        ("pvc-0b1c2d3e-4f56-4789-9abc-def012345678", "pvc-<uid>"),
        ('resourceVersion: "48213"', 'resourceVersion: "<rv>"'),
        ('"resourceVersion": "48213",', '"resourceVersion": "<rv>",'),
        ("'resourceVersion': '7'", "'resourceVersion': '<rv>'"),
        ("nginx.17f9c5d2a3b4c5d6", "nginx.<event-id>"),
        ("containerd://" + "ab" * 32, "containerd://<container-id>"),
        ("nginx@sha256:" + "0f" * 32, "nginx@sha256:<digest>"),
        # timestamps
        ('creationTimestamp: "2026-11-26T00:52:32Z"', 'creationTimestamp: "<timestamp>"'),
        ("2026-11-26T00:52:32.123456Z", "<timestamp>"),
        ("2026-11-26T09:52:32+09:00", "<timestamp>"),
        ("Start Time: Thu, 26 Nov 2026 00:52:32 +0000", "Start Time: <timestamp>"),
        # addresses
        ("IP: 10.244.1.7", "IP: <ip>"),
        ("10.96.0.1:443", "<ip>:443"),
        ("podCIDR: 10.0.1.0/24", "podCIDR: <ip>/24"),
        ("fd00:10:96::a1", "<ip>"),
        ("2001:db8:0:0:0:0:2:1", "<ip>"),
        ("context kwok-k8slab, namespace lab-02-pods (server https://127.0.0.1:34757)",
         "context kwok-k8slab, namespace lab-02-pods (server https://<ip>:<port>)"),
        ("server: https://localhost:6443", "server: https://localhost:<port>"),
        ("image: nginx:1.14.2", "image: nginx:1.14.2"),
        ("Server Version: v1.37.2", "Server Version: v1.37.2"),
        ("started at 12:34:56", "started at 12:34:56"),
        # node ports: random ones masked, pinned ones (static band) kept
        ("80:31234/TCP,443:30612/TCP", "80:<nodeport>/TCP,443:<nodeport>/TCP"),
        ("80:30007/TCP", "80:30007/TCP"),
        ("nodePort: 31234", "nodePort: <nodeport>"),
        ('"nodePort": 32001', '"nodePort": <nodeport>'),
        ("nodePort: 30007", "nodePort: 30007"),
        ("port: 31234", "port: 31234"),
        # ages
        ("5s", "<age>"),
        ("3m2s", "<age>"),
        ("2d4h", "<age>"),
        ("<invalid>", "<age>"),
        ("&lt;invalid&gt;", "<age>"),
        ("<td>119s</td>", "<td><age></td>"),
        ("Back-off restarting (x4 over 50s)", "Back-off restarting (x4 over <age>)"),
        ("2 (10s ago)", "2 (<age> ago)"),
        ("nginx.ingress.kubernetes.io/proxy-body-size: 50m", "nginx.ingress.kubernetes.io/proxy-body-size: 50m"),
        ("cpu: 100m", "cpu: 100m"),
        ("memory: 200Mi", "memory: 200Mi"),
        # counts and ports are never placeholders
        ("3/3", "3/3"),
        ("replicas: 3", "replicas: 3"),
        ("9376/TCP", "9376/TCP"),
        ("<none>", "<none>"),
        ("<pending>", "<pending>"),
    ],
)
def test_single_values(raw, expected):
    assert sanitize(raw) == expected


GET_PODS_RUN1 = """\
NAME                                READY   STATUS    RESTARTS   AGE   IP           NODE
nginx-deployment-86dcfdf4c6-4hx5z   1/1     Running   0          5s    10.244.1.7   k8slab-worker
nginx-deployment-86dcfdf4c6-q7xvb   1/1     Running   0          5s    10.244.2.3   k8slab-worker2
"""
GET_PODS_RUN2 = """\
NAME                               READY   STATUS    RESTARTS   AGE    IP            NODE
nginx-deployment-7b9c8f6d-zz2kp    1/1     Running   0          119s   10.244.1.12   k8slab-worker
nginx-deployment-7b9c8f6d-lw4xd    1/1     Running   0          2m     10.244.2.14   k8slab-worker2
"""


def test_tables_with_different_widths_compare_equal():
    assert sanitize(GET_PODS_RUN1) == sanitize(GET_PODS_RUN2)
    first = sanitize(GET_PODS_RUN1).splitlines()
    assert first[0] == "NAME READY STATUS RESTARTS AGE IP NODE"
    assert first[1] == "nginx-deployment-<hash>-<id> 1/1 Running 0 <age> <ip> k8slab-worker"


def test_a_real_change_still_shows():
    changed = GET_PODS_RUN1.replace("1/1     Running", "0/1     Pending", 1)
    assert sanitize(changed) != sanitize(GET_PODS_RUN1)
    scaled = GET_PODS_RUN1 + "nginx-deployment-86dcfdf4c6-b5wsd   1/1     Running   0   5s   10.244.1.8   k8slab-worker\n"
    assert sanitize(scaled) != sanitize(GET_PODS_RUN1)


def test_html_table():
    html = (
        "<table>\n  <thead>\n    <tr style=\"text-align: right;\">\n      <th>NAME</th>\n"
        "      <th>READY</th>\n      <th>AGE</th>\n    </tr>\n  </thead>\n  <tbody>\n"
        "    <tr>\n      <td>frontend-x2x9k</td>\n      <td>1/1</td>\n      <td>3m2s</td>\n"
        "    </tr>\n  </tbody>\n</table>"
    )
    out = sanitize(html)
    assert "<td>frontend-<id></td>" in out
    assert "<td>1/1</td>" in out
    assert "<td><age></td>" in out
    assert '<tr style="text-align: right;">' in out
    assert out.count("\n") == html.count("\n")


def test_services_table():
    text = (
        "NAME              TYPE           CLUSTER-IP     EXTERNAL-IP      PORT(S)                      AGE\n"
        "my-service        ClusterIP      10.96.41.7     <none>           80/TCP,443/TCP               12s\n"
        "my-nodeport       NodePort       10.96.200.9    <none>           80:30007/TCP                 12s\n"
        "my-loadbalancer   LoadBalancer   10.96.3.250    <pending>        80:31873/TCP                 12s\n"
        "my-database       ExternalName   <none>         db.example.com   <none>                       12s\n"
        "nginx             ClusterIP      None           <none>           80/TCP                       12s\n"
    )
    assert sanitize(text).splitlines() == [
        "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE",
        "my-service ClusterIP <ip> <none> 80/TCP,443/TCP <age>",
        "my-nodeport NodePort <ip> <none> 80:30007/TCP <age>",
        "my-loadbalancer LoadBalancer <ip> <pending> 80:<nodeport>/TCP <age>",
        "my-database ExternalName <none> db.example.com <none> <age>",
        "nginx ClusterIP None <none> 80/TCP <age>",
    ]


def test_yaml_object():
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n"
        '  creationTimestamp: "2026-11-26T00:52:32Z"\n'
        "  generateName: frontend-\n"
        "  labels:\n    tier: frontend\n"
        "  name: frontend-x2x9k\n"
        "  ownerReferences:\n  - apiVersion: apps/v1\n    kind: ReplicaSet\n    name: frontend\n"
        "    uid: 0b1c2d3e-4f56-4789-9abc-def012345678\n"
        '  resourceVersion: "1234"\n'
        "  uid: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\n"
        "spec:\n  replicas: 3\n"
        "status:\n  podIP: 10.244.1.7\n  startTime: \"2026-11-26T00:52:33Z\"\n"
    )
    out = sanitize(text)
    assert "  generateName: frontend-\n" in out
    assert "  name: frontend-<id>\n" in out
    assert "    name: frontend\n" in out
    assert out.count("<uid>") == 2
    assert 'resourceVersion: "<rv>"' in out
    assert "replicas: 3" in out
    assert "podIP: <ip>" in out
    assert out.count("<timestamp>") == 2


def test_tree_and_rollout_lines():
    text = (
        "Deployment/web\n"
        "└── ReplicaSet/web-7d4b9c8f6d (revision 2)\n"
        "    ├── Pod/web-7d4b9c8f6d-x2x9k Running Ready\n"
        "    └── Pod/web-7d4b9c8f6d-b5wsd Running Ready\n"
        "deployment.apps/web created\n"
        "deployment \"web\" successfully rolled out\n"
    )
    out = sanitize(text)
    assert "ReplicaSet/web-<hash> (revision 2)" in out
    assert out.count("Pod/web-<hash>-<id> Running Ready") == 2
    assert "deployment.apps/web created" in out
    assert 'deployment "web" successfully rolled out' in out
