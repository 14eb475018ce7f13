"""Case 8: real nodes (``--engine local``) side by side with the simulated ones (``--engine kwok``).

Three measurements in one run, on the shared lab cluster ``k8slab`` (only one
local-engine cluster can exist: its lab network 172.18.0.0/16 is fixed):

- up: ``k8slab down`` (untimed) then ``k8slab up --engine local`` (timed) with the
  binaries and images cached, from no cluster to every node Ready and CoreDNS
  available (the command returns only then). Beside it, in the same rounds and
  with no other cluster running, ``k8slab up --engine kwok --name bench-kwok-…``,
  a throwaway with its own ``K8SLAB_KUBECONFIG`` (as case 6 makes them), then its
  ``k8slab down``. The 'kubectl' column of this row is the kwok engine.
- apply: a Deployment of 10 ``busybox:1.36`` pods (``sleep 3600``, grace period 1 s)
  until all 10 are Ready, each round in a fresh namespace: ``k8slab.apply(...,
  wait=120)`` on the local cluster, ``kubectl apply -f`` + ``kubectl rollout status``
  on the local cluster, and ``k8slab.apply`` again on a throwaway kwok-engine
  cluster, interleaved after a warm-up round (whose local apply pulls the image).
- memory: the resident memory of the whole local cluster while such 10 pods run:
  the kwokctl control plane, the engine's own programs and every process in the
  ``k8slab`` cgroup subtree (containerd, kubelet, kube-proxy, shims, pause and the
  containers), each PID once, grouped by program.

The shared cluster is taken down and up again: the case ends with it up on the
local engine, with as many workers as it had, whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import yaml

from . import fixtures as fx
from .case_engine import _k8slab
from .common import BENCH_LABEL, Ctx, Result, kubectl, lab_kubeconfig, median, spread, timed

NAME = "k8slab"  # the one local-engine cluster: the shared lab cluster
TARGET_UP_S = 15.0
TARGET_APPLY_S = 5.0
TARGET_MEM_KIB = int(1.5 * 1024 * 1024)
REPLICAS = 10
DEPLOY = "bb"
IMAGE = "busybox:1.36"
WAIT_S = 120
KIB_PER_MIB = 1024
KIB_PER_GIB = 1024 * 1024

# -- memory: pure helpers --------------------------------------------------------------------

# program names of k8slab.engine.local.processes() (after any "node/") -> group
PROGRAM_GROUPS = {"kwok-controller": "kwok", "k8slab-provisioner": "provisioner",
                  "netns": "netns holders", "holder": "netns holders"}
GROUP_ORDER = ("kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler", "kwok",
               "provisioner", "api-forwarder", "registry", "containerd", "kubelet", "kube-proxy",
               "netns holders", "shims", "runc (transient)", "pause", "containers", "other")


@dataclass(frozen=True)
class Proc:
    """One process of the cluster: its PID, group, and memory in KiB (PSS when readable)."""

    pid: int
    group: str
    rss_kib: int
    pss_kib: int | None = None


@dataclass(frozen=True)
class Group:
    name: str
    count: int
    rss_kib: int
    pss_kib: int | None


def program_group(program: str) -> str:
    """``k8slab-worker/kubelet`` -> ``kubelet``, ``kwok-controller`` -> ``kwok``."""
    base = program.rsplit("/", 1)[-1]
    return PROGRAM_GROUPS.get(base, base)


def cgroup_group(comm: str, cgroup_text: str) -> str:
    """The group of a process found in the cgroup subtree only (not a named program)."""
    if comm.startswith("containerd-shim"):
        return "shims"
    if comm.startswith("runc"):
        return "runc (transient)"  # a container being created or an exec: gone in a moment
    if "/kubepods" in cgroup_text:
        return "pause" if comm == "pause" else "containers"
    return "other"


def classify(programs: dict[str, int | None], cgroup_pids: Iterable[int],
             describe: Callable[[int], tuple[str, str] | None]) -> dict[int, str]:
    """PID -> group, every PID once: the named programs first, then the cgroup's other processes.

    ``describe(pid)`` gives ``(comm, /proc/PID/cgroup text)``, or None when the process is gone.
    """
    out: dict[int, str] = {}
    for program, pid in programs.items():
        if pid and pid not in out:
            out[pid] = program_group(program)
    for pid in sorted(set(cgroup_pids)):
        if pid in out:
            continue
        got = describe(pid)
        if got is not None:
            out[pid] = cgroup_group(*got)
    return out


def parse_kib(text: str, key: str) -> int | None:
    """The ``key:  1234 kB`` figure of /proc/PID/status or smaps_rollup, in KiB."""
    for line in text.splitlines():
        if line.startswith(key + ":"):
            parts = line.split()
            try:
                return int(parts[1])
            except (IndexError, ValueError):
                return None
    return None


def aggregate(procs: Iterable[Proc]) -> list[Group]:
    """Per group: process count and summed memory, in :data:`GROUP_ORDER` (unknown ones last)."""
    acc: dict[str, list] = {}
    for p in procs:
        g = acc.setdefault(p.group, [0, 0, 0, True])
        g[0] += 1
        g[1] += p.rss_kib
        if p.pss_kib is None:
            g[3] = False
        else:
            g[2] += p.pss_kib
    rank = {name: i for i, name in enumerate(GROUP_ORDER)}
    names = sorted(acc, key=lambda n: (rank.get(n, len(rank)), -acc[n][1], n))
    return [Group(n, acc[n][0], acc[n][1], acc[n][2] if acc[n][3] else None) for n in names]


def total_kib(groups: Iterable[Group], pss: bool = False) -> int | None:
    groups = list(groups)
    if pss:
        if any(g.pss_kib is None for g in groups):
            return None
        return sum(g.pss_kib for g in groups)
    return sum(g.rss_kib for g in groups)


def fmt_size(kib: float) -> str:
    """``512 KiB``, ``312 MiB``, ``1.23 GiB``."""
    if kib >= KIB_PER_GIB:
        return f"{kib / KIB_PER_GIB:.2f} GiB"
    if kib >= KIB_PER_MIB:
        return f"{kib / KIB_PER_MIB:.0f} MiB"
    return f"{kib:.0f} KiB"


def format_groups(groups: Iterable[Group], pss: bool = False) -> str:
    """``kube-apiserver 290 MiB, kubelet ×2 200 MiB, …`` (RSS; with ``pss``: ``200 MiB (PSS 150 MiB)``)."""
    def one(g: Group) -> str:
        extra = f" (PSS {fmt_size(g.pss_kib)})" if pss and g.pss_kib is not None else ""
        return f"{g.name}{f' ×{g.count}' if g.count > 1 else ''} {fmt_size(g.rss_kib)}{extra}"

    return ", ".join(one(g) for g in groups)


# -- other pure helpers ----------------------------------------------------------------------


def up_report(stdout: str) -> str:
    """The duration ``k8slab up`` itself printed (``… is up (…) in 12.3s``), or ``?``."""
    said = re.search(r"is up \(.*\) in ([0-9]+m[0-9]+s|[0-9.]+s)", stdout)
    return said.group(1) if said else "?"


def deployment_yaml(name: str = DEPLOY, replicas: int = REPLICAS, image: str = IMAGE) -> str:
    labels = {"app": f"bench-{name}"}
    return yaml.safe_dump({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {BENCH_LABEL: "true"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"terminationGracePeriodSeconds": 1,
                                       "containers": [{"name": "bb", "image": image,
                                                       "command": ["sleep", "3600"]}]}}}},
        sort_keys=False)


def _quiet(_line: str) -> None:
    """No progress lines from ``apply(wait=…)`` in the bench's log."""


