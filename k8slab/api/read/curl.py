"""``curl``: one HTTP(S) request to the lab, as ``curl --resolve`` would send it, shown briefly.

A URL with a host name (``http://app1.example.com/``) is sent to the lab's ingress
controller (the addresses ``k8slab addons ingress`` records on IngressClass ``nginx``)
with that host in ``Host`` and in TLS's server name, so no DNS lookup and no packet
leave the machine. An IP literal (a node's address and a NodePort, 127.0.0.1) is used
as is. Any address that is not the lab's is refused.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import time
from urllib.parse import urlsplit

from k8slab.client import session as _session
from k8slab.client import web
from k8slab.errors import CheckFailedError, ClusterUnreachableError, NotFoundError, UsageError

INGRESS_CLASS_PATH = "/apis/networking.k8s.io/v1/ingressclasses/nginx"
ADDRESSES_ANNOTATION = "k8slab.dev/addresses"
PORTS_ANNOTATION = "k8slab.dev/ports"
HIDDEN_HEADERS = ("date",)
"""Left out of the printed answer (they change on every request); still in ``.headers``."""
BODY_SHOWN = 2000


@dataclasses.dataclass
class HttpAnswer(web.WebAnswer):
    """An HTTP answer: ``status``, ``headers``, ``body``/``text``, ``tls`` (for HTTPS), the ``url``
    asked for, the ``address`` it went to, and ``checked``: the ✓ line of its expectations."""

    url: str = ""
    address: str = ""
    checked: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or None."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self):
        import json

        return json.loads(self.text)

    def __str__(self) -> str:
        lines = [f"{self.version} {self.status} {self.reason}"]
        lines += [f"{k}: {v}" for k, v in self.headers if k.lower() not in HIDDEN_HEADERS]
        if self.tls:
            t = self.tls
            if t["verified"]:
                lines.insert(0, f"* TLS ({t['version']}): certificate verified, CN={t['subject_cn']}, "
                                f"SAN={','.join(t['san']) or '-'}")
            else:
                lines.insert(0, f"* TLS ({t['version']}): certificate not verified (-k)")
        text = self.text
        if len(text) > BODY_SHOWN:
            text = text[:BODY_SHOWN] + f"\n… ({len(self.body)} bytes in all; the whole body is in .text)"
        out = "\n".join(lines) + "\n\n" + text
        if self.checked:
            out = out.rstrip("\n") + "\n" + self.checked
        return out

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))


def _parse_resolve(resolve) -> dict[tuple[str, int], str]:
    items = [resolve] if isinstance(resolve, str) else list(resolve or ())
    out = {}
    for item in items:
        if not isinstance(item, str):
            raise UsageError(f"--resolve takes HOST:PORT:ADDRESS strings (got {item!r})")
        m = re.fullmatch(r"([^:\s]+):(\d+):\[?([0-9A-Fa-f:.]+)\]?", item.strip())
        if not m:
            raise UsageError(f"--resolve {item!r}: expected HOST:PORT:ADDRESS, e.g. app.example.com:443:127.0.0.1")
        out[(m[1].lower(), int(m[2]))] = m[3]
    return out


def _ip(text: str):
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _ingress(s) -> tuple[list[str], dict[int, int]]:
    """Where the lab's ingress controller answers (IngressClass ``nginx``'s notes): its addresses,
    and on kind the host ports 80/443 were mapped to when they were taken ({} otherwise)."""
    try:
        notes = (s.request("GET", INGRESS_CLASS_PATH).get("metadata") or {}).get("annotations") or {}
    except NotFoundError:
        return [], {}
    ports = {}
    for pair in notes.get(PORTS_ANNOTATION, "").split(","):
        a, _, b = pair.partition(":")
        if a.isdigit() and b.isdigit():
            ports[int(a)] = int(b)
    return [a for a in notes.get(ADDRESSES_ANNOTATION, "").split(",") if a], ports


def _node_addresses(s) -> list[str]:
    nodes = s.request("GET", "/api/v1/nodes").get("items") or []
    return [a["address"] for n in nodes for a in (n.get("status") or {}).get("addresses") or []
            if a.get("type") == "InternalIP"]


def ingress_available() -> bool:
    """Whether the lab's ingress addon is installed (IngressClass ``nginx`` says where it answers)."""
    return bool(_ingress(_session.current())[0])


