"""Lessons: a task stub, its kept-back solution and its check (k8slab.magics.lesson).

A learner's Run All must leave a task undone and its check failing with the hint; the
test run (``--k8slab-solutions``, ``K8SLAB_SOLUTIONS=1``) executes each solution before
its check, so the same notebook passes.
"""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from k8slab.errors import StepFailedError
from k8slab.magics.lesson import SOLUTIONS_ENV


@pytest.fixture(scope="module")
def ip():
    from _k8s_objects import shell

    return shell()


@pytest.fixture
def plain_run(monkeypatch):
    monkeypatch.delenv(SOLUTIONS_ENV, raising=False)


@pytest.fixture
def test_run(monkeypatch):
    monkeypatch.setenv(SOLUTIONS_ENV, "1")


def test_a_plain_run_keeps_the_solution_without_running_it(ip, plain_run):
    ip.user_ns.pop("lesson_value", None)
    with capture_output() as cap:
        ip.run_cell_magic("k8s", "solution 7", "lesson_value = 41 + 1\n")
    assert "lesson_value" not in ip.user_ns
    assert cap.stdout.startswith("🔒 solution 7 is kept back (not run)")
    assert "%k8s solution 7 shows it" in cap.stdout
    shown = ip.run_line_magic("k8s", "solution 7")
    assert repr(shown) == "solution 7:\nlesson_value = 41 + 1"
    assert shown._repr_html_().startswith("<details><summary>solution 7 (click to open)</summary>")


def test_solution_load_puts_it_into_a_new_cell(ip, plain_run, monkeypatch):
    ip.run_cell_magic("k8s", "solution 8", "%k8s get pods\n")
    seen = []
    monkeypatch.setattr(ip, "set_next_input", lambda text, replace=False: seen.append((text, replace)))
    assert ip.run_line_magic("k8s", "solution 8 --load") is None
    assert seen == [("%k8s get pods\n", False)]


def test_an_unknown_solution_says_which_are_known(ip, plain_run):
    ip.run_cell_magic("k8s", "solution 7", "x = 1\n")
    with pytest.raises(UsageError, match=r"solution 99 is not known in this kernel \(known: .*7.*\): run its cell"):
        ip.run_line_magic("k8s", "solution 99")
    with pytest.raises(UsageError, match="the cell has no solution in it"):
        ip.run_cell_magic("k8s", "solution 9", "\n")


def test_the_test_run_executes_the_solution(ip, test_run):
    ip.user_ns.pop("lesson_value", None)
    with capture_output() as cap:
        ip.run_cell_magic("k8s", "solution 7", "lesson_value = 41 + 1\nprint('solved')\nlesson_value\n")
    assert ip.user_ns["lesson_value"] == 42
    assert cap.stdout == f"▶ solution 7: run by the test run ({SOLUTIONS_ENV}=1)\nsolved\n42\n"


def test_a_failing_solution_fails_its_cell_in_the_test_run(ip, test_run):
    with capture_output(), pytest.raises(StepFailedError, match="solution 3 failed .*AssertionError"):
        ip.run_cell_magic("k8s", "solution 3", "assert 1 == 2\n")


def test_a_stub_with_blanks_sends_nothing(ip):
    with capture_output() as cap:
        assert ip.run_cell_magic("k8s", "apply", "kind: Deployment\nspec:\n  replicas: ___\n") is None
    assert cap.stdout == ("✎ this cell is a task for you: replace each ___ with your answer"
                          " (line 3: replicas: ___), then run the cell again.\n")
    with capture_output() as cap:
        assert ip.run_line_magic("k8s", "scale deploy/web --replicas ___") is None
    assert cap.stdout.startswith("✎ this line is a task for you: replace each ___ with your answer"
                                 " (scale deploy/web --replicas ___)")


LESSON = [
    "%load_ext k8slab",
    "%k8s use --namespace {ns}",
    "_ = %k8s delete configmap greeting --ignore-not-found",
    # the task stub
    "%%k8s apply\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  greeting: ___\n",
    # the solution, kept back
    "%%k8s solution 1\n%%k8s apply\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\n"
    "data:\n  greeting: hello\n",
    "%k8s check cm/greeting data.greeting=hello --timeout 0 --hint 'task 1: the ConfigMap greeting says hello'",
]


