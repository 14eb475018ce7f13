"""Live widgets: scale with a slider, watch a rollout, watch a table.

Each widget is an ``ipywidgets.VBox`` that only renders a ``traitlets`` model
(``.model``) fed by :mod:`k8slab.api.watch.informer`. Shown in a cell, a widget's display
carries a stable ``text/plain`` (``ScaleWidget(deployment/web)``); the cell waits,
with a timeout, for the model to settle and then shows the final summary as a
second output, so a stored notebook is what nbval sees (see :mod:`.display`).

Example:
    >>> from k8slab.widgets import ScaleWidget, RolloutWatcher
    >>> ScaleWidget("deploy/web")        # doctest: +SKIP
    >>> RolloutWatcher("deploy/web")     # doctest: +SKIP
"""

from __future__ import annotations

from .live import close_all
from .rollout_model import RolloutModel
from .rollout_view import RolloutWatcher
from .scale_model import ScaleModel
from .scale_view import ScaleWidget
from .table_model import TableModel
from .table_view import WatchTable

__all__ = ["ScaleWidget", "RolloutWatcher", "WatchTable", "ScaleModel", "RolloutModel", "TableModel",
           "close_all", "show_scale", "show_rollout", "show_watch"]


def show_scale(target: str, namespace: str | None = None, **kwargs) -> ScaleWidget:
    """``%k8s scale TYPE/NAME --widget``: show a ScaleWidget (returns it)."""
    from IPython.display import display

    w = ScaleWidget(target, namespace, **kwargs)
    display(w)
    return w


def show_rollout(target: str, namespace: str | None = None, timeout: float | None = None) -> RolloutWatcher:
    """``%k8s rollout watch TYPE/NAME``: show a RolloutWatcher, wait for the end (bounded)."""
    from IPython.display import display

    w = RolloutWatcher(target, namespace, timeout=timeout)
    display(w)
    return w


def show_watch(type: str, *names: str, timeout: float | None = None, **kwargs) -> WatchTable:
    """``%k8s get TYPE … --watch``: show a live table for ``timeout`` seconds (default 30)."""
    from IPython.display import display

    w = WatchTable(type, *names, timeout=timeout, **kwargs)
    display(w)
    return w
