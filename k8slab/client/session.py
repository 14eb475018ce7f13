"""The notebook-wide session: sticky context/namespace and one warm ``ApiClient``.

Every call goes through :class:`Session`, which reuses one urllib3 pool (so a
``get`` costs one HTTPS round trip, not a process spawn and TLS handshake) and
caches API discovery. See :mod:`k8slab.client` for the interface.
"""

from __future__ import annotations

import os
import threading

from ..errors import ClusterUnreachableError, ContextGuardError, UsageError
from . import discovery as _disc
from .http import HttpMixin, build_client
from .kubeconfig import choose_context


class Session(HttpMixin):
    """Sticky defaults and one cached, warm API client for one kubeconfig context."""

    def __init__(self, context: str | None = None, namespace: str | None = None,
                 allow_non_lab: bool = False):
        self._choice = choose_context(context, allow_non_lab=allow_non_lab)
        self._stamp = self._files_stamp()
        self._namespace = namespace
        self._requested_context = context
        self._allow_non_lab = allow_non_lab
        self._api = None
        self._index: _disc.ResourceIndex | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<k8slab Session context={self.context!r} namespace={self.namespace!r} server={self.server!r}>"

    def _files_stamp(self) -> tuple:
        out = []
        for f in self._choice.files:
            try:
                out.append(os.stat(f).st_mtime_ns)
            except OSError:
                out.append(None)
        return tuple(out)

    def stale(self) -> bool:
        """Whether the kubeconfig changed since this session read it (e.g. ``k8slab up`` again)."""
        return self._files_stamp() != self._stamp

    @property
    def context(self) -> str:
        """The kubeconfig context in use."""
        return self._choice.name

    @property
    def server(self) -> str | None:
        """The API server URL of the context."""
        return self._choice.server

    @property
    def is_lab(self) -> bool:
        """Whether the context is one of k8slab's lab clusters."""
        return self._choice.is_lab

    @property
    def namespace(self) -> str:
        """The effective default namespace: ``use(namespace=…)``, the context's, or ``default``."""
        return self._namespace or self._choice.namespace or "default"

    @namespace.setter
    def namespace(self, value: str | None) -> None:
        self._namespace = value or None

    @property
    def api_client(self):
        """The one ``kubernetes.client.ApiClient`` of this session (built on first use)."""
        if self._api is None:
            with self._lock:
                if self._api is None:
                    self._api = build_client(self._choice)
        return self._api

    def close(self) -> None:
        """Close the connection pool."""
        if self._api is not None:
            try:
                self._api.rest_client.pool_manager.clear()
            finally:
                self._api = None

    # -- discovery ----------------------------------------------------------------------

    def _get_discovery(self, path: str, accept: str) -> dict:
        return self.request("GET", path, accept=accept, timeout=(5.0, 30.0))

    def index(self, refresh: bool = False) -> _disc.ResourceIndex:
        """The discovery index (fetched once per session, or again with ``refresh``)."""
        if self._index is None or refresh:
            self._index = _disc.ResourceIndex(_disc.fetch_resources(self._get_discovery))
        return self._index

    def resources(self) -> list[_disc.ResourceInfo]:
        """Every served top-level resource, preferred versions first."""
        return list(self.index().resources)

    def resolve(self, type_str: str) -> _disc.ResourceInfo:
        """Resolve a kubectl type name (``po``, ``deploy``, ``deployments.apps``, ``Pod``…).

        Raises:
            k8slab.errors.NotFoundError: not served; the message suggests the closest names.
        """
        if not type_str or not type_str.strip():
            raise UsageError("A resource type is required, e.g. pods, deploy, svc.")
        hit = self.index().lookup(type_str)
        if hit is None:  # a CRD may have been created since the cache was filled
            hit = self.index(refresh=True).lookup(type_str)
        if hit is None:
            raise _disc.unknown_type_error(type_str, self.index())
        return hit

    def expand(self, types: str) -> list[_disc.ResourceInfo]:
        """Resolve ``pods,svc`` or a category such as ``all`` to resources, in the given order."""
        out: list[_disc.ResourceInfo] = []
        for t in (x.strip() for x in types.split(",")):
            if not t:
                continue
            hit = self.index().lookup(t)
            cat = self.index().category(t) if hit is None else []
            for r in cat or [self.resolve(t)]:
                if r not in out:
                    out.append(r)
        if not out:
            raise UsageError("A resource type is required, e.g. pods, deploy, svc.")
        return out

    def resolve_kind(self, api_version: str, kind: str) -> _disc.ResourceInfo:
        """The resource serving ``kind`` at ``api_version``, e.g. ``("apps/v1", "Deployment")``.

        Raises:
            k8slab.errors.NotFoundError: the kind or version is not served; names what is.
        """
        hit = self.index().by_kind(api_version, kind) or self.index(refresh=True).by_kind(api_version, kind)
        if hit is None:
            raise _disc.unknown_kind_error(api_version, kind, self.index())
        return hit

    def path(self, info: _disc.ResourceInfo, namespace: str | None = None, name: str | None = None,
             subresource: str | None = None) -> str:
        """REST path for a collection/object/subresource (see :func:`discovery.rest_path`)."""
        return _disc.rest_path(info, namespace, name, subresource)


