"""One HTTP(S) request to an address of the lab, as ``curl --resolve HOST:PORT:ADDRESS`` sends it.

The connection goes to ``address`` (which the caller has checked is the lab's), while the
``Host`` header and TLS server name are the URL's host, so an ingress controller routes it by
host name without any DNS lookup leaving the machine.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import socket
import ssl
import time

from ..errors import ClusterUnreachableError


@dataclasses.dataclass
class WebAnswer:
    """What came back: status, headers, body, and for HTTPS the certificate seen."""

    status: int
    reason: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    elapsed_ms: float
    tls: dict | None = None


def _tls(cert_dict: dict, der: bytes | None, verified: bool, sock: ssl.SSLSocket) -> dict:
    subject = dict(x[0] for x in cert_dict.get("subject", ())) if cert_dict else {}
    return {
        "verified": verified,
        "version": sock.version(),
        "subject_cn": subject.get("commonName"),
        "san": [v for k, v in cert_dict.get("subjectAltName", ()) if k == "DNS"] if cert_dict else [],
        "not_after": cert_dict.get("notAfter") if cert_dict else None,
        "sha256": hashlib.sha256(der).hexdigest() if der else None,
    }


def request(method: str, scheme: str, host: str, port: int, target: str, address: str, *,
            headers: list[tuple[str, str]], body: bytes | None, timeout: float,
            cacert: str | None = None, insecure: bool = False, connect_port: int | None = None) -> WebAnswer:
    """Send one request to ``address:connect_port`` (default ``port``) for ``scheme://host:port/target``;
    never follows redirects."""
    connect_port = connect_port or port
    started = time.perf_counter()
    tls = None
    try:
        sock = socket.create_connection((address, connect_port), timeout=timeout)
    except OSError as exc:
        raise ClusterUnreachableError(f"could not connect to {address}:{connect_port} ({exc.strerror or exc}); "
                                      "is something serving there? (the ingress addon: k8slab addons)") from None
    try:
        if scheme == "https":
            ctx = ssl.create_default_context(cafile=cacert) if cacert else ssl.create_default_context()
            if insecure:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            try:
                sock = ctx.wrap_socket(sock, server_hostname=host)
            except ssl.SSLCertVerificationError as exc:
                raise ClusterUnreachableError(
                    f"TLS: the certificate of {host} was not accepted: {exc.verify_message}; pass the "
                    f"certificate that should sign it with --cacert FILE, or -k to skip the check") from None
            except ssl.SSLError as exc:
                raise ClusterUnreachableError(f"TLS handshake with {address}:{port} failed: {exc}") from None
            tls = _tls(sock.getpeercert() or {}, sock.getpeercert(binary_form=True), not insecure, sock)
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.sock = sock
        names = {k.lower() for k, _ in headers}
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        if "host" not in names:
            conn.putheader("Host", host if port in (80, 443) else f"{host}:{port}")
        for key, value in headers:
            conn.putheader(key, value)
        if body is not None and "content-length" not in names:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(resp.version, "HTTP")
        return WebAnswer(resp.status, resp.reason, version, list(resp.getheaders()), data,
                         (time.perf_counter() - started) * 1000, tls)
    except (OSError, http.client.HTTPException) as exc:
        raise ClusterUnreachableError(f"the request to {address}:{port} failed: {exc}") from None
    finally:
        sock.close()
