"""``%k8s use``: sticky context and namespace for the notebook."""

from __future__ import annotations

from ..parser import CmdParser


def build_parser() -> CmdParser:
    p = CmdParser("use", description="Set the context and/or namespace later commands use; "
                                     "without flags, show them.",
                  epilog="Examples:\n  %k8s use --namespace lab-01\n  %k8s use -n lab-01\n"
                         "  %k8s use --context kind-k8slab\n  %k8s use --context prod --allow-non-lab")
    p.add_argument("--context", help="a kubeconfig context (lab contexts only, unless --allow-non-lab)")
    p.add_argument("-n", "--namespace", help="the default namespace")
    p.add_argument("--allow-non-lab", action="store_true",
                   help="allow a context that is not a k8slab lab cluster")
    return p


def run(args, cell, shell):
    from ...api.context import use

    s = use(context=args.context, namespace=args.namespace, allow_non_lab=args.allow_non_lab)
    print(f"context {s.context}, namespace {s.namespace} (server {s.server})")
    return None
