"""``%k8s cluster-info``: a thin parser over :func:`k8slab.cluster_info`."""

from __future__ import annotations

from ..parser import CmdParser


def build_parser() -> CmdParser:
    return CmdParser("cluster-info", description="Where the control plane and the cluster's services answer.",
                     epilog="Example:\n  %k8s cluster-info")


def run(args, cell, shell):
    from ...api.read.version import cluster_info

    return cluster_info()
