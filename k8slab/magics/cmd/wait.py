"""``%k8s wait``: a thin parser over :func:`k8slab.wait`."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags, duration_flag


def build_parser() -> CmdParser:
    p = CmdParser("wait", description="Wait (with a watch) until objects meet a condition.",
                  epilog="Examples:\n  %k8s wait deploy/web --for=condition=Available --timeout=60s\n"
                         "  %k8s wait pods -l app=web --for=condition=Ready\n"
                         "  %k8s wait pod/web-1 --for=delete\n"
                         "  %k8s wait pod/job-x --for=jsonpath='{.status.phase}'=Succeeded")
    p.add_argument("targets", nargs="+", metavar="TYPE/NAME")
    p.add_argument("--for", dest="for_", required=True,
                   help="condition=NAME[=VALUE] | delete | create | jsonpath=EXPR[=VALUE]")
    add_namespace_flags(p, all_namespaces=False)
    p.add_argument("-l", "--selector", help="label selector (with a bare TYPE)")
    p.add_argument("--all", action="store_true", help="every object of TYPE in the namespace")
    p.add_argument("--timeout", type=duration_flag(), default="30s", help="for all objects together (default 30s)")
    return p


def run(args, cell, shell):
    from ...api.watch.wait import wait

    return wait(*args.targets, for_=args.for_, namespace=args.namespace, selector=args.selector,
                all=args.all, timeout=args.timeout)
