"""Outputs that change while a cell runs (``--wait``, ``rollout status``, widgets) pass strict nbval.

A small notebook is run once with nbclient to store its outputs (as ``jupyter nbconvert
--execute`` does), then checked by ``pytest --nbval --k8slab-sanitize`` in a subprocess,
which runs it again against the cluster and compares. The notebook deletes what it made,
so the second run starts from the same state.
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

DEPLOY = """%%k8s apply --wait=60s
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: app, image: {image}}}]}}
"""


def _cells(namespace: str) -> list[str]:
    return [
        f"%load_ext k8slab\n_ = %k8s use --namespace {namespace}",
        DEPLOY.format(image="nginx:1.27", replicas=2),
        "%k8s rollout status deployment/web --timeout 60s",
        "from k8slab.widgets import ScaleWidget\n\nscaler = ScaleWidget('deployment/web')\nscaler",
        "%k8s scale deploy/web --widget --replicas 3",
        DEPLOY.format(image="nginx:1.28", replicas=3).replace("--wait=60s", "--force-conflicts"),
        "%k8s rollout watch deploy/web --timeout 60s",
        "scaler.close()\n%k8s delete deployment/web --cascade=foreground",  # pods gone before a re-run
    ]


def test_wait_rollout_status_and_widgets_pass_strict_nbval(namespace, cluster, tmp_path):
    from nbclient import NotebookClient

    path = tmp_path / "live.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in _cells(namespace)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    nbformat.write(nb, path)

    texts = [[o.get("text") or o.get("data", {}).get("text/plain") for o in c.outputs] for c in nb.cells]
    # what nbval will compare: the stream's final line (after its \r handling), the widgets'
    # stable labels, then their final summaries
    from nbval.plugin import coalesce_streams

    wait_stream = [o.text for o in coalesce_streams(nb.cells[1].outputs) if o.output_type == "stream"]
    assert wait_stream == ["✓ the object is ready\n"]
    status_stream = [o.text for o in coalesce_streams(nb.cells[2].outputs) if o.output_type == "stream"]
    assert status_stream == ["✓ deployment.apps/web: rollout complete\n"]
    assert texts[2][-1] == 'deployment "web" successfully rolled out'
    assert texts[3] == ["ScaleWidget(deployment/web)", "deployment/web scaled: 2 desired, 2 ready"]
    assert texts[4] == ["ScaleWidget(deployment/web)", "deployment/web scaled: 3 desired, 3 ready"]
    assert texts[6] == ["RolloutWatcher(deployment/web)",
                        "deployment/web rolled out: revision 2, 3/3 updated, 3 ready, 3 available"]

    proc = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "--k8slab-sanitize", "-p", "no:cacheprovider",
                           "-q", str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert f"{len(nb.cells)} passed" in proc.stdout
