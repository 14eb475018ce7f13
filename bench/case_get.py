"""Cases 2 and 3: ``%k8s get pods`` (a namespace of 20 pods, warm) and ``%k8s get pods -A``
over 3,000 pods, each against ``kubectl get`` run as a process.

The k8slab side is a whole notebook cell in the warm in-process shell
(``run_cell``: parse, API call, DataFrame, and the display formatting of its
text and HTML forms, as a kernel does). The 3,000 pods are bare pods bound to
fake nodes of the bench's own (KWOK runs them), deleted after.
"""

from __future__ import annotations

import json
import subprocess
import sys

from . import fixtures as fx
from .common import Ctx, Result, interleave, kubectl, kubectl_maxrss, median, spread, timed

TARGET_GET = 10.0
TARGET_ALL = 1.0


def _cell(ctx: Ctx, line: str):
    """Run ``line`` as a notebook cell; return the cell's result."""
    from IPython.utils.capture import capture_output

    with capture_output():
        res = ctx.shell.run_cell(line, store_history=False)
    if not res.success:
        raise RuntimeError(f"{line!r} failed: {res.error_in_exec or res.error_before_exec}")
    return res.result


def _deployment(name: str, replicas: int) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": fx.PAUSE}]}}}}


def case_get_pods(ctx: Ctx) -> Result:
    n = ctx.runs(25, 2)
    pods = 20
    with fx.namespace("get") as ns:
        fx.session().request("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", body=_deployment("web", pods))
        run, total = fx.wait_running([ns], pods, timeout=120)
        line = f"%k8s get pods -n {ns}"
        k, c = interleave(lambda: _cell(ctx, line), lambda: kubectl("get", "pods", "-n", ns), n, warmup=2)
        # where the k8slab time goes: the magic alone, then the display formatting
        magic, fmt = [], []
        for _ in range(n):
            t, r = timed(lambda: ctx.shell.run_line_magic("k8s", f"get pods -n {ns}"))
            magic.append(t)
            fmt.append(timed(lambda: ctx.shell.display_formatter.format(r))[0])
        rows = len(r)
    res = Result("2 get pods (20 pods, warm)", median(k), median(c), n)
    res.notes = (f"{rows} rows ({run}/{total} Running); k8slab cell {spread(k)}, kubectl {spread(c)}; "
                 f"of the cell: magic call {median(magic) * 1000:.1f} ms + display formatting "
                 f"(text+HTML) {median(fmt) * 1000:.1f} ms; "
                 + _verdict(res.ratio, TARGET_GET))
    ctx.log(f"get pods: k8slab {res.k8slab_s * 1000:.1f} ms, kubectl {res.kubectl_s * 1000:.1f} ms")
    return res


_MEM_CHILD = r"""
import gc, json, sys, tracemalloc
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

def hwm_kib():  # this process's own peak RSS (VmHWM is per address space, fresh after exec)
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))

sh = InteractiveShell.instance()
sh.run_line_magic("load_ext", "k8slab")
with capture_output():
    sh.run_cell("%k8s get pods -n kube-system", store_history=False)  # warm: imports, discovery, connection
rss0 = hwm_kib()
with capture_output():
    rows = len(sh.run_cell("%k8s get pods -A", store_history=False).result)
rss1 = hwm_kib()  # before tracemalloc, whose own bookkeeping would count
gc.collect()
tracemalloc.start()
with capture_output():
    res = sh.run_cell("%k8s get pods -A", store_history=False)
cur, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({"rows": rows, "peak_kib": peak // 1024, "kept_kib": cur // 1024,
                  "rss0_kib": rss0, "rss1_kib": rss1}))
"""


def _k8slab_memory() -> dict:
    proc = subprocess.run([sys.executable, "-c", _MEM_CHILD], capture_output=True, text=True, check=True,
                          timeout=600)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def case_get_all(ctx: Ctx) -> Result:
    n = ctx.runs(5, 1)
    total = 30 if ctx.quick else 3000
    nodes = 1 if ctx.quick else 3
    per_ns = 1000
    nss = [fx.create_namespace(fx.ns_name("many")) for _ in range(max(1, -(-total // per_ns)))]
    try:
        with fx.fake_nodes(nodes, pods_per_node=-(-total // nodes) + 10) as node_names:
            t_create, _ = timed(lambda: [fx.create_pods(ns, min(per_ns, total - i * per_ns), node_names, start=0)
                                         for i, ns in enumerate(nss)])
            ctx.log(f"created {total} pods in {t_create:.0f} s; waiting for KWOK to run them")
            run, have = fx.wait_running(nss, total, timeout=60 if ctx.quick else 300)
            ctx.log(f"{run}/{have} Running")
            k, c = interleave(lambda: _cell(ctx, "%k8s get pods -A"), lambda: kubectl("get", "pods", "-A"), n)
            rows = len(_cell(ctx, "%k8s get pods -A"))
            mem = _k8slab_memory()
            kc_rss = sorted(kubectl_maxrss("get", "pods", "-A")[1] for _ in range(ctx.runs(3, 1)))[ctx.runs(1, 0)]
    finally:
        for ns in nss:
            fx.delete_namespace(ns)
        fx.wait_deleted(nss, timeout=180)
    res = Result(f"3 get pods -A ({total} pods)", median(k), median(c), n)
    res.notes = (f"{rows} rows ({run}/{have} bench pods Running, {nodes} fake nodes); k8slab cell {spread(k)}, "
                 f"kubectl {spread(c)}; memory: k8slab kernel peak RSS +{(mem['rss1_kib'] - mem['rss0_kib']) / 1024:.0f}"
                 f" MiB over a warm kernel of {mem['rss0_kib'] / 1024:.0f} MiB, Python peak (tracemalloc) "
                 f"{mem['peak_kib'] / 1024:.0f} MiB, kept after the cell {mem['kept_kib'] / 1024:.0f} MiB; "
                 f"kubectl process peak RSS {kc_rss / 1024:.0f} MiB; " + _verdict(res.ratio, TARGET_ALL))
    ctx.log(f"get -A: k8slab {res.k8slab_s:.3f} s, kubectl {res.kubectl_s:.3f} s; {res.notes}")
    return res


def _verdict(ratio: float | None, target: float) -> str:
    ok = ratio is not None and ratio >= target
    return f"target ratio >= {target:g}: {'met' if ok else 'MISSED'}"


def run(ctx: Ctx, cases: set[int]) -> list[Result]:
    out = []
    if 2 in cases:
        out.append(case_get_pods(ctx))
    if 3 in cases:
        out.append(case_get_all(ctx))
    return out