def _target(url: str) -> tuple[str, str, int, str]:
    if not isinstance(url, str) or not url.strip():
        raise UsageError(f"curl: give a URL such as http://app1.example.com/ (got {url!r})")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"curl: {url!r} is not an http:// or https:// URL")
    if not parts.hostname:
        raise UsageError(f"curl: {url!r} names no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UsageError(f"curl: {url!r} has an invalid port") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname.lower(), port, target


def _check(answer: HttpAnswer, status, body, header) -> str:
    problems, ok = [], []
    if status is not None:
        (ok if answer.status == int(status) else problems).append(
            f"status: expected {status}, found {answer.status}")
    if body is not None:
        (ok if body in answer.text else problems).append(
            f"body: expected to contain {body!r}, found {answer.text[:120]!r}")
    for spec in ([header] if isinstance(header, str) else list(header or ())):
        name, _, want = spec.partition(":")
        have = answer.header(name.strip())
        good = have is not None and (not want.strip() or want.strip() in have)
        (ok if good else problems).append(
            f"header {name.strip()}: expected {want.strip() or 'present'}, found {have if have is not None else 'none'}")
    if problems:
        raise CheckFailedError(f"✗ {answer.url}: " + "; ".join(problems) + "\n" + str(answer) +
                               "\n  hint: look at the Ingress's rules and its backend Service "
                               "(%k8s describe ingress NAME), and the controller's log "
                               "(%k8s logs -n k8slab-ingress daemonset/traefik)")
    return f"✓ {answer.url}: " + ", ".join(c.split(":")[0] + " ok" for c in ok) if ok else ""


def curl(url: str, *, method: str | None = None, headers=None, data: str | bytes | None = None,
         resolve=None, insecure: bool = False, cacert: str | None = None, timeout: float = 10,
         expect_status: int | None = None, expect_body: str | None = None,
         expect_header=None, wait: float = 0, hint: str | None = None) -> HttpAnswer:
    """Send one request to the lab and return the answer (printed like ``curl -i``, without ``Date``).

    Args:
        url: ``http://HOST[:PORT]/PATH`` or ``https://...``. A host name goes to the lab's ingress
            controller (``k8slab addons ingress``), an IP literal to that address (the lab's only).
        method: GET, or POST when ``data`` is given.
        headers: extra headers, as a dict or ``["Name: value", ...]``.
        data: the request body.
        resolve: ``"HOST:PORT:ADDRESS"`` (or a list), as curl's ``--resolve``.
        insecure: do not verify the server's certificate (curl's ``-k``).
        cacert: verify it against this CA/certificate file instead of the system's.
        timeout: seconds to connect and to wait for the answer.
        expect_status, expect_body, expect_header: turn the request into a check: a mismatch
            raises :class:`~k8slab.errors.CheckFailedError` (a notebook cell fails) with what was
            expected and found. ``expect_header`` is ``"Name: part of the value"`` (or a list).
        wait: with expectations, seconds to keep asking (every 0.5 s) until they hold: a new
            Ingress takes the controller a moment to load.
        hint: one more hint line for a failed expectation (a lesson's task), as ``check --hint``.

    Example:
        >>> k8slab.curl("http://app1.example.com/hostname", expect_status=200)  # doctest: +SKIP
    """
    scheme, host, port, target = _target(url)
    if expect_status is not None and (isinstance(expect_status, bool) or not isinstance(expect_status, int)):
        raise UsageError(f"curl: expect_status must be an HTTP status number such as 200 (got {expect_status!r})")
    if hint is not None and not isinstance(hint, str):
        raise UsageError(f"curl: hint must be text (got {hint!r})")
    if expect_body is not None and not isinstance(expect_body, str):
        raise UsageError(f"curl: expect_body must be text (got {expect_body!r})")
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        raise UsageError(f"curl: timeout must be a positive number of seconds (got {timeout!r})")
    if cacert is not None and not isinstance(cacert, str):
        raise UsageError(f"curl: cacert must be a file path (got {cacert!r})")
    hdrs = _headers(headers)
    body = data.encode() if isinstance(data, str) else data
    if body is not None and not isinstance(body, bytes):
        raise UsageError(f"curl: data must be text or bytes (got {type(data).__name__})")
    method = (method or ("POST" if body is not None else "GET")).upper()
    if not re.fullmatch(r"[A-Z]+", method):
        raise UsageError(f"curl: {method!r} is not an HTTP method")
    pinned = _parse_resolve(resolve)
    s = _session.current()
    ingress, mapped = _ingress(s)
    address = pinned.get((host, port)) or (host if _ip(host) else None)
    connect_port = port
    if address is None and host == "localhost":
        address = "127.0.0.1"
    if address is None:
        if not ingress:
            from k8slab.api.read.runtime import runs_containers

            how = ("install one with: %k8s addons ingress" if runs_containers() else
                   "this cluster simulates its pods, so nothing can route: start one with real nodes "
                   "(k8slab up --engine local, or kind), then %k8s addons ingress")
            raise UsageError(f"curl: no ingress controller serves this lab, so {host} leads nowhere; {how} "
                             f"(or give --resolve {host}:{port}:ADDRESS)")
        address = ingress[0]
        connect_port = mapped.get(port, port)
    ip = _ip(address)
    if ip is None or not (ip.is_loopback or str(ip) in ingress or str(ip) in _node_addresses(s)):
        raise UsageError(f"curl: {address} is not an address of the lab (loopback, a node's address or the "
                         f"ingress controller's); k8slab sends nothing off this machine")
    if cacert is not None:
        import os

        if not os.path.isfile(cacert):
            raise UsageError(f"curl: --cacert {cacert}: no such file")
    if isinstance(wait, bool) or not isinstance(wait, (int, float)) or wait < 0:
        raise UsageError(f"curl: wait must be a number of seconds, 0 or more (got {wait!r})")
    checking = expect_status is not None or expect_body is not None or bool(expect_header)
    deadline = time.monotonic() + (wait if checking else 0)
    while True:
        try:
            got = web.request(method, scheme, host, port, target, str(ip), headers=hdrs, body=body,
                              timeout=float(timeout), cacert=cacert, insecure=insecure,
                              connect_port=connect_port)
        except ClusterUnreachableError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)
            continue
        answer = HttpAnswer(**dataclasses.asdict(got), url=url.strip(), address=f"{ip}:{connect_port}")
        if not checking:
            return answer
        try:
            answer.checked = _check(answer, expect_status, expect_body, expect_header)
            return answer
        except CheckFailedError as failed:
            if time.monotonic() >= deadline:
                if hint:
                    raise CheckFailedError(f"{failed}\n  hint: {hint}") from None
                raise
            time.sleep(0.5)


def _headers(headers) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, dict):
        items = list(headers.items())
    elif isinstance(headers, (list, tuple)):
        items = []
        for h in headers:
            if not isinstance(h, str) or ":" not in h:
                raise UsageError(f"curl: a header is 'Name: value' (got {h!r})")
            k, _, v = h.partition(":")
            items.append((k, v))
    else:
        raise UsageError(f"curl: headers must be a dict or a list of 'Name: value' (got {type(headers).__name__})")
    out = []
    for k, v in items:
        if not isinstance(k, str) or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", k.strip()) \
                or not isinstance(v, str) or any(c in v for c in "\r\n"):
            raise UsageError(f"curl: invalid header {k!r}: {v!r}")
        out.append((k.strip(), v.strip()))
    return out
