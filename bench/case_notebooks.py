"""Case 7: the whole notebook series under nbval, as the test suite runs it.

``pytest --nbval --k8slab-sanitize notebooks/`` in a fresh process (each notebook
gets its own kernel), wall-clock time, with the time per notebook from pytest's
JUnit XML. No kubectl counterpart. ``--quick`` runs the first notebook only.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from .common import Ctx, Result, timed

TARGET_S = 300.0
ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def _tracked(paths: list[Path]) -> int:
    proc = subprocess.run(["git", "ls-files", "--", *[str(p.relative_to(ROOT)) for p in paths]], cwd=ROOT,
                          capture_output=True, text=True)
    return len(proc.stdout.split()) if proc.returncode == 0 else 0


def _per_notebook(xml_path: Path) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    try:
        root = ET.parse(xml_path).getroot()
    except (OSError, ET.ParseError):
        return {}
    for tc in root.iter("testcase"):
        name = (tc.get("file") or tc.get("classname") or "?").split("/")[-1].split("::")[0]
        out[name.removesuffix(".ipynb").removeprefix("notebooks.")] += float(tc.get("time") or 0)
    return dict(out)


def run(ctx: Ctx) -> list[Result]:
    books = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    if not books:
        raise RuntimeError(f"no notebooks in {NOTEBOOKS}")
    chosen = books[:1] if ctx.quick else books  # quick: the index, the smallest
    with tempfile.TemporaryDirectory(prefix="bench-nbval-") as tmp:
        xml = Path(tmp) / "nbval.xml"
        cmd = [sys.executable, "-m", "pytest", "--nbval", "--k8slab-sanitize", "-q", "-p", "no:cacheprovider",
               f"--junitxml={xml}", *[str(b.relative_to(ROOT)) for b in chosen]]
        dt, proc = timed(lambda: subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800))
        per = _per_notebook(xml)
    tail = (proc.stdout.strip().splitlines() or ["?"])[-1]
    summary = re.sub(r"=+", "", tail).strip()
    slow = ", ".join(f"{k} {v:.0f} s" for k, v in sorted(per.items(), key=lambda kv: -kv[1])[:4])
    r = Result(f"7 notebooks under nbval ({len(chosen)} notebooks)", dt, None, 1)
    r.notes = (f"pytest --nbval --k8slab-sanitize notebooks/: {summary} (exit {proc.returncode}); "
               f"{_tracked(chosen)} of {len(chosen)} notebooks committed at the time; "
               f"slowest: {slow or '?'}; one run (it takes minutes); "
               f"target <= {TARGET_S:.0f} s: {'met' if dt <= TARGET_S else 'MISSED'}")
    ctx.log(f"nbval {dt:.0f} s: {summary}")
    return [r]
