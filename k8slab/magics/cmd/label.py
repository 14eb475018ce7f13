"""``%k8s label``: a thin parser over :func:`k8slab.label` (``annotate`` shares it)."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags, add_selection_flags, add_dry_run_flag


def build_edit_parser(verb: str, noun: str, examples: str) -> CmdParser:
    """The parser of ``label`` and ``annotate``: objects, then KEY=VALUE / KEY- edits."""
    p = CmdParser(verb, description=f"Set (KEY=VALUE) or remove (KEY-) {noun}s of objects; a {noun} that has"
                  " another value needs --overwrite. Every object is checked before any is changed.",
                  epilog="Examples:\n" + examples)
    p.add_argument("words", nargs="*", metavar="TYPE/NAME… KEY=VALUE… KEY-…",
                   help="the objects (TYPE/NAME, TYPE NAME…, or TYPE with -l/--all), then the edits")
    add_namespace_flags(p, all_namespaces=False)
    add_selection_flags(p)
    p.add_argument("--overwrite", action="store_true", help=f"allow changing a {noun} that has another value")
    p.add_argument("--list", action="store_true", help=f"only print the {noun}s")
    add_dry_run_flag(p)
    p.add_argument("-o", "--output", choices=["name", "yaml", "json"], help="print the object(s)")
    return p


def build_parser() -> CmdParser:
    return build_edit_parser("label", "label", "  %k8s label pod/web tier=db\n  %k8s label pod web tier=cache --overwrite\n"
                             "  %k8s label pod/web tier-          (remove it)\n  %k8s label pods -l app=web env=lab\n"
                             "  %k8s label pod/web --list")


def edit_flags(args) -> dict:
    return {"namespace": args.namespace, "selector": args.selector, "all": args.all, "overwrite": args.overwrite,
            "list": args.list, "dry_run": args.dry_run, "output": args.output}


def run(args, cell, shell):
    from ...api.write.labels import label

    return label(*args.words, **edit_flags(args))
