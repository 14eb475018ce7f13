"""``get --raw``: one API path, as is."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from k8slab.api.arguments import checked
from ..client import session as _session
from ..errors import UsageError
from .output import TextResult


@checked
def get_raw(path: str) -> TextResult:
    """GET an API path as is (kubectl's ``get --raw``); JSON answers are pretty-printed.

    Example:
        >>> k8slab.api.raw.get_raw("/readyz?verbose")  # doctest: +SKIP
    """
    if not path.startswith("/"):
        raise UsageError(f"--raw needs an absolute API path starting with '/', e.g. /apis/apps/v1 (got {path!r})")
    s = _session.current()
    p, _, qs = path.partition("?")
    text = s.request_text("GET", p, query=parse_qsl(qs, keep_blank_values=True) or None)
    try:
        data = json.loads(text)
    except ValueError:
        return TextResult(text.rstrip("\n"), text)
    return TextResult(json.dumps(data, indent=2), data)