_current: Session | None = None
_current_lock = threading.Lock()


def current() -> Session:
    """The notebook-wide session, created on first use from the lab kubeconfig."""
    global _current
    cur = _current
    if cur is not None and cur.stale():
        # The lab cluster was recreated: new port and certificates; keep the user's choices.
        with _current_lock:
            if _current is cur:
                _current = None
                cur.close()
                try:  # stay on the same context while it exists; never switch clusters silently
                    _current = Session(cur.context, cur._namespace, allow_non_lab=cur._allow_non_lab)
                except ClusterUnreachableError:
                    _current = Session(cur._requested_context, cur._namespace,
                                       allow_non_lab=cur._allow_non_lab)
    if _current is None:
        with _current_lock:
            if _current is None:
                _current = Session()
    return _current


def reset() -> None:
    """Drop the current session (its connections are closed)."""
    global _current
    with _current_lock:
        if _current is not None:
            _current.close()
        _current = None


def use(context: str | None = None, namespace: str | None = None, allow_non_lab: bool = False) -> Session:
    """Set the sticky context and/or namespace used by every later call.

    Args:
        context: a kubeconfig context; only lab contexts unless ``allow_non_lab``.
        namespace: the default namespace (``None`` keeps the current one).
        allow_non_lab: allow a context that is not a k8slab lab cluster.

    A new context starts from that context's own namespace unless
    ``namespace`` is given; the same context keeps its warm connection.

    Returns:
        The session now in use.

    Raises:
        ContextGuardError: ``context`` is not a lab cluster and ``allow_non_lab`` is not set.
        ClusterUnreachableError: No kubeconfig, or no such context in it.

    Example:
        >>> k8slab.use(namespace="lab-01")  # doctest: +SKIP
    """
    for arg, value in (("context", context), ("namespace", namespace)):
        if value is not None and not isinstance(value, str):
            raise UsageError(f"k8slab.use: {arg} must be a str or None, not {type(value).__name__} {value!r:.60}.")
    if not isinstance(allow_non_lab, bool):
        raise UsageError(f"k8slab.use: allow_non_lab must be True or False, not {allow_non_lab!r:.60}.")
    global _current
    with _current_lock:
        old = _current
        if old is None or (context is not None and context != old.context):
            new = Session(context, namespace, allow_non_lab=allow_non_lab)  # guard raises here
            if old is not None:
                old.close()
            _current = new
        elif namespace is not None:
            old.namespace = namespace
        return _current


__all__ = ["Session", "current", "use", "reset", "ContextGuardError"]
