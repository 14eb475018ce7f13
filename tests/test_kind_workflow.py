"""The kind workflow goes red when a notebook's ``%k8s check`` fails.

The workflow (.github/workflows/notebooks-kind.yml) runs ``make test-kind``; this test takes
that target's pytest command line from ``make -n`` (with its test list swapped for two tiny
notebooks) and runs it for real against the lab cluster: the notebook whose check holds
passes, the one whose check fails fails the run. No kind is needed: only a check must fail.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

pytestmark = pytest.mark.cluster
REPO = Path(__file__).resolve().parents[1]


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _kind_pytest_line(tests: str) -> list[str]:
    """The pytest command ``make test-kind`` runs, as ``make -n`` prints it, on ``tests``."""
    assert shutil.which("make"), "make is needed (the README's two commands are make targets)"
    dry = subprocess.run(["make", "-n", "test-kind", f"KIND_TESTS={tests}"], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    lines = [ln for ln in dry.stdout.splitlines() if ln.split(" ", 1)[0].endswith("/pytest")]
    assert len(lines) == 1, dry.stdout
    argv = shlex.split(lines[0])
    return [sys.executable, "-m", "pytest", *argv[1:]]  # this interpreter's pytest, the same flags


def test_the_kind_workflow_runs_make_test_kind():
    flow = yaml.safe_load((REPO / ".github/workflows/notebooks-kind.yml").read_text())
    runs = [step.get("run", "") for job in flow["jobs"].values() for step in job["steps"]]
    assert "make test-kind" in runs
    argv = _kind_pytest_line("notebooks")
    assert "--nbval-lax" in argv and "notebooks" in argv


def test_the_kind_workflow_fails_on_a_notebook_whose_check_fails(cluster, tmp_path):
    good = _notebook(tmp_path / "good.ipynb", "%load_ext k8slab",
                     "%k8s check namespace/kube-system exists --timeout 10s")
    broken = _notebook(tmp_path / "broken.ipynb", "%load_ext k8slab",
                       "%k8s check namespace/k8slab-test-never-created exists --timeout 0",
                       "after = 1")
    ok = subprocess.run(_kind_pytest_line(str(good)), cwd=REPO, capture_output=True, text=True,
                        timeout=300)
    assert ok.returncode == 0, ok.stdout[-1500:]
    assert "2 passed" in ok.stdout
    red = subprocess.run(_kind_pytest_line(str(broken)), cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert red.returncode == 1, red.stdout[-1500:]
    assert "1 failed" in red.stdout and "CheckFailedError" in red.stdout, red.stdout[-1500:]
