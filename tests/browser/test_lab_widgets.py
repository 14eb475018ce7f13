"""Real-browser test: JupyterLab (headless, free localhost port) driven by Debian's chromium.

Opens a notebook, runs the cells that show a ScaleWidget (``%k8s scale … --widget``)
and a RolloutWatcher (``%k8s rollout watch``), moves the slider and checks that the
cluster scales and the pod chips follow, then changes the image and checks that
the watcher shows the rollout to completion. Screenshots go to
``artifacts/browser/`` (gitignored) or ``$K8SLAB_ARTIFACTS``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kubernetes import client

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

CHROMIUM = os.environ.get("K8SLAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("K8SLAB_ARTIFACTS") or Path(__file__).resolve().parents[2] / "artifacts") / "browser"
T = 60_000  # ms, any single browser wait


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WAITED = ("%%k8s apply --wait=60s\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: waited}\nspec:\n"
          "  replicas: 2\n  selector: {matchLabels: {app: waited}}\n  template:\n    metadata: {labels: {app: waited}}\n"
          "    spec: {containers: [{name: app, image: nginx:1.27}]}\n")


def _notebook(namespace: str) -> dict:
    cells = [
        "%load_ext k8slab\n%k8s use --namespace " + namespace,
        "%k8s scale deploy/web --widget",
        "%k8s rollout watch deploy/web --timeout 60s",
        WAITED,
    ]
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": src, "outputs": [],
                       "execution_count": None} for i, src in enumerate(cells)]}


@pytest.fixture
def lab(tmp_path, cluster):
    """A JupyterLab server on a free port, its root a temporary directory."""
    if not CHROMIUM:
        pytest.skip("chromium is not installed (apt-get install -y chromium); the browser test needs it")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (pip install playwright)")
    port, token = _free_port(), secrets.token_hex(16)
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--expose-app-in-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
         "--ServerApp.disable_check_xsrf=True", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly"]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
        env={**os.environ, "JUPYTER_PLATFORM_DIRS": "1"})
    try:
        import urllib.request

        deadline = time.monotonic() + 90
        while True:  # the server has no readiness signal but its HTTP port
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(tmp_path / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield {"url": f"http://127.0.0.1:{port}", "token": token, "root": tmp_path}
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _deployment(replicas=1, image="nginx:1.27"):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "app", "image": image}]}}}}


def _saved_outputs(path: Path, cell: int, timeout: float = 30) -> list[dict]:
    """The outputs of ``cell`` once JupyterLab has saved the notebook with them."""
    deadline = time.monotonic() + timeout
    while True:  # the save is asynchronous; the file on disk is the only signal
        outputs = json.loads(path.read_text())["cells"][cell]["outputs"]
        if outputs or time.monotonic() > deadline:
            return outputs
        time.sleep(0.2)


def _wait_replicas(apps, namespace, n, timeout=60):
    from kube_wait import wait_for

    wait_for(apps.list_namespaced_deployment, lambda items: any(
        d.metadata.name == "web" and d.spec.replicas == n and (d.status.ready_replicas or 0) == n for d in items),
        timeout=timeout, namespace=namespace)


def test_lab_scale_slider_and_rollout_watcher(lab, namespace, cluster):
    from playwright.sync_api import sync_playwright

    apps = client.AppsV1Api(cluster)
    apps.create_namespaced_deployment(namespace, _deployment(replicas=1))
    _wait_replicas(apps, namespace, 1)
    (lab["root"] / "widgets.ipynb").write_text(json.dumps(_notebook(namespace)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{lab['url']}/lab/tree/widgets.ipynb?token={lab['token']}")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                                   timeout=T)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")

            # the ScaleWidget renders, with one Ready chip
            page.wait_for_selector(".k8slab-scale .k8slab-chip[data-state='Ready']", timeout=T)
            page.wait_for_selector(".k8slab-rollout [data-state='complete'][data-revision='1']", timeout=T)
            page.screenshot(path=str(ARTIFACTS / "01-widgets-shown.png"), full_page=True)

            # each widget cell: the live view, then its final summary as a separate output
            texts = "() => [...document.querySelectorAll('.jp-RenderedText')].map(e => e.innerText.trim())"
            for summary in ("deployment/web scaled: 1 desired, 1 ready",
                            "deployment/web rolled out: revision 1, 1/1 updated, 1 ready, 1 available"):
                page.wait_for_function(f"() => ({texts})().includes({json.dumps(summary)})", timeout=T)
            # apply --wait: the progress line was rewritten in place and shows only its final text
            # (a longer "Waiting for ..." state came first; \r alone would leave its tail visible)
            stdout = page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stdout']")
            page.wait_for_function("() => [...document.querySelectorAll(\".jp-RenderedText[data-mime-type="
                                   "'application/vnd.jupyter.stdout']\")].some(e => e.innerText.includes('✓'))",
                                   timeout=T)
            assert stdout.last.inner_text().strip() == "✓ the object is ready"
            page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
            saved = _saved_outputs(lab["root"] / "widgets.ipynb", 3)
            streams = ["".join(o["text"]) for o in saved if o["output_type"] == "stream"]
            assert streams == ["✓ the object is ready\n"]  # JupyterLab saves the final line only

            # move the slider: focus its handle and step it right twice (1 -> 3)
            handle = page.locator(".k8slab-scale-slider .noUi-handle").first
            handle.focus()
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowRight")
            _wait_replicas(apps, namespace, 3)
            page.wait_for_function(
                "() => document.querySelectorAll(\".k8slab-scale .k8slab-chip[data-state='Ready']\").length === 3",
                timeout=T)
            assert page.locator(".k8slab-scale .k8slab-chip").count() == 3
            assert page.locator(".k8slab-scale-number input").input_value() == "3"
            page.screenshot(path=str(ARTIFACTS / "02-scaled-to-3.png"), full_page=True)

            # a bad count typed in the box: the widget says why and returns to the live value
            box = page.locator(".k8slab-scale-number input")
            box.fill("-1")
            box.press("Enter")
            page.wait_for_selector(".k8slab-scale-message :text('replicas must be 0 or more')", timeout=T)
            page.wait_for_function("() => document.querySelector('.k8slab-scale-number input').value === '3'",
                                   timeout=T)
            assert apps.read_namespaced_deployment("web", namespace).spec.replicas == 3
            page.screenshot(path=str(ARTIFACTS / "02b-refused-count.png"), full_page=True)

            # change the image: the watcher shows the new revision rolling out to completion
            apps.patch_namespaced_deployment("web", namespace, {"spec": {"template": {"spec": {
                "containers": [{"name": "app", "image": "nginx:1.28"}]}}}})
            page.wait_for_selector(".k8slab-rollout [data-state='complete'][data-revision='2']", timeout=T)
            table = page.locator(".k8slab-rollout-table").inner_text()
            assert "nginx:1.28" in table
            page.screenshot(path=str(ARTIFACTS / "03-rolled-out.png"), full_page=True)
            # chips still follow: 3 Ready pods, all of the new revision
            page.wait_for_function(
                "() => document.querySelectorAll(\".k8slab-scale .k8slab-chip[data-state='Ready']\").length === 3"
                " && document.querySelectorAll('.k8slab-scale .k8slab-chip').length === 3", timeout=T)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()
