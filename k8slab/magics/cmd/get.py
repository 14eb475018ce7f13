"""``%k8s get``: a thin parser over :func:`k8slab.get`."""

from __future__ import annotations

from IPython.core.error import UsageError

from ..parser import CmdParser, add_namespace_flags, duration_flag


def build_parser() -> CmdParser:
    p = CmdParser("get", description="List objects as a table (a DataFrame) or print them.",
                  epilog="Examples:\n  %k8s get pods\n  pods = %k8s get po -A -o wide\n"
                         "  %k8s get deploy/web -o yaml\n  %k8s get pods -l app=web --show-labels\n"
                         "  %k8s get pods -o jsonpath='{.items[*].metadata.name}'\n"
                         "  %k8s get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName\n"
                         "  %k8s get pods --sort-by=.metadata.creationTimestamp\n  %k8s get all\n  %k8s get deploy,svc -o name")
    p.add_argument("type", nargs="?", metavar="TYPE[/NAME]", help="pods, po, deploy, svc, deployments.apps, …")
    p.add_argument("names", nargs="*", default=[], metavar="NAME")
    add_namespace_flags(p)
    p.add_argument("-l", "--selector", help="label selector, e.g. app=web,tier!=db")
    p.add_argument("--field-selector", help="field selector, e.g. status.phase=Running")
    p.add_argument("-o", "--output", help="wide|yaml|json|name|jsonpath=TEMPLATE|custom-columns=SPEC")
    p.add_argument("--show-labels", action="store_true", help="add a LABELS column")
    p.add_argument("-L", "--label-columns", action="append", default=[], metavar="KEY[,KEY]",
                   help="show these labels' values as columns")
    p.add_argument("--sort-by", help="JSONPath to sort by, e.g. .metadata.name")
    p.add_argument("--show-secrets", action="store_true", help="do not mask Secret values")
    p.add_argument("--show-managed-fields", action="store_true", help="keep metadata.managedFields")
    p.add_argument("--ignore-not-found", action="store_true", help="missing names are not an error")
    p.add_argument("--raw", metavar="PATH", help="GET this API path and print the answer, e.g. /readyz?verbose")
    p.add_argument("-w", "--watch", action="store_true", help="a live table that updates in place")
    p.add_argument("--timeout", type=duration_flag(bare_seconds=True), help="--watch: how long to watch (default 30s)")
    return p


def run(args, cell, shell):
    if args.raw:
        if args.type or args.names:
            raise UsageError("--raw takes an API path only, e.g. %k8s get --raw /apis/apps/v1")
        from ...api.read.raw import get_raw

        return get_raw(args.raw, show_secrets=args.show_secrets)
    if not args.type:
        raise UsageError("%k8s get: a resource type is required, e.g. %k8s get pods (see %k8s api-resources)")
    if args.watch:  # k8slab.widgets hook: a live WatchTable for --timeout (default 30s)
        from ...api.read.get import split_type_names
        from ...widgets import WatchTable
        from ..parser import parse_duration

        type_, names = split_type_names(args.type, tuple(args.names))
        return WatchTable(type_, *names, timeout=parse_duration(args.timeout) if args.timeout else None,
                          namespace=args.namespace, all_namespaces=args.all_namespaces,
                          label_selector=args.selector, field_selector=args.field_selector)
    from ...api.read.get import get

    return get(args.type, *args.names, namespace=args.namespace, all_namespaces=args.all_namespaces,
               selector=args.selector, field_selector=args.field_selector, output=args.output,
               show_labels=args.show_labels, sort_by=args.sort_by, show_secrets=args.show_secrets,
               show_managed_fields=args.show_managed_fields,
               label_columns=[k for v in args.label_columns for k in v.split(",") if k],
               ignore_not_found=args.ignore_not_found)
