"""The real-node engine: real kubelets, containerd and runc; see :mod:`.engine`."""

from .engine import create, delete, processes, restart, status, stop_program, usable

__all__ = ["create", "delete", "processes", "restart", "status", "stop_program", "usable"]
