"""``%k8s describe``: a thin parser over :func:`k8slab.describe`."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags


def build_parser() -> CmdParser:
    p = CmdParser("describe", description="A compact summary: status, conditions, containers, recent events.",
                  epilog="Examples:\n  %k8s describe pod/web-7d4b9c-x2x4z\n  %k8s describe deploy web\n"
                         "  %k8s describe pods -l app=web")
    p.add_argument("type", metavar="TYPE[/NAME]")
    p.add_argument("names", nargs="*", default=[], metavar="NAME")
    add_namespace_flags(p, all_namespaces=False)
    p.add_argument("-l", "--selector", help="label selector (when no NAME is given)")
    p.add_argument("--show-events", default="true", choices=["true", "false"], help="include events (default true)")
    p.add_argument("--show-secrets", action="store_true", help="show Secret values instead of their sizes")
    return p


def run(args, cell, shell):
    from ...api.read.describe import describe

    return describe(args.type, *args.names, namespace=args.namespace, selector=args.selector,
                    show_events=args.show_events == "true", show_secrets=args.show_secrets)
