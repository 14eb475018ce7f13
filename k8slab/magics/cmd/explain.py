"""``%k8s explain``: a thin parser over :func:`k8slab.explain`."""

from __future__ import annotations

from ..parser import CmdParser


def build_parser() -> CmdParser:
    p = CmdParser("explain", description="Documentation of a type or field from the server's OpenAPI.",
                  epilog="Examples:\n  %k8s explain pods\n  %k8s explain deployment.spec.strategy\n"
                         "  %k8s explain svc.spec --recursive")
    p.add_argument("target", metavar="TYPE[.FIELD.PATH]")
    p.add_argument("--recursive", action="store_true", help="list nested fields as a tree")
    return p


def run(args, cell, shell):
    from ...api.read.explain import explain

    return explain(args.target, recursive=args.recursive)
