"""Which engines this operating system can run.

The real-node engine (network and mount namespaces, cgroups, runc) and the simulated one
(host processes managed through Linux's process model, built and tested here on Linux only)
need Linux. On macOS and Windows the lab runs on kind, in Docker Desktop's Linux VM.
"""

from __future__ import annotations

import sys

from ..errors import EngineError

LINUX_ONLY = ("local", "kwok")


def name() -> str:
    """The OS as a learner calls it: ``Linux``, ``macOS``, ``Windows``."""
    if sys.platform.startswith("linux"):
        return "Linux"
    return {"darwin": "macOS", "win32": "Windows", "cygwin": "Windows"}.get(sys.platform, sys.platform)


def is_linux() -> bool:
    return sys.platform.startswith("linux")


def engines() -> tuple[str, ...]:
    """The engines that can work on this OS, in ``auto``'s order of preference."""
    return ("kind", "local", "kwok") if is_linux() else ("kind",)


def require(engine: str) -> None:
    """Refuse an engine this OS cannot run, saying what to use instead.

    Raises:
        EngineError: ``engine`` needs Linux and this is not Linux.
    """
    if engine in LINUX_ONLY and not is_linux():
        raise EngineError(f"the {engine} engine runs on Linux only; on {name()} the lab runs on "
                          f"kind: install Docker Desktop and kind, then k8slab up --engine kind")
