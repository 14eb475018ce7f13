"""The benchmark runs end to end with tiny sizes, so it cannot rot.

``python -m bench --quick`` against the real lab cluster: every case must
produce numbers and the JSON must have the shape the issue specifies. No timing
thresholds here: the figures are the benchmark's business, not the test's.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"case", "k8slab_s", "kubectl_s", "ratio", "n", "notes"}
NO_KUBECTL = ("1 ", "7 ")  # cases without a kubectl counterpart


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


@pytest.mark.cluster
@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_bench_quick_produces_every_case(cluster, tmp_path):
    out = tmp_path / "latest.json"
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1100)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = json.loads(out.read_text())
    assert isinstance(rows, list)
    cases = {r["case"].split()[0] for r in rows}
    assert cases == {str(i) for i in range(1, 8)}, cases
    for r in rows:
        assert set(r) == KEYS, r
        assert _number(r["k8slab_s"]), r
        assert isinstance(r["n"], int) and r["n"] >= 1, r
        assert isinstance(r["notes"], str) and r["notes"], r
        if r["case"].startswith(NO_KUBECTL):
            assert r["kubectl_s"] is None and r["ratio"] is None, r
        else:
            assert _number(r["kubectl_s"]), r
            assert r["ratio"] == pytest.approx(r["kubectl_s"] / r["k8slab_s"], rel=0.02, abs=0.01), r
    # the table is printed, and the machine is recorded next to the results
    assert "| case | k8slab | kubectl | ratio | n |" in proc.stdout
    machine = json.loads(out.with_name("latest.machine.json").read_text())
    assert machine["cores"] >= 1 and machine["quick"] is True


def test_bench_rejects_unknown_cases():
    proc = subprocess.run([sys.executable, "-m", "bench", "--cases", "10"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "cases are 1,2,3,4,5,6,7,8,9" in proc.stderr
