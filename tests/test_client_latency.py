"""Warm ``%k8s get pods`` must be at least 10× faster than running ``kubectl get pods``."""

from __future__ import annotations

import statistics
import subprocess
import time

import pytest

from k8slab.client import session as S
from k8slab.engine import versions
from k8slab.engine.paths import bin_dir

from _k8s_objects import pin_lab_context, shell

pytestmark = pytest.mark.cluster
KUBECTL = bin_dir("kubernetes", versions.KUBERNETES) / "kubectl"


def _median(fn, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def test_warm_get_pods_vs_kubectl(cluster, kubeconfig, namespace):
    ip = shell()
    pin_lab_context()
    ip.run_line_magic("k8s", f"get pods -n {namespace}")  # warm: imports, discovery, TLS connection
    ours = _median(lambda: ip.run_line_magic("k8s", f"get pods -n {namespace}"), 20)
    cmd = [str(KUBECTL), "--kubeconfig", kubeconfig, "--context", S.current().context, "get", "pods", "-n", namespace]
    subprocess.run(cmd, capture_output=True, check=True)  # warm kubectl's discovery cache
    theirs = _median(lambda: subprocess.run(cmd, capture_output=True, check=True), 7)
    print(f"\n%k8s get pods: {ours * 1000:.1f} ms; kubectl get pods: {theirs * 1000:.1f} ms; "
          f"ratio {theirs / ours:.1f}x")
    assert theirs / ours >= 10, f"%k8s get pods {ours * 1000:.1f} ms vs kubectl {theirs * 1000:.1f} ms"
