"""``%k8s api-resources``: a thin parser over :func:`k8slab.api_resources`."""

from __future__ import annotations

from ..parser import CmdParser


def build_parser() -> CmdParser:
    p = CmdParser("api-resources", description="The resource types the server serves.",
                  epilog="Examples:\n  %k8s api-resources\n  %k8s api-resources --namespaced=false\n"
                         "  %k8s api-resources --api-group=apps -o wide")
    p.add_argument("--namespaced", choices=["true", "false"], help="only namespaced / cluster-scoped types")
    p.add_argument("--api-group", help="only this group ('' for core)")
    p.add_argument("--verbs", help="comma-separated verbs the types must support, e.g. list,watch")
    p.add_argument("-o", "--output", choices=["wide", "name"])
    return p


def run(args, cell, shell):
    from ...api.read.discovery import api_resources

    ns = None if args.namespaced is None else args.namespaced == "true"
    verbs = [v.strip() for v in args.verbs.split(",") if v.strip()] if args.verbs else None
    return api_resources(namespaced=ns, api_group=args.api_group, verbs=verbs, output=args.output)
