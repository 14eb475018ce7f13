"""Argument checks for the public API, before any request: a wrong type is a UsageError naming it.

``k8slab.get(123)`` or ``k8slab.scale("deploy/web", replicas="3")`` would otherwise fail deep
inside (an AttributeError from a string method, a TypeError from URL quoting), or worse,
after the cluster changed (``apply(..., wait="abc")`` applied, then refused the wait).
:func:`checked` reads each parameter's annotation (``str``, ``str | None``, ``int``,
``bool | float``, ``list[str] | str``…) and checks the call against it, plus a few value
rules by name (counts not negative, durations readable).
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import os
from collections.abc import Mapping

from k8slab.errors import UsageError

_NONE = type(None)
# annotation word -> (accepted types, how to say it); bool is an int in Python, refused where an int is meant
_TYPES = {
    "str": ((str,), "a str"),
    "None": ((_NONE,), "None"),
    "bool": ((bool,), "True or False"),
    "int": ((int,), "an int"),
    "float": ((int, float), "a number"),
    "list": ((list, tuple), "a list"),
    "Mapping": ((Mapping,), "a dict"),
    "dict": ((dict,), "a dict"),
    "PathLike": ((os.PathLike,), "a path"),
}
_NON_NEGATIVE = {"replicas", "current_replicas", "timeout", "since_seconds", "grace_period", "port",
                 "to_revision", "revision", "wait", "give_up_after"}
_DURATIONS = {"timeout"}  # (tail=-1 is kubectl's "all lines": not here)  # a str here is a kubectl duration: read it now, not after the cluster changed


def _spec(annotation: object) -> tuple[tuple[type, ...], list[str], bool] | None:
    """(types, names, items_are_str) for an annotation string, or None when it is not checked."""
    if not isinstance(annotation, str):
        return None
    types: list[type] = []
    names: list[str] = []
    items_str = False
    for word in (w.strip() for w in annotation.split("|")):
        base = word.split("[", 1)[0]
        if base not in _TYPES:
            return None  # Iterable[...], callables, classes: not checked here
        if base == "list" and word == "list[str]":
            items_str = True
        accepted, name = _TYPES[base]
        types += accepted
        names.append(name)
    return tuple(types), names, items_str


def _plain(value: object, types: tuple) -> object:
    """A numpy (or other registered) number as the Python number it stands for, where one is wanted.

    ``replicas=df["n"].max()`` is a ``numpy.int64``: a number, but not an ``int``, and JSON
    cannot hold it.
    """
    if type(value).__module__ == "numpy" and hasattr(value, "item") and not isinstance(value, (str, float)):
        plain = value.item()  # numpy.int64, numpy.bool_ -> int, bool
        if isinstance(plain, (bool, int, float)):
            return plain
    if isinstance(value, (bool, int, float)) or not isinstance(value, numbers.Number):
        return value
    if int in types and isinstance(value, numbers.Integral):
        return int(value)
    if float in types and isinstance(value, numbers.Real):
        return float(value)
    return value


def _check(fn_name: str, arg: str, value: object, spec) -> None:
    types, names, items_str = spec
    ok = isinstance(value, types)
    if ok and isinstance(value, bool) and bool not in types:
        ok = False  # True is not a count of replicas
    if not ok:
        want = " or ".join(dict.fromkeys(names))
        raise UsageError(f"k8slab.{fn_name}: {arg} must be {want}, not {type(value).__name__} {value!r:.60}.")
    if items_str and isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise UsageError(f"k8slab.{fn_name}: {arg}[{i}] must be a str, not {type(item).__name__}"
                                 f" {item!r:.60}.")
    if isinstance(value, float) and not isinstance(value, bool) and not math.isfinite(value):
        raise UsageError(f"k8slab.{fn_name}: {arg} must be a finite number, not {value!r}.")
    base = arg.split("[", 1)[0]
    if base in _NON_NEGATIVE and isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        raise UsageError(f"k8slab.{fn_name}: {arg} must not be negative, got {value!r}.")
    if base in _DURATIONS and isinstance(value, str):
        from k8slab.api.args.duration import parse_duration

        try:
            parse_duration(value)
        except UsageError as exc:
            raise UsageError(f"k8slab.{fn_name}: {arg}={exc}") from None


def checked(fn):
    """Check a public function's arguments against its annotations before it runs.

    ``*names: str`` checks every item. A call that does not fit the signature (an
    unknown keyword, a missing argument) is a UsageError too, with Python's words.
    """
    sig = inspect.signature(fn)
    specs = {name: _spec(p.annotation) for name, p in sig.parameters.items()}
    kinds = {name: p.kind for name, p in sig.parameters.items()}

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise UsageError(f"k8slab.{fn.__name__}: {exc}") from None
        for name, value in list(bound.arguments.items()):
            spec = specs.get(name)
            if spec is None:
                continue
            if kinds[name] is inspect.Parameter.VAR_POSITIONAL:
                for i, item in enumerate(value):
                    _check(fn.__name__, f"{name}[{i}]" if name != "args" else f"argument {i + 1}", item, spec)
            elif kinds[name] is not inspect.Parameter.VAR_KEYWORD:
                bound.arguments[name] = value = _plain(value, spec[0])
                _check(fn.__name__, name, value, spec)
        return fn(*bound.args, **bound.kwargs)

    return wrapper
