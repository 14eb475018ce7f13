"""``%k8s addons``: a thin parser over :func:`k8slab.addons`."""

from __future__ import annotations

from ..parser import CmdParser, parse_duration


def build_parser() -> CmdParser:
    p = CmdParser("addons", description="Install (or --remove) a lab addon. ingress: Traefik as the "
                                        "ingress controller (IngressClass nginx, the NGINX annotations) "
                                        "and Gateway API; needs real containers (local or kind engine).",
                  epilog="Examples:\n  %k8s addons ingress\n  %k8s addons ingress --remove")
    p.add_argument("addon", choices=["ingress"])
    p.add_argument("--remove", action="store_true", help="delete everything the addon installed")
    p.add_argument("--timeout", default="180s", help="how long to wait for it (default 180s)")
    return p


def run(args, cell, shell):
    from ...api.write.addons import addons

    return addons(args.addon, remove=args.remove, timeout=parse_duration(args.timeout))
