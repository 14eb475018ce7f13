"""Tab completion for ``%k8s``: verbs, flags, resource types and object names.

Object names are listed from the cluster with a short timeout and cached for
:data:`TTL` seconds, so completion stays fast while typing.
"""

from __future__ import annotations

import time

from .verbs import VERBS, parser_for

TTL = 10.0
COMMON_TYPES = ("pods", "deployments", "replicasets", "services", "configmaps", "secrets", "nodes",
                "namespaces", "events", "jobs", "cronjobs", "statefulsets", "daemonsets", "ingresses",
                "persistentvolumeclaims", "persistentvolumes", "serviceaccounts", "endpoints")
# verbs whose first positional is a resource TYPE (or TYPE/NAME)
_TYPED = {"get", "describe", "delete", "explain", "tree", "events", "scale", "rollout", "wait", "check",
          "label", "annotate", "patch", "expose", "set"}
# verbs whose first word is a subcommand, then TYPE/NAME
_SUBCOMMANDS = {"rollout": ("status", "history", "undo", "restart", "pause", "resume"), "set": ("image",)}
_cache: dict = {}


def _cached(key, fetch):
    hit = _cache.get(key)
    now = time.monotonic()
    if hit and now - hit[0] < TTL:
        return hit[1]
    try:
        value = fetch()
    except Exception:  # noqa: BLE001 - completion must never raise
        value = []
    _cache[key] = (now, value)
    return value


def _session():
    from ..api.context import current

    return current()


def resource_types() -> list[str]:
    """Type names from discovery (plural and short names), else a static list."""
    def fetch():
        idx = _session().index()
        names = set()
        for r in idx.resources:
            names.add(r.plural)
            names.update(r.short_names)
        return sorted(names)
    return _cached(("types",), fetch) or list(COMMON_TYPES)


def object_names(type_: str, namespace: str | None = None) -> list[str]:
    """Names of the objects of ``type_`` in ``namespace`` (the session's by default)."""
    def fetch():
        s = _session()
        info = s.resolve(type_)
        ns = (namespace or s.namespace) if info.namespaced else None
        data = s.request("GET", s.path(info, ns), query={"limit": 500}, timeout=(1.0, 2.0),
                         accept="application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json")
        return sorted(i["metadata"]["name"] for i in data.get("items") or [])
    return _cached(("names", type_, namespace), fetch)


def _namespace_in(tokens: list[str]) -> str | None:
    for i, t in enumerate(tokens):
        if t in ("-n", "--namespace") and i + 1 < len(tokens):
            return tokens[i + 1]
        if t.startswith("--namespace="):
            return t.split("=", 1)[1]
    return None


def complete(line: str, symbol: str) -> list[str]:
    """Completions for ``line`` (up to the cursor) whose last word is ``symbol``."""
    tokens = line.split()
    if line.endswith((" ", "\t")) or not tokens:
        tokens.append("")
    tokens = tokens[1:]  # drop %k8s
    if len(tokens) <= 1:
        return [v for v in VERBS if v.startswith(tokens[0] if tokens else "")]
    verb, args, word = tokens[0], tokens[1:-1], tokens[-1]
    if verb not in VERBS:
        return []
    if args and args[-1] in ("-n", "--namespace"):
        return [n for n in object_names("namespaces") if n.startswith(word)]
    if word.startswith("-"):
        try:
            flags = [o for a in parser_for(verb)._actions for o in a.option_strings]
        except Exception:  # noqa: BLE001
            return []
        return sorted(f for f in flags if f.startswith(word))
    if verb == "help":
        return [v for v in VERBS if v.startswith(word)]
    positionals = [a for i, a in enumerate(args)
                   if not a.startswith("-") and not (i and args[i - 1] in ("-n", "--namespace", "-c", "-l",
                                                                             "--container", "--selector", "-o"))]
    subcommands = _SUBCOMMANDS.get(verb)
    if subcommands:
        if not positionals:
            return [s for s in subcommands if s.startswith(word)]
        positionals = positionals[1:]
    ns = _namespace_in(args)
    if verb in ("cordon", "uncordon", "drain") or (verb == "taint" and positionals[:1] in (["nodes"], ["node"])):
        return [n for n in object_names("nodes") if n.startswith(word)]
    if verb == "taint" and not positionals:
        return [w for w in ("nodes",) if w.startswith(word)]
    if verb == "logs" and not positionals:
        return [n for n in object_names("pods", ns) if n.startswith(word)]
    if verb not in _TYPED:
        return []
    if "/" in word:
        type_, prefix = word.split("/", 1)
        return [f"{type_}/{n}" for n in object_names(type_, ns) if n.startswith(prefix)]
    if not positionals:
        return [t for t in resource_types() if t.startswith(word)]
    if len(positionals) >= 1 and "/" not in positionals[0] and verb != "explain":
        return [n for n in object_names(positionals[0], ns) if n.startswith(word)]
    return []


def k8s_matcher(context) -> dict:
    """IPython completion matcher (API v2) for lines starting with ``%k8s``/``%%k8s``.

    Suppresses Python/Jedi completions there, and completes whole words such
    as ``deploy/web`` even though IPython's token stops at ``/`` or ``-``.
    """
    empty = {"completions": [], "suppress": False}
    at = context.text_until_cursor.find("%k8s ")  # also `x = %k8s get …` and `%%k8s …`
    if at < 0:
        return empty
    line = context.text_until_cursor[at:]
    word = "" if line[-1:].isspace() else line.split()[-1]
    try:
        matches = complete(line, word)
    except Exception:  # noqa: BLE001 - completion must never raise
        return empty
    token = context.token or ""
    prefix = word[: len(word) - len(token)] if token and word.endswith(token) else word if not token else ""
    from IPython.core.completer import SimpleCompletion

    comps = [SimpleCompletion(m[len(prefix):], type="k8s") for m in matches if m.startswith(prefix)]
    return {"completions": comps, "suppress": True, "matched_fragment": token, "ordered": True}


k8s_matcher.matcher_api_version = 2  # type: ignore[attr-defined]
