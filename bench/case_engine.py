"""Case 6: ``k8slab up`` with cached binaries vs ``kwokctl create cluster`` run directly.

Both start throwaway clusters (never the shared ``k8slab`` one), with their
own kubeconfig files, the same cached binaries and the same kwokctl
configuration (:func:`k8slab.engine.kwok.kwokctl_config`: ``bindAddress:
127.0.0.1``, k8slab's stages), and stop at the same point: three nodes Ready.

- k8slab: ``k8slab up --name bench-up-… --engine kwok`` as a process
  (``K8SLAB_KUBECONFIG`` set to a temporary file), then ``k8slab down``.
- raw: ``kwokctl create cluster`` (``KWOK_WORKDIR`` a temporary directory, the
  same ``--timeout 180s --wait 0s``), ``kwokctl scale node --replicas 3``,
  ``kubectl wait --for=condition=Ready node --all``, then ``kwokctl delete cluster``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from .common import Ctx, Result, kubectl, median, spread, timed

TARGET_S = 20.0
NODES = 3


def _k8slab_bin() -> str:
    exe = Path(sys.executable).with_name("k8slab")
    return str(exe) if exe.exists() else "k8slab"


def _k8slab(args: list[str], kubeconfig: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, K8SLAB_KUBECONFIG=kubeconfig)
    return subprocess.run([_k8slab_bin(), *args], env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def _up_k8slab(tmp: Path) -> tuple[float, str]:
    name = f"bench-up-{secrets.token_hex(2)}"
    kc = str(tmp / f"{name}.kubeconfig")
    try:
        dt, proc = timed(lambda: _k8slab(["up", "--name", name, "--engine", "kwok", "--workers", str(NODES - 1)], kc))
        if proc.returncode != 0:
            raise RuntimeError(f"k8slab up failed: {(proc.stderr or proc.stdout)[-800:]}")
        said = re.search(r"up \(.*\) in ([0-9.]+\s*\w+)", proc.stdout)
        return dt, said.group(1) if said else "?"
    finally:
        down = _k8slab(["down", "--name", name], kc)
        if down.returncode != 0:
            print(f"warning: k8slab down --name {name}: {down.stderr[-400:]}", file=sys.stderr)


def _up_raw(tmp: Path) -> tuple[float, float]:
    from k8slab.engine import gobuild, kwok

    name = f"bench-raw-{secrets.token_hex(2)}"
    work = tmp / name
    work.mkdir()
    kc = str(work / "kubeconfig")
    cfg = work / "kwokctl.yaml"
    cfg.write_text(yaml.safe_dump_all(kwok.kwokctl_config(), sort_keys=False))
    kube_bin = gobuild.component("kubernetes").bin_dir
    env = dict(os.environ, KWOK_WORKDIR=str(work / "kwok"), PATH=f"{kube_bin}{os.pathsep}{os.environ['PATH']}")
    kwokctl = [str(gobuild.binary("kwokctl")), "--name", name]

    def run(args: list[str]) -> None:
        proc = subprocess.run(kwokctl + args, env=env, capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise RuntimeError(f"kwokctl {' '.join(args)} failed: {(proc.stderr or proc.stdout)[-800:]}")

    def up() -> float:
        t_create = timed(lambda: run(["--config", str(cfg), "create", "cluster", "--kubeconfig", kc,
                                      "--timeout", "180s", "--wait", "0s"]))[0]
        run(["scale", "node", "--replicas", str(NODES)])
        kubectl("wait", "--for=condition=Ready", "node", "--all", "--timeout=120s", kubeconfig=kc,
                context=kwok.context_name(name))
        got = kubectl("get", "nodes", "-o", "name", kubeconfig=kc, context=kwok.context_name(name)).stdout.split()
        if len(got) != NODES:
            raise RuntimeError(f"raw kwokctl cluster has {len(got)} nodes, expected {NODES}")
        return t_create

    try:
        dt, t_create = timed(up)
        return dt, t_create
    finally:
        subprocess.run(kwokctl + ["delete", "cluster", "--kubeconfig", kc], env=env, capture_output=True,
                       timeout=120, stdin=subprocess.DEVNULL)


def run(ctx: Ctx) -> list[Result]:
    n = ctx.runs(3, 1)
    tk, said, tr, tcreate = [], [], [], []
    tmp = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    try:
        for i in range(n):
            for which in (("k", "r") if i % 2 == 0 else ("r", "k")):
                if which == "k":
                    dt, s = _up_k8slab(tmp)
                    tk.append(dt)
                    said.append(s)
                    ctx.log(f"k8slab up {dt:.1f} s (it says {s})")
                else:
                    dt, c = _up_raw(tmp)
                    tr.append(dt)
                    tcreate.append(c)
                    ctx.log(f"raw kwokctl {dt:.1f} s (create cluster {c:.1f} s)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    r = Result(f"6 cluster up to {NODES} nodes Ready (cached binaries)", median(tk), median(tr), n)
    r.notes = (f"'kubectl' column: kwokctl create cluster + kwokctl scale node + kubectl wait, same binaries and "
               f"config; k8slab up process {spread(tk)} (its own report: {', '.join(said)}), raw {spread(tr)} "
               f"(create cluster alone {median(tcreate):.1f} s); the k8slab figure includes its Python start, "
               f"node registration as kind names them, StorageClass and provisioner; "
               f"target <= {TARGET_S:.0f} s: {'met' if r.k8slab_s <= TARGET_S else 'MISSED'}")
    return [r]
