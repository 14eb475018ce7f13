"""Walk through the notebook series as a learner does: in JupyterLab, in a real browser.

Starts JupyterLab (as ``k8slab lab`` does, on a free localhost port) on a copy of
``notebooks/`` and ``manifests/``, opens each notebook in headless chromium, runs
all its cells (outputs cleared first) with JupyterLab's run-all command, waits
until the kernel is idle, saves, and reads the saved file back: every code cell
must have run, and none may hold an error. One screenshot per notebook goes to the output directory.
The lessons' reference solutions run (``K8SLAB_SOLUTIONS=1``, as under ``pytest --k8slab-solutions``):
without them a learner's Run All stops, by design, at the first task's check. ``--learner`` walks
that path instead: Run All must stop at the check of task 1 (the first error, in a cell tagged
``k8slab-check``), with no solution applied and no later cell run.

Example:
    .venv/bin/python tools/lab_walkthrough.py                  # the whole series
    .venv/bin/python tools/lab_walkthrough.py 03 04 --out /tmp/walk
    .venv/bin/python tools/lab_walkthrough.py 06 --learner       # as a learner: stops at task 1

Needs the lab cluster up (``k8slab up``), chromium and playwright
(``pip install -e '.[browser]'``). Exit status 1 when a notebook fails.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CELL_TIMEOUT_S = 300

_BUSY = """() => {
  const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!nb || !nb.sessionContext || !nb.sessionContext.session || !nb.sessionContext.session.kernel) return 'no kernel';
  // JupyterLab may restore the previous notebook's tab: only the one asked for counts
  if (nb.context.path !== window.k8slabWalkPath) return 'another notebook is current';
  // the cells' models, not the DOM: JupyterLab renders only the cells in view (windowed notebooks)
  const running = nb.content.widgets.some(w => w.model.type === 'code' && w.model.executionState === 'running');
  if (running) return 'running';
  return nb.sessionContext.session.kernel.status;
}"""
IDLE_FOR_S = 3.0
"""Run All is over when no cell is running and the kernel has stayed idle this long (between two
cells of a run the kernel is idle for a moment only)."""


def _wait_idle(page, timeout_s: float) -> None:
    """Wait until the notebook has been idle (no cell running, kernel idle) for IDLE_FOR_S."""
    deadline, idle_since = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        if page.evaluate(_BUSY) == "idle":
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= IDLE_FOR_S:
                return
        else:
            idle_since = None
        time.sleep(0.25)
    raise TimeoutError(f"the notebook was still busy after {timeout_s:.0f} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_lab(root: Path, log, learner: bool = False) -> tuple[subprocess.Popen, str, str]:
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--expose-app-in-browser", f"--port={port}",
           "--ServerApp.ip=127.0.0.1",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           f"--LabApp.workspaces_dir={root / '.workspaces'}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {k: v for k, v in os.environ.items() if k != "K8SLAB_SOLUTIONS"}
    if not learner:
        env["K8SLAB_SOLUTIONS"] = "1"  # the solved path: every task's solution runs
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=root, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            return proc, url, token
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"JupyterLab did not start; see {log.name}")
            time.sleep(0.5)


def _check_saved(path: Path) -> list[str]:
    """Problems in a saved notebook: code cells that did not run, and error outputs."""
    nb = json.loads(path.read_text())
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
            continue
        if cell.get("execution_count") is None:
            problems.append(f"cell {i} did not run")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: {out.get('ename')}: {out.get('evalue', '')[:200]}")
    return problems


def _has_tasks(path: Path) -> bool:
    return any("k8slab-check" in c.get("metadata", {}).get("tags", []) for c in json.loads(path.read_text())["cells"])


def _check_learner(path: Path) -> list[str]:
    """Problems in a learner's saved run: it must stop at task 1's check, nothing solved for them."""
    nb = json.loads(path.read_text())
    code = [(i, c) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    errors = [i for i, c in code if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    if not errors and not any("k8slab-check" in c.get("metadata", {}).get("tags", []) for _, c in code):
        return []  # no task here (the index): Run All goes through, as it should
    if not errors:
        return ["Run All went through: no task's check failed"]
    first = nb["cells"][errors[0]]
    problems = []
    if "k8slab-check" not in first.get("metadata", {}).get("tags", []) or "task 1:" not in "".join(first["source"]):
        problems.append(f"cell {errors[0]} failed, not the check of task 1")
    ran_after = [i for i, c in code if i > errors[0] and c.get("execution_count") is not None]
    if ran_after:
        problems.append(f"cells {ran_after[:3]} ran after the failed check")
    for i, c in code:
        text = "".join("".join(o.get("text", "")) for o in c.get("outputs", []))
        if "".join(c["source"]).startswith("%%k8s solution") and c.get("execution_count") is not None \
                and "kept back (not run)" not in text:
            problems.append(f"cell {i}: a solution ran on a learner's Run All")
    return problems


def walk(names: list[str], out_dir: Path, learner: bool = False) -> int:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("K8SLAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    root = Path(tempfile.mkdtemp(prefix="k8slab-walk-"))
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "manifests", root / "manifests")
    notebooks = sorted(p for p in (root / "notebooks").glob("[0-9][0-9]-*.ipynb")
                       if not names or p.name[:2] in names)
    for nb in notebooks:  # a fresh start: only what runs now can fill the counts and outputs
        doc = json.loads(nb.read_text())
        for cell in doc["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        nb.write_text(json.dumps(doc, indent=1, ensure_ascii=False))
    out_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    with open(out_dir / "lab.log", "w") as log:
        proc, url, token = _start_lab(root, log, learner)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
                for nb in notebooks:
                    started = time.monotonic()
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    page.goto(f"{url}/lab/tree/notebooks/{nb.name}?token={token}")
                    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=120_000)
                    page.evaluate(f"""async () => {{
                        await window.jupyterapp.started; await window.jupyterapp.restored;
                        window.k8slabWalkPath = 'notebooks/{nb.name}';
                        await window.jupyterapp.commands.execute('docmanager:open', {{path: window.k8slabWalkPath}});
                    }}""")
                    try:
                        page.wait_for_function(f"() => ({_BUSY})() === 'idle'", timeout=120_000)
                    except Exception:
                        page.screenshot(path=str(out_dir / f"{nb.stem}-not-ready.png"), full_page=True)
                        raise SystemExit(f"{nb.name}: the kernel was not ready after 120 s "
                                         f"(state: {page.evaluate(_BUSY)}); see {out_dir}")
                    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
                    time.sleep(1)
                    code_cells = sum(1 for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
                    _wait_idle(page, CELL_TIMEOUT_S * max(1, code_cells // 10))
                    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
                    time.sleep(1.5)
                    page.screenshot(path=str(out_dir / f"{nb.stem}.png"), full_page=True)
                    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
                    page.close()
                    problems = _check_learner(nb) if learner else _check_saved(nb)
                    took = time.monotonic() - started
                    if problems:
                        failed += 1
                        print(f"✗ {nb.name} ({took:.0f} s): " + "; ".join(problems), flush=True)
                    else:
                        done = ("stopped at task 1's check, as a learner's Run All should" if _has_tasks(nb)
                                else "no task here, every cell ran") if learner else \
                            f"{code_cells} code cells ran, no error"
                        print(f"✓ {nb.name}: {done} ({took:.0f} s)", flush=True)
                browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"{len(notebooks) - failed}/{len(notebooks)} notebooks ran cleanly in JupyterLab; "
          f"screenshots and the lab log in {out_dir}; executed copies in {root / 'notebooks'}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("numbers", nargs="*", help="only these notebooks, by number (e.g. 03 04)")
    p.add_argument("--out", type=Path, default=ROOT / "artifacts" / "walkthrough",
                   help="screenshots and the lab log (default artifacts/walkthrough, gitignored)")
    p.add_argument("--learner", action="store_true",
                   help="run as a learner (no K8SLAB_SOLUTIONS): each notebook must stop at task 1's check")
    args = p.parse_args(argv)
    return walk(args.numbers, args.out, learner=args.learner)


if __name__ == "__main__":
    sys.exit(main())