def verdict(value: float | None, target: float, unit: str = "s") -> str:
    if value is None:
        return f"target <= {target:g} {unit}: not measured"
    return f"target <= {target:g} {unit}: {'met' if value <= target else 'MISSED'}"


# -- memory: reading /proc -------------------------------------------------------------------


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:  # the process is gone (or never was)
        return None


def _describe(pid: int) -> tuple[str, str] | None:
    comm, cg = _read(f"/proc/{pid}/comm"), _read(f"/proc/{pid}/cgroup")
    if comm is None or cg is None:
        return None
    return comm.strip(), cg


def sample_memory(name: str = NAME) -> list[Proc]:
    """Every process of the local cluster ``name`` with its RSS (VmRSS) and PSS (smaps_rollup)."""
    from k8slab.engine import local
    from k8slab.engine.local import cgroups

    groups = classify(local.processes(name), cgroups.pids("k8slab"), _describe)
    out = []
    for pid, group in groups.items():
        status = _read(f"/proc/{pid}/status")
        if status is None:
            continue
        rss = parse_kib(status, "VmRSS")
        if rss is None:  # a zombie or a kernel thread: no memory of its own
            continue
        rollup = _read(f"/proc/{pid}/smaps_rollup")
        out.append(Proc(pid, group, rss, parse_kib(rollup, "Pss") if rollup else None))
    return out


