"""``%%k8s diff`` / ``%k8s diff -f``: what an apply would change, like ``kubectl diff`` (``apply --diff``)."""

from __future__ import annotations

from ..parser import CmdParser
from .apply import cell_or_files


def build_parser() -> CmdParser:
    p = CmdParser("diff", description="Show what applying the cell's YAML (or -f files) would change in the"
                  " cluster; nothing is applied. The same as %%k8s apply --diff.",
                  epilog="Examples:\n  %%k8s diff\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: demo}\n"
                         "  data: {greeting: hi}\n\n  %k8s diff -f manifests/04-deployments/")
    p.add_argument("-f", "--filename", action="extend", nargs="+", default=[], metavar="PATH",
                   help="files or directories (*.yaml, *.yml, *.json, sorted)")
    p.add_argument("-n", "--namespace", help="namespace for objects that do not set one")
    p.add_argument("--force-conflicts", action="store_true", help="as apply would with it")
    return p


READS_CELL = True  # %%k8s diff: the cell is YAML; every other verb refuses a cell body


def run(args, cell, shell):
    from ...api.apply.server_side import apply

    text = cell_or_files("diff", cell, args.filename)
    return apply(text, files=args.filename or None, namespace=args.namespace, diff=True,
                 force_conflicts=args.force_conflicts,
                 context_vars=shell.user_ns if shell is not None else None)
