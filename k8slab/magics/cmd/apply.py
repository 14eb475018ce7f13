"""``%%k8s apply`` / ``%k8s apply -f``: a thin parser over :func:`k8slab.apply`."""

from __future__ import annotations

from IPython.core.error import UsageError

from ..parser import CmdParser, add_dry_run_flag, duration_flag, parse_duration


def build_parser() -> CmdParser:
    p = CmdParser("apply", description="Create or update objects with server-side apply (field manager"
                  " k8slab), all or nothing: every object passes a server dry run first.\n"
                  "{{ name }} in the YAML is replaced by the notebook variable `name` (YAML-safe);"
                  " {var} and $var are left alone.",
                  epilog="Examples:\n  %%k8s apply\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: demo}\n\n"
                         "  %%k8s apply -n lab-01 --wait=60s\n  %%k8s apply --diff\n  %%k8s apply --dry-run=server\n"
                         "  %%k8s apply --prune -l app=web\n  %k8s apply -f manifests/04-deployments/\n"
                         "  res = _          # keep the result: res.objects, res.diff")
    p.add_argument("-f", "--filename", action="extend", nargs="+", default=[], metavar="PATH",
                   help="files or directories (*.yaml, *.yml, *.json, sorted)")
    p.add_argument("-n", "--namespace", help="namespace for objects that do not set one")
    add_dry_run_flag(p)
    p.add_argument("--diff", action="store_true", help="show what would change, apply nothing")
    p.add_argument("--wait", type=duration_flag(bare_seconds=True), nargs="?", const="120s", default=None, metavar="TIMEOUT",
                   help="wait until every object is ready (default 120s)")
    p.add_argument("--force-conflicts", action="store_true", help="take over fields other managers own")
    p.add_argument("--prune", action="store_true", help="delete objects with -l's labels no longer declared")
    p.add_argument("-l", "--selector", help="label selector for --prune")
    return p


def cell_or_files(verb: str, cell: str | None, files: list[str]) -> str | None:
    """The cell's YAML, or None when ``-f`` gives files; one of the two is required."""
    text = cell if cell is not None and cell.strip() else None
    if text is None and not files:
        raise UsageError(f"%k8s {verb} needs YAML: write it in the cell (%%k8s {verb}) or pass -f PATH.")
    if text is not None and files:
        raise UsageError(f"%%k8s {verb} takes YAML from the cell or from -f, not both.")
    return text


READS_CELL = True  # %%k8s apply: the cell is YAML; every other verb refuses a cell body


def run(args, cell, shell):
    from ...api.apply.server_side import apply

    text = cell_or_files("apply", cell, args.filename)
    if args.selector and not args.prune:
        raise UsageError("-l/--selector only makes sense with --prune for apply.")
    wait = parse_duration(args.wait) if args.wait else False
    return apply(text, files=args.filename or None, namespace=args.namespace,
                 dry_run=args.dry_run, diff=args.diff, wait=wait,
                 force_conflicts=args.force_conflicts, prune=args.prune, selector=args.selector,
                 context_vars=shell.user_ns if shell is not None else None)
