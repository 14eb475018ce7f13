"""A notebook whose cluster is not as expected fails; a typing mistake is one short message.

Teams keep notebooks as regression tests (``pytest --nbval-lax``, nbclient in CI): a
failed ``%k8s check``/``wait`` or ``%%k8s_needs`` step must fail the run, while a
mistake in what a learner typed stays a one-line message and the notebook runs on.
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

pytestmark = pytest.mark.cluster


def _notebook(path, *cells: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _nbval_lax(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                           "--nbval-lax", str(path)], capture_output=True, text=True, timeout=300,
                          cwd=path.parent)


def test_a_failed_check_fails_the_notebook_and_a_typo_does_not(namespace, tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    failing = _notebook(tmp_path / "failing.ipynb", "%load_ext k8slab",
                        f"%k8s check deploy/missing replicas=1 -n {namespace} --timeout 0",
                        "after = 1")
    lax = _nbval_lax(failing)
    assert lax.returncode == 1 and "1 failed" in lax.stdout, lax.stdout[-800:]
    nb = nbformat.read(failing, as_version=4)
    with pytest.raises(CellExecutionError) as err:
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert "CheckFailedError" in str(err.value) and "deploy" in str(err.value)
    shown = [o for o in nb.cells[1].outputs if o.output_type == "error"]
    assert len(shown) == 1 and len(shown[0].traceback) <= 2  # one short line, no Python traceback

    typo = _notebook(tmp_path / "typo.ipynb", "%load_ext k8slab", f"%k8s gte pods -n {namespace}",
                     "after = 1")
    lax = _nbval_lax(typo)
    assert lax.returncode == 0, lax.stdout[-800:]
    nb = nbformat.read(typo, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    text = "".join(o.get("text", "") for o in nb.cells[1].outputs)
    assert text.startswith("UsageError: %k8s: unknown verb 'gte'. Did you mean 'get'?")
    assert not [o for o in nb.cells[1].outputs if o.output_type == "error"]  # a message, no traceback
    assert nb.cells[2].execution_count  # and the notebook ran on


def test_a_failing_needs_step_fails_the_notebook(tmp_path):
    failing = _notebook(tmp_path / "step.ipynb", "%load_ext k8slab",
                        "%%k8s_needs containers\nassert 1 + 1 == 3, 'the cluster said otherwise'")
    lax = _nbval_lax(failing)
    from k8slab.api.read.runtime import runs_containers
    from _k8s_objects import pin_lab_context

    pin_lab_context()
    if runs_containers():
        assert lax.returncode == 1 and "the cluster said otherwise" in lax.stdout, lax.stdout[-800:]
    else:  # skipped where pods are simulated: nothing ran, nothing failed
        assert lax.returncode == 0, lax.stdout[-800:]
