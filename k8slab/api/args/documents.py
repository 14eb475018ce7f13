"""The YAML documents a verb is given (cell text, Python objects, files), loaded as manifests.

Shared by ``apply``, ``create -f`` and ``delete -f``: one reading of the same inputs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from k8slab.errors import ManifestError
from k8slab.manifest import Manifest, from_objects, load_paths, load_text


def load_documents(text_or_objs, files, context_vars: Mapping | None, verb: str = "apply") -> list[Manifest]:
    """The manifests of a cell's text, Python objects and/or files, templated with ``context_vars``
    (the notebook's variables when None); none at all is a :class:`ManifestError` naming ``verb``."""
    if context_vars is None:
        context_vars = notebook_variables()
    out: list[Manifest] = []
    if isinstance(text_or_objs, os.PathLike):
        text_or_objs, files = None, [text_or_objs, *([files] if isinstance(files, (str, os.PathLike))
                                                      else files or [])]
    if isinstance(text_or_objs, (str, bytes, bytearray)):  # bytes: UTF-8 text (open(f, "rb").read())
        out += load_text(text_or_objs, source="cell", variables=context_vars)
    elif text_or_objs is not None:
        out += from_objects(text_or_objs)
    if files:
        out += load_paths([files] if isinstance(files, (str, os.PathLike)) else files, variables=context_vars)
    if not out:
        raise ManifestError(f"Nothing to {verb}: no YAML documents were given (the cell or files are empty).")
    return out


def notebook_variables() -> Mapping | None:
    """The IPython user namespace (for ``{{ name }}`` templating), or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell.user_ns if shell is not None else None
