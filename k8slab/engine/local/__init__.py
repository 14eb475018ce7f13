"""The real-node engine: real kubelets, containerd and runc; see :mod:`.engine`."""

from .engine import (create, delete, egress_of, processes, record_egress, restart, set_egress, status,
                     stop_program, usable)

__all__ = ["create", "delete", "egress_of", "processes", "record_egress", "restart", "set_egress", "status",
           "stop_program", "usable"]
