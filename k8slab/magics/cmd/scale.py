"""``%k8s scale``: a thin parser over :func:`k8slab.scale`."""

from __future__ import annotations

from IPython.core.error import UsageError

from ..parser import CmdParser, add_dry_run_flag, add_namespace_flags, parse_duration, duration_flag


def build_parser() -> CmdParser:
    p = CmdParser("scale", description="Set the number of replicas (the scale subresource).",
                  epilog="Examples:\n  %k8s scale deploy/web --replicas 3\n"
                         "  %k8s scale deploy/web --replicas 0 --current-replicas 3\n"
                         "  %k8s scale statefulset db --replicas 2 --wait")
    p.add_argument("targets", nargs="+", metavar="TYPE/NAME")
    p.add_argument("--replicas", type=int, help="the new number of replicas (required unless --widget)")
    p.add_argument("--current-replicas", type=int, help="only if it has exactly this many now")
    add_namespace_flags(p, all_namespaces=False)
    p.add_argument("--wait", type=duration_flag(bare_seconds=True), nargs="?", const="120s", default=None, metavar="TIMEOUT",
                   help="wait until the scaled objects are ready")
    add_dry_run_flag(p)
    p.add_argument("--widget", action="store_true",
                   help="show a live slider and pod chips instead (k8slab.widgets.ScaleWidget)")
    return p


def run(args, cell, shell):
    if args.widget:  # k8slab.widgets hook: a live ScaleWidget (--replicas, if given, is applied by it)
        from ...widgets import ScaleWidget

        if len(args.targets) != 1:
            raise UsageError("--widget shows one object: give one TYPE/NAME.")
        w = ScaleWidget(args.targets[0], args.namespace)
        if args.replicas is not None:
            w.model.scale_to(args.replicas)
        return w
    if args.replicas is None:
        raise UsageError("%k8s scale: --replicas N is required (or --widget for a live slider).")
    from ...api.write.scale import scale

    return scale(*args.targets, replicas=args.replicas, current_replicas=args.current_replicas,
                 namespace=args.namespace, wait=parse_duration(args.wait) if args.wait else False,
                 dry_run=args.dry_run)
