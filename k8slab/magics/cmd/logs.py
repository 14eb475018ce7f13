"""``%k8s logs``: a thin parser over :func:`k8slab.logs`."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags, parse_duration, duration_flag


def build_parser() -> CmdParser:
    p = CmdParser("logs", description="A container's logs.",
                  epilog="Examples:\n  %k8s logs web-7d4b9c-x2x4z\n  %k8s logs pod/web-1 -c app --tail 20\n"
                         "  %k8s logs deploy/web --previous")
    p.add_argument("pod", metavar="POD|TYPE/NAME")
    add_namespace_flags(p, all_namespaces=False)
    p.add_argument("-c", "--container", help="container name")
    p.add_argument("--tail", type=int, help="only the last N lines")
    p.add_argument("-p", "--previous", action="store_true", help="the previous container instance")
    p.add_argument("--timestamps", action="store_true", help="prefix lines with timestamps")
    p.add_argument("--since", type=duration_flag(), help="only newer lines, e.g. 5m")
    return p


def run(args, cell, shell):
    from ...api.read.logs import logs

    since = int(parse_duration(args.since)) if args.since else None
    return logs(args.pod, container=args.container, namespace=args.namespace, tail=args.tail,
                previous=args.previous, timestamps=args.timestamps, since_seconds=since)
