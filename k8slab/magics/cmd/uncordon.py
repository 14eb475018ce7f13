"""``%k8s uncordon``: a thin parser over :func:`k8slab.uncordon`."""

from __future__ import annotations

from ..parser import CmdParser
from .cordon import build_node_parser


def build_parser() -> CmdParser:
    return build_node_parser("uncordon", "Mark nodes schedulable again.", "k8slab-worker")


def run(args, cell, shell):
    from ...api.write.nodes import uncordon

    return uncordon(*args.nodes, selector=args.selector, dry_run=args.dry_run)
