"""``%k8s rollout``: a thin parser over :func:`k8slab.rollout`."""

from __future__ import annotations

from ..parser import CmdParser, add_dry_run_flag, add_namespace_flags, duration_flag


def build_parser() -> CmdParser:
    p = CmdParser("rollout", description="Manage a rollout: status, history, undo, restart, pause, resume"
                  " (Deployments; StatefulSets and DaemonSets for status/history/undo/restart).",
                  epilog="Examples:\n  %k8s rollout status deploy/web --timeout 60s\n"
                         "  %k8s rollout history deploy/web\n  %k8s rollout history deploy/web --revision 2\n"
                         "  %k8s rollout undo deploy/web\n  %k8s rollout undo deploy/web --to-revision 1\n"
                         "  %k8s rollout undo deploy/web --dry-run=client   (the template it would restore)\n"
                         "  %k8s rollout restart deploy/web\n  %k8s rollout restart deploy/web --dry-run=server\n"
                         "  %k8s rollout pause deploy/web\n"
                         "  %k8s rollout watch deploy/web --timeout 2m   (a live widget)")
    p.add_argument("action", choices=["status", "history", "undo", "restart", "pause", "resume", "watch"])
    p.add_argument("targets", nargs="+", metavar="TYPE/NAME")
    add_namespace_flags(p, all_namespaces=False)
    p.add_argument("--to-revision", type=int, help="undo: the revision to go back to (default: previous)")
    p.add_argument("--revision", type=int, help="history: show this revision's pod template")
    p.add_argument("--timeout", type=duration_flag(), help="status: how long to wait (default 5m)")
    p.add_argument("-w", "--watch", default="true", choices=["true", "false"],
                   help="status: wait until the rollout finishes (default true)")
    add_dry_run_flag(p)
    return p


def run(args, cell, shell):
    if args.action == "watch":  # k8slab.widgets hook: a live RolloutWatcher; the cell waits up to --timeout
        from ...widgets import RolloutWatcher
        from ..parser import parse_duration

        if len(args.targets) != 1:
            from IPython.core.error import UsageError

            raise UsageError("rollout watch shows one object: give one TYPE/NAME.")
        return RolloutWatcher(args.targets[0], args.namespace,
                              timeout=parse_duration(args.timeout) if args.timeout else None)
    from ...api.write.rollout import rollout

    return rollout(args.action, *args.targets, namespace=args.namespace, to_revision=args.to_revision,
                   revision=args.revision, timeout=args.timeout, watch=args.watch == "true",
                   dry_run=args.dry_run)
