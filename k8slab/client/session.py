"""The notebook-wide session: sticky context/namespace and one warm ``ApiClient``.

Every call goes through :class:`Session`, which reuses one urllib3 pool (so a
``get`` costs one HTTPS round trip, not a process spawn and TLS handshake) and
caches API discovery. See :mod:`k8slab.client` for the interface.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any, Iterator
from urllib.parse import urlencode

from ..errors import ClusterUnreachableError, ContextGuardError, K8sLabError, UsageError
from . import discovery as _disc
from .errors import from_status, translate
from .kubeconfig import ContextChoice, choose_context

DEFAULT_TIMEOUT = (5.0, 60.0)  # (connect, read) seconds
JSON = "application/json"
USER_AGENT = "k8slab/0.1"


def _build_client(choice: ContextChoice):
    import urllib3
    from kubernetes import client as kclient
    from kubernetes import config as kconfig

    cfg = type.__call__(kclient.Configuration)
    try:
        kconfig.load_kube_config(config_file=":".join(choice.files), context=choice.name,
                                 client_configuration=cfg, persist_config=False)
    except Exception as e:
        raise translate(e, server=choice.server, context=choice.name) from e
    # Fail fast on a dead server; retry a reused keep-alive connection the server closed.
    cfg.retries = urllib3.Retry(total=2, connect=1, read=1, status=0, redirect=0,
                                backoff_factor=0.05, raise_on_status=False)
    api = kclient.ApiClient(cfg)
    api.user_agent = USER_AGENT
    return api


class Session:
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
                    self._api = _build_client(self._choice)
        return self._api

    def close(self) -> None:
        """Close the connection pool."""
        if self._api is not None:
            try:
                self._api.rest_client.pool_manager.clear()
            finally:
                self._api = None

    # -- raw HTTP ---------------------------------------------------------------------------

    def _send(self, method: str, path: str, *, query=None, body=None, headers=None,
              content_type=None, accept=JSON, timeout=None, stream=False):
        api = self.api_client
        cfg = api.configuration
        url = cfg.host.rstrip("/") + path
        if query:
            items = [(k, ("true" if v is True else "false" if v is False else v))
                     for k, v in (query.items() if isinstance(query, dict) else query) if v is not None]
            if items:
                url += "?" + urlencode(items, doseq=True)
        hdrs = dict(api.default_headers)
        hdrs["Accept"] = accept
        if body is not None:
            if isinstance(body, (dict, list)):
                body = json.dumps(body, separators=(",", ":"))
                content_type = content_type or JSON
            elif isinstance(body, str):
                body = body.encode("utf-8")
            hdrs["Content-Type"] = content_type or JSON
        if headers:
            hdrs.update(headers)
        api.update_params_for_auth(hdrs, [], ["BearerToken"], path, method, body)
        if timeout is None:
            timeout = DEFAULT_TIMEOUT
        import urllib3

        t = (urllib3.Timeout(connect=timeout[0], read=timeout[1]) if isinstance(timeout, tuple)
             else urllib3.Timeout(connect=min(5.0, float(timeout)), read=float(timeout)))
        try:
            resp = api.rest_client.pool_manager.request(
                method.upper(), url, body=body, headers=hdrs, timeout=t, preload_content=False)
        except Exception as e:
            raise translate(e, server=self.server, context=self.context) from e
        if resp.status >= 400:
            try:
                data = resp.data
            except Exception:  # noqa: BLE001 - the status is what matters
                data = b""
            finally:
                resp.release_conn()
            raise from_status(resp.status, data, server=self.server)
        return resp

    def send(self, method: str, path: str, *, query=None, body=None, headers=None, content_type=None,
             accept: str = JSON, timeout=None):
        """Send a request and return the open urllib3 response (status < 400), unread.

        For streams the caller wants to cut short (watches): iterate
        ``resp.stream()``, then ``resp.release_conn()`` (or ``resp.shutdown()``
        to stop a blocked read from another thread). Errors are translated as
        in :meth:`request`.
        """
        return self._send(method, path, query=query, body=body, headers=headers, content_type=content_type,
                          accept=accept, timeout=timeout)

    def request(self, method: str, path: str, *, query: dict | None = None, body: Any = None,
                headers: dict | None = None, content_type: str | None = None,
                accept: str | None = None, timeout: float | tuple | None = None) -> dict:
        """Send one REST request and return the decoded JSON answer.

        Args:
            method: ``GET``, ``POST``, ``PUT``, ``PATCH`` or ``DELETE``.
            path: e.g. ``/api/v1/namespaces/default/pods``.
            query: query parameters (``None`` values are dropped, bools become ``true``/``false``).
            body: a dict/list (sent as JSON) or ``str``/``bytes`` sent as is.
            headers: extra headers.
            content_type: the body's type, e.g. ``application/apply-patch+yaml``.
            accept: the ``Accept`` header (default JSON), e.g. the Table form.
            timeout: seconds, or ``(connect, read)``.

        Raises:
            k8slab.errors.ApiError: the server answered an error (subclass by status).
            k8slab.errors.ClusterUnreachableError: no answer.
        """
        resp = self._send(method, path, query=query, body=body, headers=headers,
                          content_type=content_type, accept=accept or JSON, timeout=timeout)
        try:
            data = resp.data
        except Exception as e:
            raise translate(e, server=self.server, context=self.context) from e
        finally:
            resp.release_conn()
        if not data:
            return {}
        try:
            return json.loads(data)
        except ValueError as e:
            raise K8sLabError(f"The API server answered {path} with non-JSON data: {data[:200]!r}") from e

    def request_text(self, method: str, path: str, *, query: dict | None = None,
                     headers: dict | None = None, timeout: float | tuple | None = None) -> str:
        """Like :meth:`request` for a text answer (e.g. pod logs)."""
        resp = self._send(method, path, query=query, headers=headers, accept="*/*", timeout=timeout)
        try:
            return resp.data.decode("utf-8", "replace")
        except Exception as e:
            raise translate(e, server=self.server, context=self.context) from e
        finally:
            resp.release_conn()

    def stream_lines(self, path: str, *, query: dict | None = None, accept: str = JSON,
                     timeout: float | None = 60) -> Iterator[bytes]:
        """GET ``path`` and yield the answer line by line as it arrives (watch, ``logs -f``)."""
        resp = self._send("GET", path, query=query, accept=accept,
                          timeout=(5.0, timeout) if timeout else (5.0, None))
        import urllib3

        buf = b""
        try:
            for chunk in resp.stream(4096, decode_content=True):
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    yield line
            if buf:
                yield buf
        except urllib3.exceptions.ReadTimeoutError:
            return
        except Exception as e:
            raise translate(e, server=self.server, context=self.context) from e
        finally:
            resp.release_conn()

    def watch(self, path: str, *, query: dict | None = None, timeout: float = 60) -> Iterator[dict]:
        """Watch a collection: yield ``{"type", "object"}`` events for up to ``timeout`` seconds.

        ``path`` is a collection path; pass ``fieldSelector=metadata.name=X`` in
        ``query`` to watch one object. The server ends the watch after
        ``timeoutSeconds``; an ``ERROR`` event (e.g. 410 Expired) is raised.
        """
        q = dict(query or {})
        q["watch"] = "true"
        q.setdefault("timeoutSeconds", max(1, int(timeout)))
        q.setdefault("allowWatchBookmarks", "false")
        for line in self.stream_lines(path, query=q, timeout=timeout + 5):
            if not line.strip():
                continue
            event = json.loads(line)
            if event.get("type") == "ERROR":
                st = event.get("object") or {}
                raise from_status(int(st.get("code") or 500), st, server=self.server)
            yield event

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

    Example:
        >>> k8slab.use(namespace="lab-01")  # doctest: +SKIP
    """
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
