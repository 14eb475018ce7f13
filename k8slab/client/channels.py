"""The channel protocol of ``exec`` (and ``attach``): a WebSocket with stdin 0, stdout 1,
stderr 2 and the status 3.

The official client's ``WSClient`` does the framing, on a connection of its own,
so the session's REST pool (shared with widget and watch threads) is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from ..errors import ApiError, ClusterError
from .http import auth_headers


@dataclass
class ChannelOutput:
    stdout: str
    stderr: str
    status: str  # the JSON metav1.Status sent on channel 3 ("" when none came)


def run_channels(session, path: str, query: list[tuple[str, str]], timeout: float) -> ChannelOutput:
    """Open ``path`` (e.g. ``/api/v1/namespaces/NS/pods/P/exec``) as a channel WebSocket, wait
    until the server closes it or ``timeout`` passes, and return what came on each channel.

    Raises:
        k8slab.errors.ApiError: the upgrade was refused (the server's answer is in the text).
        k8slab.errors.ClusterError: the stream was still open after ``timeout`` seconds.
    """
    from kubernetes.stream.ws_client import WSClient

    cfg = session.api_client.configuration
    url = session.server.replace("https://", "wss://", 1).replace("http://", "ws://", 1) + \
        f"{path}?{urlencode(query)}"
    try:
        ws = WSClient(cfg, url, auth_headers(cfg), capture_all=False)
    except Exception as e:
        raise ApiError(str(e).splitlines()[0][:300], status=getattr(e, "status_code", None)) from None
    try:
        ws.run_forever(timeout=timeout)
        if ws.is_open():
            raise ClusterError(f"still running after {timeout:.0f}s")
        return ChannelOutput(ws.read_stdout() or "", ws.read_stderr() or "", ws.read_channel(3) or "")
    finally:
        ws.close()
