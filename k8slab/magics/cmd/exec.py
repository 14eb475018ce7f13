"""``%k8s exec``: a thin parser over :func:`k8slab.exec`."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags, parse_duration, duration_flag


class ExecParser(CmdParser):
    """kubectl's shape: ``exec POD [flags] -- COMMAND [ARGS…]``; everything after ``--`` is the command."""

    usage_line = "%k8s exec POD|TYPE/NAME [-n NAMESPACE] [-c CONTAINER] [--timeout 60s] -- COMMAND [ARG…]"

    def parse_args(self, args=None, namespace=None):
        args = list(args or [])
        if "--" not in args:
            self.error("give the command after --, e.g. %k8s exec web-1 -- ls /")
        cut = args.index("--")
        ns = super().parse_args(args[:cut], namespace)
        ns.command = args[cut + 1:]
        if not ns.command:
            self.error("the command after -- is empty, e.g. %k8s exec web-1 -- ls /")
        return ns


def build_parser() -> CmdParser:
    p = ExecParser("exec", description="Run a command in a container (needs a cluster that runs "
                                       "containers, e.g. the local or kind engine; the kwok engine simulates pods).",
                   epilog="Examples:\n  %k8s exec web-1 -- ls /usr/share/nginx/html\n"
                          "  %k8s exec pod/two-containers -c sidecar -- cat /data/index.html\n"
                          "  %k8s exec deploy/web -- sh -c 'echo $HOSTNAME'\n"
                          "  out = %k8s exec web-1 -- env   # out.stdout, out.returncode")
    p.add_argument("pod", metavar="POD|TYPE/NAME")
    add_namespace_flags(p, all_namespaces=False)
    p.add_argument("-c", "--container", help="container name (default: the pod's first)")
    p.add_argument("--timeout", type=duration_flag(bare_seconds=True), default="60s", help="how long the command may run (default 60s)")
    for flag in ("-i", "--stdin", "-t", "--tty"):
        p.add_argument(flag, action="store_true", dest="interactive", help="not supported in a cell")
    return p


def run(args, cell, shell):
    from ...api.read.exec import exec as exec_
    from ...errors import UsageError

    if args.interactive:
        raise UsageError("%k8s exec: -i/-t (an interactive shell) needs a terminal; a notebook cell runs "
                         "one command: %k8s exec POD -- COMMAND. For a shell: kubectl exec -it POD -- sh")
    return exec_(args.pod, args.command, container=args.container, namespace=args.namespace,
                 timeout=parse_duration(args.timeout))
