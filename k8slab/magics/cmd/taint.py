"""``%k8s taint``: a thin parser over :func:`k8slab.taint`."""

from __future__ import annotations

from ..parser import CmdParser, add_dry_run_flag


def build_parser() -> CmdParser:
    p = CmdParser("taint", description="Add or remove node taints: only pods that tolerate a taint are scheduled"
                  " (NoSchedule) or keep running (NoExecute) on its node.",
                  epilog="Examples:\n  %k8s taint nodes k8slab-worker dedicated=lab:NoSchedule\n"
                         "  %k8s taint nodes k8slab-worker dedicated=demo:NoSchedule --overwrite\n"
                         "  %k8s taint nodes k8slab-worker dedicated:NoSchedule-      (remove it)\n"
                         "  %k8s taint nodes k8slab-worker dedicated-                 (every effect)")
    p.add_argument("words", nargs="*", metavar="nodes NODE… TAINT…",
                   help="the nodes, then KEY=VALUE:EFFECT to add, KEY:EFFECT- or KEY- to remove")
    p.add_argument("--overwrite", action="store_true", help="replace a taint with the same key and effect")
    p.add_argument("-l", "--selector", help="every node with these labels")
    p.add_argument("--all", action="store_true", help="every node")
    add_dry_run_flag(p)
    return p


def run(args, cell, shell):
    from ...api.write.nodes import taint

    return taint(*args.words, overwrite=args.overwrite, selector=args.selector, all=args.all, dry_run=args.dry_run)
