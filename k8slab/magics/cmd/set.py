"""``%k8s set image``: a thin parser over :func:`k8slab.set_image` (kubectl's other ``set`` commands are not here)."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags, add_selection_flags, add_dry_run_flag


def build_parser() -> CmdParser:
    p = CmdParser("set", description="set image: change container images of pods and pod templates"
                  " (a Deployment then rolls out). Only 'image' of kubectl's set commands is here.",
                  epilog="Examples:\n  %k8s set image deploy/web nginx=nginx:1.28\n"
                         "  %k8s set image deploy/web '*=nginx:1.28'      (every container)\n"
                         "  %k8s set image deploy -l app=web nginx=nginx:1.28 --dry-run=server")
    p.add_argument("what", metavar="image", help="image (the one set command here)")
    p.add_argument("words", nargs="*", metavar="TYPE/NAME… CONTAINER=IMAGE…")
    add_namespace_flags(p, all_namespaces=False)
    add_selection_flags(p)
    add_dry_run_flag(p)
    p.add_argument("-o", "--output", choices=["name", "yaml", "json"], help="print the object(s)")
    return p


def run(args, cell, shell):
    from IPython.core.error import UsageError

    from ...api.write.set_image import set_image

    if args.what != "image":
        raise UsageError(f"%k8s set {args.what}: only 'set image' is here (e.g. %k8s set image deploy/web"
                         " nginx=nginx:1.28); for env, resources and the rest, write YAML and %%k8s apply.")
    return set_image(*args.words, namespace=args.namespace, selector=args.selector, all=args.all,
                     dry_run=args.dry_run, output=args.output)
