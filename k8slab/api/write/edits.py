"""What the verbs that change existing objects share (label, annotate, patch, set image).

Each of them names its objects like the other write verbs (``TYPE/NAME``, ``TYPE NAME…``,
or ``TYPE`` with ``-l``/``--all``), reads them, checks every change before it sends
any (so a bad edit of the third object leaves the first two alone), and prints
kubectl's line for each object, or the object itself with ``-o name|yaml|json``.
"""

from __future__ import annotations

from k8slab.api.args.dry_run import DryRun
from k8slab.api.args.dry_run import parse as parse_dry_run
from k8slab.api.args.dry_run import suffix as dry_run_suffix
from k8slab.api.args.targets import Lines
from k8slab.api.output.formats import strip_managed_fields, to_json, to_yaml
from k8slab.api.output.secrets import mask_secret
from k8slab.errors import UsageError

OUTPUTS = ("name", "yaml", "json")


def check_flags(verb: str, dry_run: DryRun, output: str | None) -> str | None:
    """The dry-run mode (``None``, ``"client"`` or ``"server"``, see :mod:`k8slab.api.args.dry_run`),
    after checking both flags."""
    mode = parse_dry_run(dry_run, verb)
    if output is not None and output not in OUTPUTS:
        raise UsageError(f"{verb}: -o {output}: use name, yaml or json.")
    return mode


def query(field_manager: str, dry_run: str | None) -> dict:
    """Query parameters of the PATCH: the field manager, and ``dryRun=All`` for a server dry run."""
    return {"fieldManager": field_manager, "dryRun": "All" if dry_run == "server" else None}


suffix = dry_run_suffix


def printed(label: str, action: str, obj: dict, dry_run: str | None, output: str | None, *,
            show_secrets: bool = False) -> str:
    """One object's printed form: ``configmap/app labeled (server dry run)``, its name, or its
    YAML/JSON (Secret values masked unless ``show_secrets``)."""
    if output == "name":
        return label
    if output in ("yaml", "json"):
        shown = strip_managed_fields(obj if show_secrets else mask_secret(obj))
        return (to_yaml if output == "yaml" else to_json)(shown).rstrip("\n")
    return f"{label} {action}{suffix(dry_run)}"


def none_found(selector: str | None) -> Lines:
    """The result when ``-l``/``--all`` selected nothing."""
    return Lines([f"No resources found{' matching ' + selector if selector else ''}."])


def result(lines: list[str], objs: list[dict], output: str | None) -> Lines:
    """The verb's result; several YAML documents are separated by ``---`` as kubectl does."""
    if output == "yaml" and len(lines) > 1:
        lines = [lines[0], *("---\n" + line for line in lines[1:])]
    return Lines(lines, objs)


def split_words(words, is_edit) -> tuple[list[str], list[str]]:
    """(targets, edits): the words ``is_edit`` accepts are edits (``KEY=VALUE``), the rest targets."""
    targets, edits = [], []
    for w in words:
        (edits if is_edit(w) else targets).append(w)
    return targets, edits
