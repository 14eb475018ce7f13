"""Showing a live widget in a cell: a stable first output, then the final text as a second one.

nbval 0.11 ignores ``update_display_data`` (it compares a cell's stored outputs with
the messages of a new run, and updates are not among them), so a display that is
updated in place is stored in its final state but checked in its first. A widget
shown in a cell therefore never updates its display. It goes out once, with the
live view (``application/vnd.jupyter.widget-view+json``, which nbval skips: model
ids are random) and a ``text/plain`` that does not depend on the cluster's state,
``ScaleWidget(deployment/web)``. The cell then waits, with a timeout, for the model
to settle, and displays the final summary (``deployment/web scaled: 3 desired,
3 ready``) as a separate output. The stored outputs (nbclient, papermill, a saved
JupyterLab notebook) are then exactly what nbval sees in a new run, with or without
a frontend; JupyterLab renders the live view and the summary below it.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def label(widget, target: str) -> str:
    """The widget's stable ``text/plain``: ``ScaleWidget(deployment/web)``."""
    return f"{type(widget).__name__}({target})"


def show_and_wait(widget, wait, timeout: float | None) -> None:
    """Display ``widget``, run ``wait(timeout)`` (interruptible), then display its summary.

    ``widget`` has ``_bundle()`` -> ``(data, metadata)`` (the view with its stable label)
    and ``_summary()`` -> the final text. ``timeout`` of None or 0 shows it without
    waiting, and without a summary.
    """
    from IPython.display import display

    data, md = widget._bundle()
    display(data, metadata=md, raw=True)
    if not timeout:
        return
    try:
        wait(timeout)
    except KeyboardInterrupt:
        # the user stopped the cell: the widget keeps its state, the text says where it is
        log.debug("wait interrupted")
    display({"text/plain": widget._summary()}, raw=True)
