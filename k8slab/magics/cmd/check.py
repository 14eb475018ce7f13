"""``%k8s check``: a thin parser over :func:`k8slab.check` (✓ or ✗, for exercises)."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags, duration_flag


def build_parser() -> CmdParser:
    # CmdParser intermixes: conditions may come after flags (check pods -l app=web count=3)
    p = CmdParser("check", description="Assert conditions on one object, waiting up to --timeout:"
                  " prints ✓ when they hold, else ✗ with what was expected and found, and fails the cell.\n"
                  "Keys: replicas ready available updated phase type image restarts node port nodePort"
                  " clusterIP succeeded labels.K annotations.K data.K condition.T, or any field path;"
                  " bare: ready exists absent. Operators: = != >= <= > <.",
                  epilog="Examples:\n  %k8s check deploy/web replicas=3 ready=3 --timeout 30s\n"
                         "  %k8s check pod/nginx phase=Running\n  %k8s check svc/web type=NodePort\n"
                         "  %k8s check deploy/web image=nginx:1.27 labels.app=web\n"
                         "  %k8s check pod/web restarts<3\n  %k8s check job/pi condition.Complete=True\n"
                         "  %k8s check pod/old absent\n"
                         "  %k8s check deploy/web replicas=5 --hint 'task 1: scale web to 5'\n"
                         "  %k8s check pods -l app=web count=3 phase=Running")
    p.add_argument("target", metavar="TYPE/NAME", help="one object, or a TYPE with -l")
    p.add_argument("conditions", nargs="*", metavar="COND", help="KEY=VALUE, KEY>=N, ready, exists, absent")
    add_namespace_flags(p, all_namespaces=False)
    p.add_argument("-l", "--selector", help="check every object of TYPE with these labels (and count=N)")
    p.add_argument("--hint", help="one more hint line shown when the check fails (a lesson's task)")
    p.add_argument("--timeout", type=duration_flag(bare_seconds=True), default="10s", help="how long to wait for the conditions (default 10s; 0: once)")
    return p


def run(args, cell, shell):
    from ...api.watch.check import check

    return check(args.target, *args.conditions, namespace=args.namespace, timeout=args.timeout,
                 selector=args.selector, hint=args.hint)
