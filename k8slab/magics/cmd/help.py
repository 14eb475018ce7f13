"""``%k8s help [VERB]``: the verbs, or one verb's usage and examples."""

from __future__ import annotations

from ..parser import CmdParser
from ..verbs import VERBS, module_for


def build_parser() -> CmdParser:
    p = CmdParser("help", description="List the verbs, or show one verb's usage.")
    p.add_argument("verb", nargs="?", help="a verb, e.g. get")
    return p


def run(args, cell, shell):
    if args.verb:
        module_for(args.verb)  # unknown verb → UsageError with the closest one
        from ..verbs import parser_for

        print(parser_for(args.verb).format_help().rstrip())
        return None
    width = max(len(v) for v in VERBS)
    lines = ["Usage: %k8s VERB [ARGS…]   (%%k8s apply for YAML in the cell)", ""]
    lines += [f"  {v.ljust(width)}  {s}" for v, s in VERBS.items()]
    lines += ["", "%k8s help VERB shows a verb's flags and examples; %k8s? shows more examples."]
    print("\n".join(lines))
    return None
