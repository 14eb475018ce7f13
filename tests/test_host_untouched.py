"""The real-node engine leaves the host as it found it, and listens on no wildcard address.

Runs first in the session (see ``conftest.py``): it takes the lab cluster down, takes
a snapshot of the host, brings a real-node cluster up, checks every listener of the
engine's processes, takes it down, compares, and brings it up again for the tests
that follow.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from host_state import differences, snapshot, wildcard_listeners

pytestmark = [pytest.mark.host_cycle, pytest.mark.slow]


def _k8slab(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "k8slab", *args], capture_output=True, text=True,
                          timeout=1800)
    assert proc.returncode == 0, f"k8slab {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _engine_pids() -> set[int]:
    from k8slab.engine import local
    from k8slab.engine.local import cgroups

    return {p for p in local.processes("k8slab").values() if p} | cgroups.pids(cgroups.TOP)


def test_up_and_down_leave_the_host_as_it_was():
    from k8slab.engine import cluster, local

    if cluster.recorded_engine("k8slab") not in (None, "local") or not local.usable()[0]:
        if os.environ.get("K8SLAB_EXPECT_REAL_NODES") == "1":
            pytest.fail(f"real nodes expected, but: {local.usable()[1]}")
        pytest.skip(f"the lab runs on another engine or real nodes cannot run here: {local.usable()[1]}")
    _k8slab("down")
    before = snapshot()
    _k8slab("up", "--engine", "local")
    try:
        pids = _engine_pids()
        assert len(pids) > 10  # control plane, forwarder, registry, node programs, shims, pods
        assert wildcard_listeners(pids) == []
        during = snapshot()
        # while up, the host only gains the lab link and the cgroup subtree
        changed = {line.split(":")[0] for line in differences(before, during)}
        assert changed <= {"links", "addresses", "routes"} | {
            k for k in during if k.startswith("cgroup ")}, differences(before, during)
    finally:
        _k8slab("down")
    assert differences(before, snapshot()) == []
    _k8slab("up", "--engine", "local")
