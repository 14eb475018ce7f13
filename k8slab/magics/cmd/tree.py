"""``%k8s tree``: a thin parser over :func:`k8slab.tree`."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags


def build_parser() -> CmdParser:
    p = CmdParser("tree", description="The ownership tree of an object (ownerReferences).",
                  epilog="Examples:\n  %k8s tree deploy/web\n  %k8s tree cronjob/backup -n lab-01")
    p.add_argument("target", metavar="TYPE/NAME")
    add_namespace_flags(p, all_namespaces=False)
    return p


def run(args, cell, shell):
    from ...api.read.tree import tree

    return tree(args.target, namespace=args.namespace)
