"""Case 5: a rollout, from applying a new image to "complete", and the watch → model latency.

Two identical Deployments in one namespace, one per tool:

- k8slab: ``%%k8s apply`` of the new image, then ``%k8s rollout watch deploy/…``
  (a :class:`~k8slab.widgets.RolloutWatcher`) until its model says ``complete``;
- kubectl: ``kubectl apply --server-side -f -``, then ``kubectl rollout status``.

Latency: with a synced watcher, the Deployment's ``spec.replicas`` is patched and
the time until the model's ``desired`` trait changes is taken (from the PATCH
being sent, so it includes the PATCH's own round trip: an upper bound of
"API event → model update"); kubectl's counterpart is ``kubectl get -w`` printing
the new value.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
import time

import yaml

from . import fixtures as fx
from .case_get import _cell, _verdict
from .common import Ctx, Result, kubectl, kubectl_path, lab_context, lab_kubeconfig, median, spread, timed

TARGET_RATIO = 1.0
TARGET_LATENCY_S = 0.200


def _deploy(name: str, image: str, replicas: int) -> str:
    labels = {"app": name}
    return yaml.safe_dump({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "app", "image": image}]}}}}, sort_keys=False)


def _patch_replicas(ns: str, name: str, replicas: int) -> None:
    fx.session().request("PATCH", f"/apis/apps/v1/namespaces/{ns}/deployments/{name}",
                         body={"spec": {"replicas": replicas}}, content_type="application/merge-patch+json")


def _rollouts(ctx: Ctx, ns: str, replicas: int, n: int) -> tuple[list[float], list[float]]:
    def k(image: str) -> None:
        _cell(ctx, f"%%k8s apply -n {ns}\n{_deploy('roll-k', image, replicas)}")
        w = ctx.shell.run_line_magic("k8s", f"rollout watch deploy/roll-k -n {ns} --timeout 2m")
        try:
            state = w.wait(120)
        finally:
            w.close()
        if state != "complete":
            raise RuntimeError(f"RolloutWatcher ended {state}: {w.model.summary()}")

    def c(image: str) -> None:
        kubectl("apply", "--server-side", "-n", ns, "-f", "-", input=_deploy("roll-c", image, replicas))
        kubectl("rollout", "status", "deploy/roll-c", "-n", ns, "--timeout=2m")

    tk, tc = [], []
    for i in range(n + 1):  # round 0 warms up
        image = f"registry.k8s.io/pause:3.{i + 1}"
        for t in (("k", "c") if i % 2 == 0 else ("c", "k")):
            dt = timed(lambda: (k if t == "k" else c)(image))[0]
            if i:
                (tk if t == "k" else tc).append(dt)
    return tk, tc


def _model_latency(ns: str, replicas: int, samples: int) -> list[float]:
    from k8slab.widgets import RolloutModel

    m = RolloutModel("deploy/roll-k", ns)
    seen = queue.Queue()
    m.observe(lambda ch: seen.put((time.perf_counter(), ch["new"])), names="desired")
    out = []
    try:
        if not m.wait_synced(30):
            raise RuntimeError("the RolloutModel did not sync")
        cur = m.desired
        for i in range(samples + 1):
            want = replicas + 1 if cur == replicas else replicas  # always a change, so always an event
            t0 = time.perf_counter()
            _patch_replicas(ns, "roll-k", want)
            while True:
                t, v = seen.get(timeout=30)
                if v == want and t >= t0:
                    break
            cur = want
            if i:
                out.append(t - t0)
            time.sleep(0.3)  # let the ReplicaSet churn settle before the next sample
    finally:
        m.close()
    return out


def _kubectl_latency(ns: str, replicas: int, samples: int) -> list[float]:
    env = dict(os.environ, KUBECONFIG=lab_kubeconfig())
    proc = subprocess.Popen([kubectl_path(), "--context", lab_context(), "get", "deploy", "roll-c", "-n", ns,
                             "-w", "-o", "jsonpath={.spec.replicas}{\"\\n\"}"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in proc.stdout:
            lines.put((time.perf_counter(), line.strip()))

    threading.Thread(target=read, daemon=True).start()
    out = []
    try:
        _, first = lines.get(timeout=30)  # the initial state: the watch is open
        cur = int(first)
        for i in range(samples + 1):
            want = replicas + 1 if cur == replicas else replicas
            t0 = time.perf_counter()
            _patch_replicas(ns, "roll-c", want)
            while True:
                t, v = lines.get(timeout=30)
                if v == str(want) and t >= t0:
                    break
            cur = want
            if i:
                out.append(t - t0)
            time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(10)
    return out


def run(ctx: Ctx) -> list[Result]:
    replicas = 1 if ctx.quick else 3
    n = ctx.runs(5, 1)
    samples = ctx.runs(20, 3)
    with fx.namespace("rollout") as ns:
        _cell(ctx, f"%%k8s apply -n {ns}\n{_deploy('roll-k', 'registry.k8s.io/pause:3.0', replicas)}")
        kubectl("apply", "--server-side", "-n", ns, "-f", "-",
                input=_deploy("roll-c", "registry.k8s.io/pause:3.0", replicas))
        for d in ("roll-k", "roll-c"):
            kubectl("rollout", "status", f"deploy/{d}", "-n", ns, "--timeout=2m")
        tk, tc = _rollouts(ctx, ns, replicas, n)
        lk, lc = [], []
        for i in range(2):  # interleave the two latency series
            for f, sink in (((_model_latency, lk), (_kubectl_latency, lc)) if i == 0
                            else ((_kubectl_latency, lc), (_model_latency, lk))):
                sink += f(ns, replicas, max(1, samples // 2))
    r1 = Result(f"5 rollout of a new image to complete ({replicas} replicas)", median(tk), median(tc), n)
    r1.notes = (f"%%k8s apply + %k8s rollout watch (RolloutWatcher state complete) vs kubectl apply --server-side"
                f" + kubectl rollout status; k8slab {spread(tk)}, kubectl {spread(tc)}; "
                + _verdict(r1.ratio, TARGET_RATIO))
    lat = median(lk)
    r2 = Result("5 watch latency: PATCH sent -> RolloutWatcher model updated", lat, median(lc), len(lk))
    r2.notes = (f"spec.replicas patched, time until the model's desired trait changes (includes the PATCH round "
                f"trip); kubectl: kubectl get -w printing the new value; k8slab {spread(lk)}, kubectl {spread(lc)}; "
                f"target <= {TARGET_LATENCY_S * 1000:.0f} ms: {'met' if lat <= TARGET_LATENCY_S else 'MISSED'}")
    ctx.log(f"rollout: k8slab {r1.k8slab_s:.2f} s, kubectl {r1.kubectl_s:.2f} s; latency {lat * 1000:.0f} ms "
            f"vs kubectl -w {r2.kubectl_s * 1000:.0f} ms")
    return [r1, r2]
