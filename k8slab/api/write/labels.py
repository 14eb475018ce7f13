"""``k8slab.label`` and ``k8slab.annotate``: add, change or remove labels and annotations.

Both work as kubectl's: ``KEY=VALUE`` sets, ``KEY-`` removes, a value that
differs from the object's needs ``overwrite``; the change is sent as a JSON
merge patch of ``metadata.labels``/``metadata.annotations``. Every object is
read and checked first, so when one edit is refused no object is changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from k8slab.api.args.checks import checked
from k8slab.api.args.dry_run import DryRun
from k8slab.api.args.targets import Lines, select, session
from k8slab.api.write import edits
from k8slab.errors import K8sLabError, UsageError

MERGE_PATCH = "application/merge-patch+json"


@dataclass(frozen=True)
class _Field:
    """What differs between the two verbs."""

    verb: str  # "label"
    key: str  # "labels": the metadata field
    noun: str  # "label"
    done: str  # "labeled"

    def is_edit(self, word: str) -> bool:
        # object names never end in "-" (DNS names), so "KEY-" (also "example.com/key-") is a removal
        return "=" in word or (len(word) > 1 and word.endswith("-"))


LABELS = _Field("label", "labels", "label", "labeled")
ANNOTATIONS = _Field("annotate", "annotations", "annotation", "annotated")


@checked
def label(*args: str, namespace: str | None = None, selector: str | None = None, all: bool = False,  # noqa: A002
          overwrite: bool = False, list: bool = False, dry_run: DryRun = None,  # noqa: A002
          output: str | None = None) -> Lines:
    """Set (``KEY=VALUE``) or remove (``KEY-``) labels, like ``kubectl label``.

    Args:
        *args: Objects (``pod/web``, ``pods web api``, or one TYPE with ``selector``/``all``)
            followed by edits, e.g. ``"pod/web", "tier=db", "old-"``.
        namespace: Namespace (default: the session's).
        selector: Edit every object of the TYPE with these labels (``-l app=web``).
        all: Edit every object of the TYPE in the namespace.
        overwrite: Allow changing a label that already has another value.
        list: Only print the labels (``KEY=VALUE`` lines), change nothing.
        dry_run: ``"server"`` (the server checks, stores nothing) or ``"client"`` (nothing sent).
        output: ``"name"``, ``"yaml"`` or ``"json"``: print the object(s) instead of the lines.

    Returns:
        Lines such as ``pod/web labeled``; ``.objects`` holds the objects as changed.

    Raises:
        K8sLabError: a label already has another value and ``overwrite`` is False (nothing changed).

    Example:
        >>> k8slab.label("pod/web", "tier=db")  # doctest: +SKIP
        pod/web labeled
    """
    return _edit(LABELS, args, namespace, selector, all, overwrite, list, dry_run, output)


@checked
def annotate(*args: str, namespace: str | None = None, selector: str | None = None, all: bool = False,  # noqa: A002
             overwrite: bool = False, list: bool = False, dry_run: DryRun = None,  # noqa: A002
             output: str | None = None) -> Lines:
    """Set (``KEY=VALUE``) or remove (``KEY-``) annotations, like ``kubectl annotate``.

    Arguments as :func:`label`; a value may contain ``=`` (only the first one splits).

    Example:
        >>> k8slab.annotate("deploy/web", "kubernetes.io/change-cause=image 1.27")  # doctest: +SKIP
        deployment.apps/web annotated
    """
    return _edit(ANNOTATIONS, args, namespace, selector, all, overwrite, list, dry_run, output)


def parse_edits(field: _Field, words: list[str]) -> tuple[dict[str, str], list[str]]:
    """``{key: value}`` to set and keys to remove, checked as kubectl checks them."""
    new: dict[str, str] = {}
    remove: list[str] = []
    for w in words:
        if "=" in w:
            key, _, value = w.partition("=")
            if field is LABELS and "=" in value:
                raise UsageError(f"invalid label spec: {w} (a label is KEY=VALUE with one '=').")
            if not key:
                raise UsageError(f"invalid {field.noun} spec: {w} (the key is missing before '=').")
            new[key] = value
        else:
            remove.append(w[:-1])
    both = sorted(set(new) & set(remove))
    if both:
        raise UsageError(f"can not both modify and remove {', '.join(map(repr, both))} in the same command.")
    return new, remove


def _edit(field: _Field, args, namespace, selector, all_, overwrite, list_, dry_run, output) -> Lines:
    dry_run = edits.check_flags(field.verb, dry_run, output)
    words, changes = edits.split_words(args, field.is_edit)
    if list_ and changes:
        raise UsageError(f"--list only shows the {field.key}; give it without KEY=VALUE or KEY- edits.")
    if not list_ and not changes:
        raise UsageError(f"at least one {field.noun} update is required (KEY=VALUE to set, KEY- to remove),"
                         f" e.g. %k8s {field.verb} pod/web tier=db.")
    new, remove = parse_edits(field, changes)
    found = select(words, namespace, selector=selector, all_=all_, verb=field.verb)
    if not found:
        return edits.none_found(selector)
    sess = session()
    objs = [t.get() for t in found]
    if list_:
        return _listing(field, found, objs)
    if not overwrite:
        clashes = []
        for t, obj in zip(found, objs):
            have = (obj.get("metadata") or {}).get(field.key) or {}
            clashes += [f"'{k}' already has a value ({have[k]}) on {t.label}"
                        for k, v in new.items() if k in have and have[k] != v]
        if clashes:
            raise K8sLabError("\n".join(clashes) + f"\n--overwrite is false, so nothing was {field.done};"
                              " add --overwrite (overwrite=True) to change them.")
    lines, out = [], []
    for t, obj in zip(found, objs):
        have = dict((obj.get("metadata") or {}).get(field.key) or {})
        want = {**{k: v for k, v in have.items() if k not in remove}, **new}
        if field is LABELS:
            lines += [f'label "{k}" not found.' for k in remove if k not in have]
        patch = {k: v for k, v in want.items() if have.get(k) != v}
        patch.update({k: None for k in remove if k in have})
        if patch and dry_run != "client":
            obj = sess.request("PATCH", t.path(), body={"metadata": {field.key: patch}},
                               content_type=MERGE_PATCH, query=edits.query(f"kubectl-{field.verb}", dry_run))
        elif patch:
            obj = {**obj, "metadata": {**obj.get("metadata", {}), field.key: want}}
        lines.append(edits.printed(t.label, _action(field, have, want), obj, dry_run, output))
        out.append(obj)
    return edits.result(lines, out, output)


def _action(field: _Field, old: dict, new: dict) -> str:
    """kubectl v1.37's words: labeled / unlabeled / modified / not labeled; annotate always says annotated."""
    if field is ANNOTATIONS:
        return "annotated"
    added = any(k not in old or old[k] != v for k, v in new.items())
    removed = any(k not in new for k in old)
    if added and removed:
        return "modified"
    return "labeled" if added else "unlabeled" if removed else "not labeled"


def _listing(field: _Field, found, objs) -> Lines:
    lines = []
    for t, obj in zip(found, objs):
        items = sorted(((obj.get("metadata") or {}).get(field.key) or {}).items())
        if len(found) > 1:
            lines.append(f"Listing {field.key} for {t.label}:")
        lines += [f"{' ' if len(found) > 1 else ''}{k}={v}" for k, v in items]
    return Lines(lines, objs)
