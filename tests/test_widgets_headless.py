"""Headless (nbclient, as nbval runs it): each widget shows a stable label, then its final text result,
the magic hooks work, and no traceback or stderr output reaches the cells."""

from __future__ import annotations

import nbformat
import pytest
from kubernetes import client
from nbclient import NotebookClient

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


def _deployment():
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}


def _texts(cell) -> list[str]:
    return [o["data"]["text/plain"] for o in cell.outputs if "data" in o and "text/plain" in o["data"]]


def test_headless_text_results_and_magic_hooks(namespace, cluster, tmp_path):
    client.AppsV1Api(cluster).create_namespaced_deployment(namespace, _deployment())
    patch = ('{"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}}}}')
    sources = [
        f"%load_ext k8slab\n%k8s use --namespace {namespace}",
        "from k8slab.widgets import ScaleWidget, RolloutWatcher\nScaleWidget('deploy/web')",
        "%k8s scale deploy/web --widget --replicas 3",
        "from k8slab.client.session import current\n"
        f"_ = current().request('PATCH', '/apis/apps/v1/namespaces/{namespace}/deployments/web', body={patch},"
        " content_type='application/strategic-merge-patch+json')\n"
        "%k8s rollout watch deploy/web --timeout 60s",
        "RolloutWatcher('deploy/web', timeout=30)",
        "%k8s get cm -w --timeout 2s",
        "%k8s get deploy/web -w --timeout 1s",
        "ScaleWidget('deploy/nope')",
        "RolloutWatcher('configmap/x')",
        "import threading, time\nk8slab_threads = lambda: [t.name for t in threading.enumerate() if 'k8slab' in t.name]\n"
        "from k8slab.widgets import close_all\nclose_all()\ntime.sleep(0.5)\nprint(k8slab_threads())",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    cells = nb.cells
    for c in cells:
        for o in c.outputs:
            assert o["output_type"] != "error", o
            assert not (o["output_type"] == "stream" and o["name"] == "stderr"), o["text"]
    widget = "application/vnd.jupyter.widget-view+json"
    assert any(widget in o.get("data", {}) for o in cells[1].outputs)
    # first the view with a stable label, then the final summary as its own output (never an update)
    assert _texts(cells[1]) == ["ScaleWidget(deployment/web)", "deployment/web scaled: 2 desired, 2 ready"]
    assert _texts(cells[2]) == ["ScaleWidget(deployment/web)", "deployment/web scaled: 3 desired, 3 ready"]
    rolled = "deployment/web rolled out: revision 2, 3/3 updated, 3 ready, 3 available"
    assert _texts(cells[3]) == ["RolloutWatcher(deployment/web)", rolled]
    assert _texts(cells[4]) == ["RolloutWatcher(deployment/web)", rolled]
    assert all(o["output_type"] == "display_data" for c in cells[1:9] for o in c.outputs), "no execute_result"
    assert _texts(cells[5])[0] == "WatchTable(configmaps)"
    table = _texts(cells[5])[1]
    assert table.splitlines()[0].split() == ["NAME", "DATA", "AGE"] and "kube-root-ca.crt" in table
    one = _texts(cells[6])[1].splitlines()
    assert one[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"] and len(one) == 2
    assert one[1].split()[:4] == ["web", "3/3", "3", "3"]
    assert _texts(cells[7]) == ["ScaleWidget(deployment/nope)", f"deployment/nope not found in namespace {namespace}."]
    assert _texts(cells[8])[0] == "RolloutWatcher(configmap/x)"
    assert _texts(cells[8])[1].startswith("configmap/x: rollout works on deployments, statefulsets, daemonsets")
    assert cells[9].outputs[-1]["text"].strip() == "[]"