def _pods_running_count() -> int:
    """Pause processes under the k8slab cgroups: one per pod sandbox the nodes hold."""
    from k8slab.engine.local import cgroups

    n = 0
    for pid in cgroups.pids("k8slab"):
        got = _describe(pid)
        n += bool(got and cgroup_group(*got) == "pause")
    return n


# -- clusters ---------------------------------------------------------------------------------


def _must(proc, what: str) -> None:
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-800:]}")


def _lab_workers() -> int:
    """How many workers the shared cluster has now (so it comes back the same), else 2."""
    from k8slab.engine.local import engine as le

    workers = le.layout(NAME).get("workers")
    if workers:
        return len(workers)
    try:
        from k8slab.engine import cluster

        nodes = cluster.status(NAME).nodes
        return max(1, len(nodes) - 1) if nodes else 2
    except Exception:  # noqa: BLE001 - a guess is enough here
        return 2


def _down_lab() -> float:
    dt, proc = timed(lambda: _k8slab(["down"], lab_kubeconfig(), timeout=300))
    _must(proc, "k8slab down")
    return dt


def _up_lab(workers: int) -> tuple[float, str]:
    dt, proc = timed(lambda: _k8slab(["up", "--engine", "local", "--workers", str(workers)],
                                     lab_kubeconfig(), timeout=600))
    _must(proc, "k8slab up --engine local")
    return dt, up_report(proc.stdout)


def _ensure_lab_up(ctx: Ctx, workers: int) -> None:
    """Leave the shared cluster up on the local engine (reused when it already runs)."""
    for attempt in range(2):
        proc = _k8slab(["up", "--engine", "local", "--workers", str(workers)], lab_kubeconfig(), timeout=600)
        if proc.returncode == 0:
            return
        ctx.log(f"k8slab up --engine local failed (attempt {attempt + 1}): {(proc.stderr or proc.stdout)[-300:]}")
        _k8slab(["down"], lab_kubeconfig(), timeout=300)
    raise RuntimeError("could not bring the shared cluster k8slab back up on the local engine")


@contextlib.contextmanager
def _kwok_cluster(tmp: Path, workers: int):
    """A throwaway kwok-engine cluster ``bench-kwok-…``: yields (name, kubeconfig, seconds to up)."""
    name = f"bench-kwok-{secrets.token_hex(2)}"
    kc = str(tmp / f"{name}.kubeconfig")
    try:
        dt, proc = timed(lambda: _k8slab(["up", "--name", name, "--engine", "kwok", "--workers", str(workers)],
                                         kc, timeout=600))
        _must(proc, f"k8slab up --name {name} --engine kwok")
        yield name, kc, dt, up_report(proc.stdout)
    finally:
        down = _k8slab(["down", "--name", name], kc, timeout=300)
        if down.returncode != 0:
            print(f"warning: k8slab down --name {name}: {down.stderr[-400:]}", flush=True)


def _session_for(kubeconfig: str, context: str):
    """A client session on another k8slab kubeconfig (the throwaway cluster's)."""
    from k8slab.client.session import Session

    old = os.environ.get("K8SLAB_KUBECONFIG")
    os.environ["K8SLAB_KUBECONFIG"] = kubeconfig
    try:
        return Session(context)
    finally:
        if old is None:
            os.environ.pop("K8SLAB_KUBECONFIG", None)
        else:
            os.environ["K8SLAB_KUBECONFIG"] = old


@contextlib.contextmanager
def _using(sess):
    """Make ``sess`` the notebook-wide session for a moment (what ``k8slab.apply`` uses)."""
    from k8slab.client import session as S

    with S._current_lock:
        old, S._current = S._current, sess
    try:
        yield sess
    finally:
        with S._current_lock:
            S._current = old


# -- the three parts ----------------------------------------------------------------------------


def _warm_caches() -> float:
    """Build what ``k8slab up --engine local`` would build first (untimed): the measurement is
    of an up with cached binaries and images, not of a rebuild after an edit of the recipes."""
    from k8slab.engine import gobuild, images

    def warm() -> None:
        if gobuild.missing(thorough=False, engine="local"):
            gobuild.build(echo=_quiet, engine="local")
        images.build_all(echo=_quiet)

    return timed(warm)[0]


