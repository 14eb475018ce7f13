"""Raw REST over the session's warm ``ApiClient``: JSON requests, text, streams and watches.

Requests go straight to the client's urllib3 pool (one HTTPS round trip per
call); errors come back as :mod:`k8slab.errors` through :func:`errors.translate`.
"""

from __future__ import annotations

import json
from typing import Any, Iterator
from urllib.parse import urlencode

from ..errors import K8sLabError
from .errors import from_status, translate
from .kubeconfig import ContextChoice

DEFAULT_TIMEOUT = (5.0, 60.0)  # (connect, read) seconds
JSON = "application/json"
USER_AGENT = "k8slab/0.1"
POOL_SIZE = 16  # kept-alive connections; at least the threads that share the client


def build_client(choice: ContextChoice):
    """A ``kubernetes.client.ApiClient`` for ``choice``, with fast-failing retries."""
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
    # cpu_count * 5 by default: on one core fewer than apply's worker threads (connections dropped)
    cfg.connection_pool_maxsize = max(cfg.connection_pool_maxsize or 0, POOL_SIZE)
    api = kclient.ApiClient(cfg)
    api.user_agent = USER_AGENT
    return api


def auth_headers(cfg) -> dict[str, str]:
    """The credential headers of a ``Configuration`` (a bearer token; client certificates live in
    the pool), from its public ``auth_settings()``, which every client version since 12 has.

    ``ApiClient.update_params_for_auth`` changed its signature in 37.x (3 arguments before,
    6 after), so calling it ties the kit to one client line; ``auth_settings()`` also runs the
    kubeconfig's token refresh hook (exec plugins), as the generated API classes do.
    """
    out = {}
    for setting in (cfg.auth_settings() or {}).values():
        if setting.get("in") == "header" and setting.get("value"):
            out[setting["key"]] = setting["value"]
    return out


def iter_lines(resp, chunk_size: int) -> Iterator[bytes]:
    """The lines of a streamed urllib3 response as they arrive (newline cut), then any rest."""
    buf = b""
    for chunk in resp.stream(chunk_size, decode_content=True):
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line
    if buf:
        yield buf


class HttpMixin:
    """REST calls for a class providing ``api_client``, ``server`` and ``context``."""

    def _send(self, method: str, path: str, *, query=None, body=None, headers=None,
              content_type=None, accept=JSON, timeout=None):
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
        hdrs.update(auth_headers(api.configuration))
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

        try:
            yield from iter_lines(resp, 4096)
        except urllib3.exceptions.ReadTimeoutError:
            return
        except Exception as e:
            raise translate(e, server=self.server, context=self.context) from e
        finally:
            resp.release_conn()
