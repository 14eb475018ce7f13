"""``%k8s version``: a thin parser over :func:`k8slab.version`."""

from __future__ import annotations

from ..parser import CmdParser


def build_parser() -> CmdParser:
    p = CmdParser("version", description="The kit's and the API server's versions.",
                  epilog="Examples:\n  %k8s version\n  %k8s version -o yaml\n  %k8s version --client")
    p.add_argument("-o", "--output", choices=["yaml", "json"], help="every field")
    p.add_argument("--client", action="store_true", help="only the client side (no request)")
    return p


def run(args, cell, shell):
    from ...api.read.version import version

    return version(output=args.output, client=args.client)