def _ups(ctx: Ctx, tmp: Path, workers: int, n: int) -> Result:
    tl, said, tk, tdown, kwok_said = [], [], [], [], []
    warm = _warm_caches()
    ctx.log(f"binaries and image set checked (rebuilt where stale) in {warm:.1f} s")
    for i in range(n):
        tdown.append(_down_lab())
        with _kwok_cluster(tmp, workers) as (_name, _kc, dt, s):
            tk.append(dt)
            kwok_said.append(s)
        dt, s = _up_lab(workers)
        tl.append(dt)
        said.append(s)
        ctx.log(f"up round {i + 1}/{n}: local {dt:.1f} s (it says {s}), kwok {tk[-1]:.1f} s; "
                f"down before {tdown[-1]:.1f} s")
    r = Result(f"8 k8slab up --engine local to {workers + 1} nodes Ready + CoreDNS (cached)",
               median(tl), median(tk), n)
    r.notes = (f"'kubectl' column: k8slab up --engine kwok (simulated nodes, a throwaway bench-kwok-… with "
               f"its own kubeconfig), so the ratio is kwok / local (below 1: real nodes take longer); each round "
               f"k8slab down of the local cluster (untimed, {spread(tdown)}), kwok up + down, then local up, "
               f"each with no other cluster running; local {spread(tl)} (its own report: {', '.join(said)}), "
               f"kwok {spread(tk)} ({', '.join(kwok_said)}); both include the CLI's Python start; binaries and "
               f"image set checked before the rounds (untimed, {warm:.1f} s{': something was rebuilt' if warm > 3 else ''}); "
               + verdict(r.k8slab_s, TARGET_UP_S))
    return r


def _fresh_namespace(prefix: str, timeout: float = 30) -> str:
    """A new labelled namespace, once its ``default`` ServiceAccount exists (pods need it)."""
    from k8slab.errors import NotFoundError

    ns = fx.create_namespace(fx.ns_name(prefix))
    deadline = time.monotonic() + timeout
    while True:
        try:
            fx.session().request("GET", f"/api/v1/namespaces/{ns}/serviceaccounts/default")
            return ns
        except NotFoundError:
            if time.monotonic() > deadline:
                return ns  # the apply will say what is wrong
            time.sleep(0.1)


