"""Durations as kubectl reads them: Go's ``time.ParseDuration`` syntax (``1.5m``, ``1h2m3s``, ``300ms``).

The one parser every verb and flag uses. Strings need a unit, as in kubectl (``90`` is
refused by ``kubectl wait --timeout``), except ``0``; the kit's own flags and Python
callers may also give plain seconds (``bare_seconds=True``, or an ``int``/``float``).
"""

from __future__ import annotations

import re

from k8slab.errors import UsageError

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_NUMBER = re.compile(r"\d+\.?\d*|\.\d+")


def parse_duration(value: str | float | int, *, bare_seconds: bool = True, what: str = "duration") -> float:
    """Seconds from a Go duration (``30s``, ``1.5m``, ``1h2m3s``, ``300ms``) or a number.

    Args:
        value: The duration text, or seconds as an ``int``/``float``.
        bare_seconds: Accept a unit-less string (``"90"``) as seconds. kubectl's
            ``--timeout``/``--since`` flags do not (``missing unit``); ``"0"`` always passes.
        what: What the value is, for the error message (``--timeout``).

    Raises:
        UsageError: Not a duration, or negative; the message shows the accepted forms.

    Example:
        >>> parse_duration("1m30s"), parse_duration("1.5m"), parse_duration("300ms")
        (90.0, 90.0, 0.3)
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UsageError(f"{what}: {value!r} is not a duration: use e.g. 30s, 1.5m, 1h2m3s or a number of seconds.")
    if not isinstance(value, str):
        seconds = float(value)
    else:
        text = value.strip()
        seconds = _parse_text(text, bare_seconds, what, value)
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        raise UsageError(f"{what}: {value!r} is not a usable duration: give 0 or more, e.g. 30s.")
    return seconds


def _parse_text(text: str, bare_seconds: bool, what: str, value: str) -> float:
    sign = 1.0
    if text[:1] in "+-" and text[:1]:
        sign, text = (-1.0 if text[0] == "-" else 1.0), text[1:]
    if text == "0":
        return 0.0
    if _NUMBER.fullmatch(text):
        if bare_seconds:
            return sign * float(text)
        raise UsageError(f'{what}: missing unit in duration "{value}": write e.g. {text}s '
                         "(units: ns, us, ms, s, m, h).")
    total, pos = 0.0, 0
    for part in _PART.finditer(text):
        if part.start() != pos:
            break
        total += float(part.group(1)) * _UNITS[part.group(2)]
        pos = part.end()
    if not text or pos != len(text):
        raise UsageError(f"{what}: {value!r} is not a duration: use e.g. 30s, 1.5m, 1h2m3s, 300ms"
                         " (Go's syntax, as kubectl reads it).")
    return sign * total


def format_seconds(seconds: float) -> str:
    """Seconds as the kit prints a timeout back: ``90s``, ``1.5s``."""
    return f"{seconds:g}s"
