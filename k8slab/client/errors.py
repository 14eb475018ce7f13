"""Turn ``kubernetes``/urllib3/kubeconfig exceptions into :mod:`k8slab.errors`.

The API server answers errors with a ``Status`` object (``reason``,
``message``, ``details.causes[].field``); the message of the translated error
starts like kubectl's (``Error from server (NotFound): pods "x" not found``)
and ends with the next step when there is an obvious one.
"""

from __future__ import annotations

import json

from .. import errors as E

_UP_HINT = "Is the lab cluster running? Start it with: k8slab up"


def parse_status(body) -> dict:
    """The API ``Status`` dict from an error body (``{}`` if it is not one)."""
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", "replace")
    if isinstance(body, dict):
        return body
    if not body:
        return {}
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return {"message": str(body).strip()}
    return data if isinstance(data, dict) else {}


def _causes_lines(causes: list[dict]) -> list[str]:
    lines = []
    for cause in causes:
        field = cause.get("field") or ""
        msg = cause.get("message") or cause.get("reason") or ""
        lines.append(f"  {field}: {msg}" if field else f"  {msg}")
    return lines


def from_status(status: int, body, *, server: str | None = None) -> E.K8sLabError:
    """Build the k8slab error for an HTTP error ``status`` with a ``Status`` ``body``."""
    st = parse_status(body)
    reason = st.get("reason") or _DEFAULT_REASON.get(status, "Unknown")
    message = st.get("message") or f"HTTP {status}"
    details = st.get("details") or {}
    causes = [c for c in (details.get("causes") or []) if isinstance(c, dict)]
    text = f"Error from server ({reason}): {message}"
    cls = _CLASS_BY_STATUS.get(status, E.ApiError)
    if status == 409 and reason == "AlreadyExists":
        cls = E.AlreadyExistsError
    if status >= 500:
        cls = E.ServerError
    hint = None
    if status == 404 and details.get("kind") == "namespaces" and details.get("name"):
        hint = (f"Namespace {details['name']!r} does not exist: create it first "
                f"(apply a Namespace manifest, or kubectl create namespace {details['name']}).")
    elif status == 401:
        hint = "The cluster rejected the credentials of the kubeconfig; recreate it with: k8slab up"
    elif status == 403:
        hint = "The kubeconfig's user is not allowed to do this (RBAC)."
    lines = [text]
    if causes:
        if status == 422 and " is invalid" in message:
            # The message repeats every cause inline; show them one per line instead.
            lines = [f"Error from server ({reason}): {message.split(' is invalid')[0]} is invalid:"]
        lines += _causes_lines(causes)
    if hint:
        lines.append(hint)
    if server and status >= 500:
        lines.append(f"(server {server})")
    return cls("\n".join(lines), status=status, reason=reason, causes=causes)


_DEFAULT_REASON = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                   405: "MethodNotAllowed", 409: "Conflict", 410: "Expired", 415: "UnsupportedMediaType",
                   422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
                   504: "Timeout"}

_CLASS_BY_STATUS = {400: E.BadRequestError, 401: E.UnauthorizedError, 403: E.ForbiddenError,
                    404: E.NotFoundError, 409: E.ConflictError, 410: E.ExpiredError,
                    422: E.InvalidError}


def unreachable(server: str | None, context: str | None, detail: str) -> E.ClusterUnreachableError:
    """The error for an API server that cannot be reached."""
    where = f"the API server {server}" if server else "the API server"
    if context:
        where += f" (context {context})"
    return E.ClusterUnreachableError(f"Cannot reach {where}: {detail}.\n{_UP_HINT}")


def translate(exc: BaseException, *, server: str | None = None, context: str | None = None) -> E.K8sLabError:
    """Map an exception raised by ``kubernetes``/urllib3 to a :class:`K8sLabError`.

    Args:
        exc: the caught exception.
        server: the API server URL, named in connection errors.
        context: the kubeconfig context, named in connection errors.

    Returns:
        The k8slab error to raise (``raise translate(e) from e``).
    """
    if isinstance(exc, E.K8sLabError):
        return exc
    import urllib3.exceptions as ux

    try:
        from kubernetes.client.exceptions import ApiException
        from kubernetes.config.config_exception import ConfigException
    except ImportError:  # pragma: no cover - kubernetes is a dependency
        ApiException = ConfigException = ()  # type: ignore[assignment]

    if ApiException and isinstance(exc, ApiException):
        if not exc.status:
            return unreachable(server, context, str(exc.reason or exc).strip())
        return from_status(int(exc.status), exc.body, server=server)
    if ConfigException and isinstance(exc, ConfigException):
        return E.ClusterUnreachableError(f"The kubeconfig is not usable: {exc}.\n{_UP_HINT}")
    if isinstance(exc, ux.MaxRetryError) and exc.reason is not None:
        return translate(exc.reason, server=server, context=context)
    if isinstance(exc, (ux.ReadTimeoutError, TimeoutError)):
        return E.ApiTimeoutError(f"The API server {server or ''} did not answer in time "
                                 f"({exc.__class__.__name__}). Retry, or pass a longer timeout.")
    if isinstance(exc, ux.SSLError):
        return unreachable(server, context, f"TLS error ({exc}); the kubeconfig may belong to an "
                                            "older cluster")
    if isinstance(exc, (ux.NewConnectionError, ux.ConnectTimeoutError, ux.ProtocolError,
                        ux.HTTPError, ConnectionError, OSError)):
        detail = str(exc)
        if "Connection refused" in detail or isinstance(exc, ConnectionRefusedError):
            detail = "connection refused"
        return unreachable(server, context, detail)
    return E.ClusterError(f"Unexpected error talking to the API server: {exc.__class__.__name__}: {exc}")
