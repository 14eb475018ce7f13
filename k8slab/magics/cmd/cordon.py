"""``%k8s cordon``: a thin parser over :func:`k8slab.cordon` (``uncordon`` shares it)."""

from __future__ import annotations

from ..parser import CmdParser, add_dry_run_flag


def build_node_parser(verb: str, description: str, example: str) -> CmdParser:
    p = CmdParser(verb, description=description, epilog=f"Examples:\n  %k8s {verb} {example}\n"
                  f"  %k8s {verb} -l kubernetes.io/hostname=k8slab-worker2")
    p.add_argument("nodes", nargs="*", metavar="NODE", help="node names (or node/NAME)")
    p.add_argument("-l", "--selector", help="every node with these labels")
    add_dry_run_flag(p)
    return p


def build_parser() -> CmdParser:
    return build_node_parser("cordon", "Mark nodes unschedulable: new pods go elsewhere, running pods stay.",
                             "k8slab-worker")


def run(args, cell, shell):
    from ...api.write.nodes import cordon

    return cordon(*args.nodes, selector=args.selector, dry_run=args.dry_run)
