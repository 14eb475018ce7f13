"""``%k8s drain``: a thin parser over :func:`k8slab.drain`."""

from __future__ import annotations

from ..parser import CmdParser, duration_flag, add_dry_run_flag


def build_parser() -> CmdParser:
    p = CmdParser("drain", description="Cordon a node and evict its pods; their controllers make them again on"
                  " other nodes. Pods nothing would make again stop the drain unless a flag allows them.",
                  epilog="Examples:\n  %k8s drain k8slab-worker --ignore-daemonsets\n"
                         "  %k8s drain k8slab-worker --ignore-daemonsets --force --delete-emptydir-data\n"
                         "  %k8s uncordon k8slab-worker      (afterwards)")
    p.add_argument("node", metavar="NODE")
    p.add_argument("--ignore-daemonsets", action="store_true", help="leave DaemonSet pods alone")
    p.add_argument("--force", action="store_true", help="also delete pods no controller owns (gone for good)")
    p.add_argument("--delete-emptydir-data", action="store_true", help="also evict pods with emptyDir volumes")
    p.add_argument("--grace-period", type=int, help="seconds each pod gets to stop")
    p.add_argument("--timeout", type=duration_flag(), default="120s", help="how long to wait for the pods to go (default 120s)")
    p.add_argument("--disable-eviction", action="store_true", help="delete instead of evict (ignores PDBs)")
    add_dry_run_flag(p)
    return p


def run(args, cell, shell):
    from ...api.write.nodes import drain

    return drain(args.node, ignore_daemonsets=args.ignore_daemonsets, force=args.force,
                 delete_emptydir_data=args.delete_emptydir_data, grace_period=args.grace_period,
                 timeout=args.timeout, disable_eviction=args.disable_eviction, dry_run=args.dry_run)
