"""``%k8s events``: a thin parser over :func:`k8slab.events`."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags


def build_parser() -> CmdParser:
    p = CmdParser("events", description="Events sorted by time, newest last.",
                  epilog="Examples:\n  %k8s events\n  %k8s events deploy/web\n  %k8s events -A --types Warning")
    p.add_argument("target", nargs="?", metavar="TYPE/NAME", help="only this object's events")
    add_namespace_flags(p)
    p.add_argument("--for", dest="for_", metavar="TYPE/NAME", help="same as the positional TYPE/NAME")
    p.add_argument("--types", help="comma-separated event types, e.g. Warning,Normal")
    return p


def run(args, cell, shell):
    from ...api.read.events import events

    return events(args.target or args.for_, namespace=args.namespace, all_namespaces=args.all_namespaces,
                  types=args.types)
