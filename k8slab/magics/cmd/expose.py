"""``%k8s expose``: a thin parser over :func:`k8slab.expose`."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags, add_dry_run_flag


def build_parser() -> CmdParser:
    p = CmdParser("expose", description="Create a Service that selects the pods of a Deployment, ReplicaSet,"
                  " Pod, Service or ReplicationController.",
                  epilog="Examples:\n  %k8s expose deploy/web --port 80\n"
                         "  %k8s expose deploy/web --port 80 --target-port 8080 --type NodePort --name web-np\n"
                         "  %k8s expose pod web --port 80 --dry-run=client -o yaml")
    p.add_argument("targets", nargs="+", metavar="TYPE/NAME", help="deploy/web, or TYPE NAME")
    add_namespace_flags(p, all_namespaces=False)
    p.add_argument("--port", type=int, help="the Service's port (default: the port the pods declare)")
    p.add_argument("--target-port", help="the pods' port, number or name (default: --port)")
    p.add_argument("--type", help="ClusterIP (default), NodePort, LoadBalancer or ExternalName")
    p.add_argument("--name", help="the Service's name (default: the object's)")
    p.add_argument("--protocol", default="TCP", choices=["TCP", "UDP", "SCTP"])
    p.add_argument("--selector", help="a=b,c=d instead of the object's selector")
    add_dry_run_flag(p)
    p.add_argument("-o", "--output", choices=["yaml", "json", "name"], help="print the Service")
    return p


def run(args, cell, shell):
    from ...api.write.create import expose

    return expose(*args.targets, port=args.port, target_port=args.target_port, type=args.type, name=args.name,
                  protocol=args.protocol, selector=args.selector, namespace=args.namespace,
                  dry_run=args.dry_run, output=args.output)