def _lesson(path, ns):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c.replace("{ns}", ns)) for c in LESSON]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _pytest(path, *flags) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != SOLUTIONS_ENV}  # this run's addopts set it
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                           *flags, str(path)], capture_output=True, text=True, timeout=300,
                          cwd=path.parent, env=env)


@pytest.mark.cluster
def test_run_all_leaves_the_task_undone_and_the_test_run_solves_it(namespace, tmp_path, monkeypatch):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.delenv(SOLUTIONS_ENV, raising=False)  # a learner's kernel
    path = _lesson(tmp_path / "lesson.ipynb", namespace)
    nb = nbformat.read(path, as_version=4)
    with pytest.raises(CellExecutionError) as err:
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert "✗ configmap/greeting: not found" in str(err.value)
    assert "hint: task 1: the ConfigMap greeting says hello" in str(err.value)
    stub = "".join(o.get("text", "") for o in nb.cells[3].outputs)
    assert stub.startswith("✎ this cell is a task for you: replace each ___ with your answer"
                           " (line 6: greeting: ___)")
    kept = "".join(o.get("text", "") for o in nb.cells[4].outputs)
    assert kept.startswith("🔒 solution 1 is kept back (not run)")

    plain = _pytest(path, "--nbval-lax")
    assert plain.returncode == 1 and "1 failed" in plain.stdout and "task 1: the ConfigMap" in plain.stdout, \
        plain.stdout[-1500:]
    solved = _pytest(path, "--nbval-lax", "--k8slab-solutions")
    assert solved.returncode == 0 and f"{len(LESSON)} passed" in solved.stdout, solved.stdout[-1500:]

    # stored outputs of the solved lesson (as tools/nbexec.py stores them), checked strictly
    monkeypatch.setenv(SOLUTIONS_ENV, "1")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    nbformat.write(nb, path)
    shown = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in nb.cells[5].outputs)
    assert shown.startswith("✓ configmap/greeting: data.greeting=hello"), shown
    strict = _pytest(path, "--nbval", "--k8slab-sanitize", "--k8slab-solutions")
    assert strict.returncode == 0 and f"{len(LESSON)} passed" in strict.stdout, strict.stdout[-1500:]
    unsolved = _pytest(path, "--nbval", "--k8slab-sanitize")
    assert unsolved.returncode == 1 and "2 failed" in unsolved.stdout, unsolved.stdout[-1500:]


@pytest.mark.cluster
def test_a_learners_run_all_of_a_series_notebook_stops_at_its_first_task(cluster, monkeypatch):
    """06 as a learner runs it: the stub says it is a task, the solution is not applied, the check fails."""
    from pathlib import Path

    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    import k8slab
    from _k8s_objects import pin_lab_context

    monkeypatch.delenv(SOLUTIONS_ENV, raising=False)
    notebooks = Path(__file__).resolve().parent.parent / "notebooks"
    nb = nbformat.read(notebooks / "06-configmaps.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    try:
        with pytest.raises(CellExecutionError) as err:
            NotebookClient(nb, timeout=300, kernel_name="python3",
                           resources={"metadata": {"path": str(notebooks)}}).execute()
    finally:
        pin_lab_context()
        k8slab.delete("namespace/lab-06-configmaps", wait=False, ignore_not_found=True)
    assert "✗ configmap/my-config: data.log_level: expected debug, found <none>" in str(err.value)
    assert "hint: task 1: log_level: debug under data" in str(err.value)
    ran = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
    stub, kept, check = ran[-3:]
    assert "k8slab-task" in stub.metadata.tags and stub.outputs[0].text.startswith("✎ this cell is a task for you")
    assert kept.outputs[0].text.startswith("🔒 solution 1 is kept back (not run)")
    assert "k8slab-check" in check.metadata.tags


def test_a_solution_with_a_syntax_error_is_named_on_every_run(ip, plain_run):
    with pytest.raises(UsageError, match=r"%%k8s solution 4: the solution has a syntax error on line 1"):
        ip.run_cell_magic("k8s", "solution 4", "x = (%k8s get pods)\n")
