"""Case 1: ``%load_ext k8slab`` in a fresh process, its own cost.

Two measures, both in fresh Python processes (nothing of k8slab cached in
memory): the time of the ``%load_ext`` call inside a fresh IPython shell, and
the wall-clock difference between starting a shell with and without it (bare
IPython start subtracted), runs interleaved.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from .common import Ctx, Result, median, spread

TARGET_S = 0.100
HEAVY = ("kubernetes", "pandas", "urllib3", "yaml", "ipywidgets")

_CHILD = r"""
import json, sys, time
from IPython.core.interactiveshell import InteractiveShell
sh = InteractiveShell.instance()
t = None
if sys.argv[1] == "load":
    t0 = time.perf_counter()
    sh.run_line_magic("load_ext", "k8slab")
    t = time.perf_counter() - t0
print(json.dumps({"load_s": t, "heavy": [m for m in sys.argv[2].split(",") if m in sys.modules]}))
"""


def _child(mode: str) -> tuple[float, dict]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, mode, ",".join(HEAVY)], capture_output=True,
                          text=True, check=True)
    return time.perf_counter() - t0, json.loads(proc.stdout)


def run(ctx: Ctx) -> list[Result]:
    n = ctx.runs(9, 2)
    _child("bare"), _child("load")  # warm the OS page cache
    inproc, with_ext, bare, heavy = [], [], [], set()
    for i in range(n):
        for mode in (("load", "bare") if i % 2 == 0 else ("bare", "load")):
            wall, out = _child(mode)
            if mode == "load":
                with_ext.append(wall)
                inproc.append(out["load_s"])
                heavy.update(out["heavy"])
            else:
                bare.append(wall)
    own = median(inproc)
    diff = median(with_ext) - median(bare)
    diff_min = min(with_ext) - min(bare)
    notes = (f"in-process %load_ext call {spread(inproc)}; process wall with minus without: "
             f"{diff * 1000:.0f} ms by medians, {diff_min * 1000:.0f} ms by minimums (bare IPython start "
             f"{spread(bare)}: the difference drowns in the machine's load, the in-process figure does not); "
             f"heavy modules imported at load: {', '.join(sorted(heavy)) or 'none'}; "
             f"target <= {TARGET_S * 1000:.0f} ms: {'met' if own <= TARGET_S else 'MISSED'}")
    ctx.log(f"load_ext {own * 1000:.1f} ms")
    return [Result("1 %load_ext k8slab (own cost, fresh process)", own, None, n, notes)]
