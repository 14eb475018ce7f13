"""Case 4: ``%%k8s apply`` of a 50-object manifest set vs ``kubectl apply --server-side -f``.

Each round applies the same YAML into two fresh namespaces (one per tool), then
re-applies it unchanged; the order of the tools alternates between rounds.
"""

from __future__ import annotations

import os
import tempfile

import yaml

from . import fixtures as fx
from .case_get import _cell, _verdict
from .common import Ctx, Result, kubectl, median, spread, timed

TARGET = 2.0
KINDS = ("ConfigMap", "Service", "Deployment", "Secret", "ServiceAccount", "Role")
MIX = {"ConfigMap": 14, "Service": 10, "Deployment": 10, "Secret": 6, "ServiceAccount": 5, "Role": 5}


def _obj(kind: str, i: int) -> dict:
    name = f"{kind.lower()}-{i:02d}"
    labels = {"app": f"app-{i:02d}", "tier": "bench"}
    if kind == "ConfigMap":
        return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "labels": labels},
                "data": {"greeting": f"hello {i}", "config.yaml": f"replicas: {i}\nmode: lab\n"}}
    if kind == "Secret":
        return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "labels": labels},
                "type": "Opaque", "stringData": {"password": f"s3cret-{i}"}}
    if kind == "Service":
        return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "labels": labels},
                "spec": {"selector": {"app": f"app-{i:02d}"}, "ports": [{"port": 80, "targetPort": 8080}]}}
    if kind == "Deployment":
        return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "labels": labels},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": f"app-{i:02d}"}},
                         "template": {"metadata": {"labels": {"app": f"app-{i:02d}"}},
                                      "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                                                               "ports": [{"containerPort": 8080}]}]}}}}
    if kind == "ServiceAccount":
        return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "labels": labels}}
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": name, "labels": labels},
            "rules": [{"apiGroups": [""], "resources": ["pods", "configmaps"], "verbs": ["get", "list", "watch"]}]}


def manifest(count: int) -> str:
    """``count`` objects (50: the mix above), round robin over the kinds, as one YAML stream."""
    left = dict(MIX)
    objs, i = [], 0
    while len(objs) < count:
        kind = KINDS[i % len(KINDS)]
        if left[kind] > 0 or count > sum(MIX.values()):
            left[kind] -= 1
            objs.append(_obj(kind, i))
        i += 1
    return yaml.safe_dump_all(objs, sort_keys=False)


def run(ctx: Ctx) -> list[Result]:
    count = 5 if ctx.quick else 50
    n = ctx.runs(9, 1)  # the noisiest case on a shared 2-core machine: more rounds for the medians
    text = manifest(count)
    fd, path = tempfile.mkstemp(suffix=".yaml", prefix="bench-apply-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    first = {"k": [], "c": []}
    again = {"k": [], "c": []}
    made: list[str] = []

    def k(ns):
        out = _cell(ctx, f"%%k8s apply -n {ns}\n{text}")
        assert len(out) == count, out

    def c(ns):
        kubectl("apply", "--server-side", "-n", ns, "-f", path)

    try:
        for rnd in range(n + 1):  # round 0 warms up
            nss = {t: fx.create_namespace(fx.ns_name(f"apply-{t}")) for t in ("k", "c")}
            made += nss.values()
            order = ("k", "c") if rnd % 2 == 0 else ("c", "k")
            for phase in (first, again):
                for t in order:
                    dt = timed(lambda: (k if t == "k" else c)(nss[t]))[0]
                    if rnd:
                        phase[t].append(dt)
            for ns in nss.values():
                fx.delete_namespace(ns)
    finally:
        os.unlink(path)
        for ns in made:
            fx.delete_namespace(ns, pods_now=False)
        fx.wait_deleted(made, timeout=180)
    out = []
    for label, phase in (("first apply", first), ("re-apply unchanged", again)):
        r = Result(f"4 apply {count} objects, {label}", median(phase["k"]), median(phase["c"]), n)
        r.notes = (f"%%k8s apply -n NS (server dry run of all, then apply what the dry run shows changing) vs kubectl apply --server-side -f; "
                   f"k8slab {spread(phase['k'])}, kubectl {spread(phase['c'])}; " + _verdict(r.ratio, TARGET))
        ctx.log(f"apply {label}: k8slab {r.k8slab_s:.3f} s, kubectl {r.kubectl_s:.3f} s")
        out.append(r)
    return out
