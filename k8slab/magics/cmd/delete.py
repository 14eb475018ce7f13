"""``%k8s delete`` / ``%%k8s delete``: a thin parser over :func:`k8slab.delete`."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags, duration_flag, add_dry_run_flag


def _bool(text: str) -> bool:
    from IPython.core.error import UsageError

    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise UsageError(f"--wait={text!r}: use true or false")


def build_parser() -> CmdParser:
    p = CmdParser("delete", description="Delete objects by TYPE/NAME, by label, or those declared in YAML"
                  " (-f, or the cell of %%k8s delete); waits until they are gone.",
                  epilog="Examples:\n  %k8s delete deploy/web svc/web\n  %k8s delete pod web-1 web-2\n"
                         "  %k8s delete pods -l app=web\n  %k8s delete -f manifests/04-deployments/\n"
                         "  %k8s delete deploy/web --wait=false\n  %%k8s delete      (the cell's YAML)")
    p.add_argument("targets", nargs="*", metavar="TYPE/NAME", help="deploy/web, or TYPE NAME…, or TYPE with -l/--all")
    add_namespace_flags(p, all_namespaces=False)
    p.add_argument("-f", "--filename", action="extend", nargs="+", default=[], metavar="PATH")
    p.add_argument("-l", "--selector", help="label selector")
    p.add_argument("--all", action="store_true", help="every object of TYPE in the namespace")
    p.add_argument("--wait", type=_bool, nargs="?", const=True, default=True, metavar="true|false",
                   help="wait until the objects are gone (default true)")
    p.add_argument("--timeout", type=duration_flag(), default="60s", help="how long --wait waits (default 60s)")
    p.add_argument("--ignore-not-found", action="store_true", help="a missing object is not an error")
    p.add_argument("--cascade", default="background", choices=["background", "foreground", "orphan"])
    p.add_argument("--grace-period", type=int, help="seconds pods get to stop")
    add_dry_run_flag(p)
    return p


READS_CELL = True  # %%k8s delete: the cell is YAML; every other verb refuses a cell body


def run(args, cell, shell):
    from ...api.write.delete import delete

    text = cell if cell is not None and cell.strip() else None
    return delete(*args.targets, namespace=args.namespace, selector=args.selector, all=args.all,
                  text=text, files=args.filename or None, wait=args.wait, timeout=args.timeout,
                  ignore_not_found=args.ignore_not_found, cascade=args.cascade,
                  grace_period=args.grace_period, dry_run=args.dry_run,
                  context_vars=shell.user_ns if shell is not None else None)
