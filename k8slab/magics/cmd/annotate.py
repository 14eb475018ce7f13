"""``%k8s annotate``: a thin parser over :func:`k8slab.annotate`."""

from __future__ import annotations

from ..parser import CmdParser
from .label import build_edit_parser, edit_flags


def build_parser() -> CmdParser:
    return build_edit_parser("annotate", "annotation",
                             "  %k8s annotate deploy/web kubernetes.io/change-cause='image 1.28'\n"
                             "  %k8s annotate deploy/web owner=team-a --overwrite\n"
                             "  %k8s annotate deploy/web owner-          (remove it)\n"
                             "  %k8s annotate deploy/web --list")


def run(args, cell, shell):
    from ...api.write.labels import annotate

    return annotate(*args.words, **edit_flags(args))
