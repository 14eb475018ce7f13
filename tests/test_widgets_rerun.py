"""Re-running a widget cell closes the widgets of the cell's earlier run (a real kernel).

JupyterLab replaces a re-run cell's outputs, so the earlier widget's view is gone;
its model must not keep watching. The kernel knows the cell by the ``cellId`` that
JupyterLab (and nbclient) put in the execute request's metadata.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


def _run(kc, code: str, cell: str) -> str:
    """Execute ``code`` as cell ``cell``; return its stdout (fails on an error)."""
    content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
               "allow_stdin": False, "stop_on_error": True}
    msg = kc.session.msg("execute_request", content, metadata={"cellId": cell})
    kc.shell_channel.send(msg)
    out, error = [], None
    while True:
        m = kc.get_iopub_msg(timeout=120)
        if m["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        if m["msg_type"] == "stream" and m["content"]["name"] == "stdout":
            out.append(m["content"]["text"])
        elif m["msg_type"] == "error":
            error = "\n".join(m["content"]["traceback"])
        elif m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    assert error is None, error
    return "".join(out)


def test_rerun_closes_the_earlier_widget_of_the_same_cell(namespace, cluster):
    from jupyter_client.manager import start_new_kernel

    from _k8s_objects import make_web, pin_lab_context

    pin_lab_context()
    make_web(namespace, replicas=1)
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        _run(kc, f"%load_ext k8slab\n_ = %k8s use --namespace {namespace}\nmade = []", "setup")
        widget_cell = ("from k8slab.widgets import ScaleWidget\n"
                       "made.append(ScaleWidget('deployment/web'))\n"
                       "assert made[-1].model.wait_synced(20)")
        _run(kc, widget_cell, "scale-cell")
        _run(kc, widget_cell, "scale-cell")          # the same cell again
        _run(kc, widget_cell, "another-cell")        # a different cell: the widget above stays
        state = _run(kc, "print([(w.model.closed, w.model.threads_alive > 0) for w in made])", "check")
        assert state.strip() == "[(True, False), (False, True), (False, True)]"
        _run(kc, "%unload_ext k8slab\nprint([w.model.closed for w in made])", "end")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
