"""Host ports for the kind control plane's ingress ports (80 and 443 inside the node).

kind fails the whole ``create`` when a mapped host port is taken (a web server, another
cluster). Before creating, each wanted port is checked on 127.0.0.1 and, when taken, the
first free alternative is mapped instead, and the choice is printed.
"""

from __future__ import annotations

import errno
import socket
from typing import Callable, Iterable

WANTED = {80: (80, *range(8080, 8090)), 443: (443, *range(8443, 8453))}
"""Container port -> host ports to try, in order (the listen address is 127.0.0.1)."""

HOST = "127.0.0.1"


def port_free(port: int, host: str = HOST) -> bool:
    """Whether ``host:port`` can be bound for listening (Docker's proxy will bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
            return True
        except OSError as exc:
            if exc.errno != errno.EACCES:
                return False
    # a port below 1024 without privileges: Docker binds it as root, so ask whether anyone listens
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) != 0


def choose(wanted: dict[int, Iterable[int]] | None = None, echo: Callable[[str], None] = print,
           is_free: Callable[[int], bool] | None = None) -> dict[int, int]:
    """Container port -> a free host port, the first free candidate of each; says when it is not the first.

    Raises:
        EngineError: no candidate is free for some container port.
    """
    from ..errors import EngineError

    is_free = is_free or port_free
    chosen: dict[int, int] = {}
    for container, candidates in (wanted or WANTED).items():
        candidates = list(candidates)
        free = next((p for p in candidates if p not in chosen.values() and is_free(p)), None)
        if free is None:
            raise EngineError(f"host ports {', '.join(map(str, candidates))} on {HOST} are all taken, "
                              f"so the cluster's ingress port {container} cannot be mapped; free one "
                              f"(ss -ltnp 'sport = :{candidates[0]}'), then k8slab up --engine kind")
        if free != candidates[0]:
            echo(f"host port {candidates[0]} is taken: the ingress port {container} is mapped to "
                 f"{HOST}:{free} instead")
        chosen[container] = free
    return chosen
