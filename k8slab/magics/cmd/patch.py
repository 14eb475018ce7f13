"""``%k8s patch`` / ``%%k8s patch``: a thin parser over :func:`k8slab.patch`."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags, add_selection_flags, add_dry_run_flag


def build_parser() -> CmdParser:
    p = CmdParser("patch", description="Change fields of objects with a strategic merge (default), JSON merge"
                  " or JSON patch, given with -p, --patch-file, or as the cell of %%k8s patch (JSON or YAML).",
                  epilog="Examples:\n  %k8s patch deploy/web -p '{\"spec\": {\"replicas\": 2}}'\n"
                         "  %k8s patch svc/web --type merge -p '{\"spec\": {\"type\": \"NodePort\"}}'\n"
                         "  %k8s patch deploy/web --type json -p '[{\"op\": \"replace\", \"path\":"
                         " \"/spec/replicas\", \"value\": 3}]'\n"
                         "  %%k8s patch deploy/web      (the cell's YAML is the patch)")
    p.add_argument("targets", nargs="*", metavar="TYPE/NAME", help="deploy/web, TYPE NAME…, or TYPE with -l/--all")
    add_namespace_flags(p, all_namespaces=False)
    p.add_argument("-p", "--patch", help="the patch, JSON or YAML")
    p.add_argument("--patch-file", metavar="PATH", help="read the patch from a file")
    p.add_argument("--type", default="strategic", choices=["strategic", "merge", "json"])
    add_selection_flags(p)
    p.add_argument("--subresource", help="e.g. status or scale")
    add_dry_run_flag(p)
    p.add_argument("-o", "--output", choices=["name", "yaml", "json"], help="print the patched object(s)")
    return p


READS_CELL = True  # %%k8s patch: the cell is YAML; every other verb refuses a cell body


def run(args, cell, shell):
    from IPython.core.error import UsageError

    from ...api.write.patch import patch

    body = args.patch
    if cell is not None and cell.strip():
        if body is not None or args.patch_file:
            raise UsageError("%%k8s patch: the cell is the patch; drop -p/--patch-file (or use the line magic).")
        body = cell
    return patch(*args.targets, patch=body, patch_file=args.patch_file, type=args.type,
                 namespace=args.namespace, selector=args.selector, all=args.all,
                 subresource=args.subresource, dry_run=args.dry_run, output=args.output)
