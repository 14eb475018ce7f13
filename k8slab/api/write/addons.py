"""``addons``: install or remove a lab addon from a notebook (the same as ``k8slab addons``).

The one addon is ``ingress``: Traefik as the lab's ingress controller (IngressClass ``nginx``,
the notes' NGINX annotations) and Gateway API. It needs a cluster that runs containers (the
real-node or kind engine); the simulated engine is refused with what to do.
"""

from __future__ import annotations

from k8slab.api.args.checks import checked
from k8slab.api.output.formats import TextResult
from k8slab.client import session as _session
from k8slab.errors import UsageError

ADDONS = ("ingress",)


@checked
def addons(name: str = "ingress", *, remove: bool = False, timeout: float = 180) -> TextResult:
    """Install (idempotent: a re-run only checks it) or, with ``remove``, delete an addon of the lab.

    Returns the line saying where it answers (or what was removed).

    Raises:
        UsageError: an unknown addon, a cluster that is not the lab's, or one whose pods are simulated.
        EngineError: it did not become ready within ``timeout`` seconds (with the reason).

    Example:
        >>> k8slab.addons("ingress")  # doctest: +SKIP
    """
    if name not in ADDONS:
        raise UsageError(f"addons: unknown addon {name!r}; known: {', '.join(ADDONS)}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise UsageError(f"addons: timeout must be a positive number of seconds (got {timeout!r})")
    s = _session.current()
    if not s.is_lab:
        raise UsageError(f"addons: context {s.context!r} is not the lab cluster's; addons are installed only "
                         "into the cluster k8slab runs (k8slab up)")
    from k8slab.engine import cluster, ingress

    lines: list[str] = []
    if remove:
        ingress.remove(cluster.DEFAULT_NAME, timeout=timeout, echo=lines.append)
    else:
        lines.append(ingress.ready_line(ingress.install(cluster.DEFAULT_NAME, timeout=timeout, echo=print)))
    return TextResult("\n".join(lines))
