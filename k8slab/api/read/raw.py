"""``get --raw``: one API path, as is."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from k8slab.api.args.checks import checked
from k8slab.api.output.formats import TextResult
from k8slab.api.output.secrets import mask_secret
from k8slab.client import session as _session
from k8slab.errors import UsageError


@checked
def get_raw(path: str, *, show_secrets: bool = False) -> TextResult:
    """GET an API path as is (kubectl's ``get --raw``); JSON answers are pretty-printed.

    Secret values (a Secret, a SecretList, watch events of Secrets) are masked unless
    ``show_secrets``, as in ``get -o yaml``: notebooks are kept with their outputs.

    Example:
        >>> k8slab.api.read.raw.get_raw("/readyz?verbose")  # doctest: +SKIP
    """
    if not path.startswith("/"):
        raise UsageError(f"--raw needs an absolute API path starting with '/', e.g. /apis/apps/v1 (got {path!r})")
    s = _session.current()
    p, _, qs = path.partition("?")
    text = s.request_text("GET", p, query=parse_qsl(qs, keep_blank_values=True) or None)
    try:
        data = json.loads(text)
    except ValueError:
        return _lines(text, show_secrets)
    if not show_secrets:
        data = mask_secret(data)
    return TextResult(json.dumps(data, indent=2), data)


def _lines(text: str, show_secrets: bool) -> TextResult:
    """Not one JSON document: a watch stream (one JSON event per line), or plain text."""
    lines = text.rstrip("\n").split("\n")
    try:
        events = [json.loads(line) for line in lines if line.strip()]
    except ValueError:
        return TextResult(text.rstrip("\n"), text)
    if not show_secrets:
        events = [mask_secret(e) for e in events]
    return TextResult("\n".join(json.dumps(e, ensure_ascii=False) for e in events), events)