def _wait_pods_gone(ctx: Ctx, baseline: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while _pods_running_count() > baseline:
        if time.monotonic() > deadline:
            ctx.log(f"warning: pod sandboxes still running after {timeout:.0f} s "
                    f"({_pods_running_count()} > {baseline})")
            return
        time.sleep(0.5)


def _applies(ctx: Ctx, tmp: Path, workers: int, n: int) -> list[Result]:
    import k8slab
    from k8slab.engine import kwok

    text = deployment_yaml()
    manifest = tmp / "bb.yaml"
    manifest.write_text(text)
    lab_kc, lab_ctx = lab_kubeconfig(), kwok.context_name(NAME)
    if not fx.wait_healthy():
        raise RuntimeError("the local cluster did not answer /readyz after k8slab up")
    baseline = _pods_running_count()  # CoreDNS's sandboxes (and anything else already there)

    with _kwok_cluster(tmp, workers) as (kname, kkc, _dt, _s):
        other = _session_for(kkc, kwok.context_name(kname))

        def on_local(run: Callable[[str], None]) -> Callable[[], float]:
            def round_() -> float:
                ns = _fresh_namespace("real")
                try:
                    return timed(lambda: run(ns))[0]
                finally:
                    fx.delete_namespace(ns, pods_now=False)  # kubelets stop them (grace 1 s)
                    fx.wait_deleted([ns])
                    _wait_pods_gone(ctx, baseline)
            return round_

        def on_kwok() -> float:
            with _using(other):
                ns = _fresh_namespace("kwok")
                try:
                    return timed(lambda: k8slab.apply(text, namespace=ns, wait=WAIT_S, progress=_quiet))[0]
                finally:
                    fx.delete_namespace(ns)
                    fx.wait_deleted([ns])

        def c(ns: str) -> None:
            kubectl("apply", "-n", ns, "-f", str(manifest), kubeconfig=lab_kc, context=lab_ctx)
            kubectl("rollout", "status", f"deploy/{DEPLOY}", "-n", ns, f"--timeout={WAIT_S}s",
                    kubeconfig=lab_kc, context=lab_ctx, timeout=WAIT_S + 30)

        sides = {"k": on_local(lambda ns: k8slab.apply(text, namespace=ns, wait=WAIT_S, progress=_quiet)),
                 "c": on_local(c), "w": on_kwok}
        got: dict[str, list[float]] = {s: [] for s in sides}
        cold: dict[str, float] = {}
        order = list(sides)
        try:
            for i in range(n + 1):  # round 0 warms up: the local apply pulls the image on each node
                for s in order[i % 3:] + order[:i % 3]:
                    dt = sides[s]()
                    if i:
                        got[s].append(dt)
                    else:
                        cold[s] = dt
                ctx.log(f"apply round {i}{' (warm-up)' if not i else ''}: "
                        + ", ".join(f"{s} {(got[s][-1] if i else cold[s]):.2f} s" for s in order))
        finally:
            other.close()

    mem = _memory(ctx, text)
    ak, ac, aw = got["k"], got["c"], got["w"]
    r1 = Result(f"8 apply Deployment of {REPLICAS} busybox pods to all Ready, real nodes", median(ak), median(ac), n)
    r1.notes = (f"k8slab.apply(wait={WAIT_S}) vs kubectl apply -f + kubectl rollout status, both on the local "
                f"cluster ({workers} real workers), a fresh namespace each round, the pods stopped between "
                f"rounds; k8slab {spread(ak)}, kubectl {spread(ac)}; warm-up round (its k8slab apply pulls "
                f"{IMAGE} from the lab registry onto the nodes): k8slab {cold['k']:.2f} s, kubectl {cold['c']:.2f} s; "
                + verdict(r1.k8slab_s, TARGET_APPLY_S))
    r2 = Result(f"8 apply Deployment of {REPLICAS} pods to all Ready: real nodes vs kwok engine",
                median(ak), median(aw), n)
    r2.notes = (f"k8slab.apply(wait={WAIT_S}) on both; 'kubectl' column: the same apply on a throwaway "
                f"kwok-engine cluster (simulated nodes, {workers} workers) beside the local one, so the ratio is "
                f"kwok / real (below 1: real nodes take longer); real {spread(ak)}, kwok {spread(aw)}")
    return [r1, r2, mem]


def _memory(ctx: Ctx, text: str) -> Result:
    import k8slab

    ns = _fresh_namespace("mem")
    try:
        k8slab.apply(text, namespace=ns, wait=WAIT_S, progress=_quiet)
        time.sleep(5)  # let the runc processes of the starts exit
        samples = []
        for _ in range(3):
            samples.append(sample_memory(NAME))
            time.sleep(1)
    finally:
        fx.delete_namespace(ns, pods_now=False)
        fx.wait_deleted([ns])
    totals = [sum(p.rss_kib for p in s) for s in samples]
    procs = samples[sorted(range(3), key=lambda i: totals[i])[1]]  # the median sample
    groups = aggregate(procs)
    rss, pss = total_kib(groups), total_kib(groups, pss=True)
    shims = sum(g.count for g in groups if g.name == "shims")
    ctx.log(f"memory: {len(procs)} processes, RSS {fmt_size(rss)}" + (f", PSS {fmt_size(pss)}" if pss else ""))
    r = Result(f"8 resident memory of the local cluster, {REPLICAS} pods running", None, None, len(procs))
    r.notes = (f"total RSS {fmt_size(rss)} ({rss / KIB_PER_MIB:.0f} MiB) over {len(procs)} processes, each PID once "
               f"(kwokctl control plane, the engine's programs, every process of the k8slab cgroup subtree); "
               + (f"PSS (shared pages split between processes) {fmt_size(pss)}; " if pss else "")
               + f"the RSS sum counts pages that processes share (a binary's text in each of its copies, "
               f"e.g. {shims} shims) once per process, the PSS sum splits them; 3 samples 1 s apart, totals {', '.join(fmt_size(t) for t in totals)}, the median one shown; "
               f"per group: {format_groups(groups, pss=True)}; "
               + verdict(rss / KIB_PER_GIB, TARGET_MEM_KIB / KIB_PER_GIB, "GiB"))
    return r


def skipped(why: str) -> Result:
    return Result("8 real nodes (--engine local)", None, None, 0,
                  notes=f"skipped: this machine cannot run real nodes: {why}")


def run(ctx: Ctx) -> list[Result]:
    from k8slab.engine import local

    ok, why = local.usable()
    if not ok:
        ctx.log(f"case 8 skipped: {why}")
        return [skipped(why)]
    workers = _lab_workers()
    tmp = Path(tempfile.mkdtemp(prefix="bench-realnodes-"))
    try:
        up = _ups(ctx, tmp, workers, ctx.runs(3, 1))
        ctx.log(f"up: local {up.k8slab_s:.1f} s, kwok {up.kubectl_s:.1f} s")
        return [up, *_applies(ctx, tmp, workers, ctx.runs(5, 1))]
    finally:
        try:
            _ensure_lab_up(ctx, workers)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
