"""Showing a live widget in a cell, with a text result that is final when the cell ends.

A widget's view goes out first (so the frontend shows it live), then the cell
waits, with a timeout, for the model to settle, and the same display is updated
(``update_display``) with the final ``text/plain``. Without a frontend (nbclient,
nbval, papermill) that text is the cell's checked result.
"""

from __future__ import annotations

import logging
import uuid

log = logging.getLogger(__name__)


def show_and_wait(widget, wait, timeout: float | None) -> None:
    """Display ``widget``, run ``wait(timeout)`` (interruptible), then update the text result.

    ``widget`` has ``_bundle()`` -> ``(data, metadata)``. ``timeout`` of None or 0
    shows it without waiting.
    """
    from IPython.display import display, update_display

    display_id = uuid.uuid4().hex
    data, md = widget._bundle()
    display(data, metadata=md, raw=True, display_id=display_id)
    if not timeout:
        return
    try:
        wait(timeout)
    except KeyboardInterrupt:
        # the user stopped the cell: the widget keeps its state, the text says where it is
        log.debug("wait interrupted")
    data, md = widget._bundle()
    update_display(data, metadata=md, raw=True, display_id=display_id)
