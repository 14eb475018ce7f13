"""``%k8s run``: a thin parser over :func:`k8slab.run`."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags, add_dry_run_flag


class RunParser(CmdParser):
    """``run NAME --image IMAGE [flags] [-- ARGS…]``: what follows ``--`` is the container's args."""

    def parse_args(self, args=None, namespace=None):
        args = list(args or [])
        rest: list[str] = []
        if "--" in args:
            cut = args.index("--")
            args, rest = args[:cut], args[cut + 1:]
        ns = super().parse_args(args, namespace)
        ns.args = rest or None
        return ns


def build_parser() -> CmdParser:
    p = RunParser("run", description="Start one pod (for a Deployment: %k8s create deployment; for anything"
                  " more, write YAML and %%k8s apply).",
                  epilog="Examples:\n  %k8s run web --image nginx:1.27 --port 80\n"
                         "  %k8s run once --image busybox:1.36 --restart Never -- date\n"
                         "  %k8s run sh --image busybox:1.36 --command -- sh -c 'sleep 3600'\n"
                         "  %k8s run web --image nginx:1.27 --dry-run=client -o yaml")
    p.add_argument("name", metavar="NAME")
    add_namespace_flags(p, all_namespaces=False)
    p.add_argument("--image", help="the container image (required)")
    p.add_argument("--port", type=int, help="a container port to declare")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--labels", metavar="a=b,c=d", help="labels instead of run=NAME")
    p.add_argument("--restart", default="Always", help="Always (default), OnFailure or Never")
    p.add_argument("--command", action="store_true", help="what follows -- is the command, not args")
    add_dry_run_flag(p)
    p.add_argument("-o", "--output", choices=["yaml", "json", "name"], help="print the pod")
    return p


def run(args, cell, shell):
    from ...api.write.create import run as run_pod

    return run_pod(args.name, image=args.image, args=args.args, command=args.command, env=args.env,
                   port=args.port, labels=args.labels, restart=args.restart, namespace=args.namespace,
                   dry_run=args.dry_run, output=args.output)
