"""``k8slab.explain``: field documentation from the server's OpenAPI v3, like ``kubectl explain``."""

from __future__ import annotations

import textwrap

from k8slab.api.args.checks import checked
from k8slab.api.output.formats import TextResult
from k8slab.client import session as _session
from k8slab.errors import NotFoundError, UsageError

_docs: dict = {}  # (session id, group-version path) -> OpenAPI document


def _gv_doc(s, info) -> dict:
    key = (id(s), info.api_version)
    if key not in _docs:
        rel = f"apis/{info.group}/{info.version}" if info.group else f"api/{info.version}"
        index = _docs.get((id(s), "/openapi/v3"))
        if index is None or rel not in (index.get("paths") or {}):  # first use, or a CRD added since
            index = _docs[(id(s), "/openapi/v3")] = s.request("GET", "/openapi/v3")
        entry = (index.get("paths") or {}).get(rel)
        if not entry:
            raise NotFoundError(f"The server publishes no OpenAPI v3 document for {info.api_version}.",
                                status=404, reason="NotFound")
        _docs[key] = s.request("GET", entry.get("serverRelativeURL") or f"/openapi/v3/{rel}")
    return _docs[key]


def _deref(schema: dict, schemas: dict) -> tuple[dict, str | None]:
    """Follow ``$ref`` (also wrapped in ``allOf``); return the schema and its type name."""
    name = None
    for _ in range(20):
        ref = schema.get("$ref")
        if not ref and len(schema.get("allOf") or []) == 1:
            ref = schema["allOf"][0].get("$ref")
        if not ref:
            break
        name = ref.rsplit("/", 1)[-1]
        desc = schema.get("description")
        schema = dict(schemas.get(name) or {})
        if desc and not schema.get("description"):
            schema["description"] = desc
    return schema, name


def type_name(schema: dict, schemas: dict) -> str:
    """kubectl's type label: ``string``, ``integer``, ``[]Container``, ``map[string]string``, ``Object``."""
    s, ref = _deref(schema, schemas)
    if ref:
        short = ref.rsplit(".", 1)[-1]
        if s.get("format") == "int-or-string":
            return "IntOrString"
        if s.get("type") in ("string", "integer", "boolean", "number") and not s.get("properties"):
            return s["type"]
        return short
    t = s.get("type")
    if t == "array":
        return "[]" + type_name(s.get("items") or {}, schemas)
    if t == "object" and "additionalProperties" in s and not s.get("properties"):
        ap = s["additionalProperties"]
        return "map[string]" + (type_name(ap, schemas) if isinstance(ap, dict) else "Object")
    if t == "object" or s.get("properties"):
        return "Object"
    if s.get("x-kubernetes-int-or-string"):
        return "IntOrString"
    return t or "Object"


def _field_schema(s: dict, schemas: dict) -> dict:
    s, _ = _deref(s, schemas)
    while s.get("type") == "array":
        s, _ = _deref(s.get("items") or {}, schemas)
    return s


def _ref_name(schema: dict, schemas: dict) -> str | None:
    """The schema name a field refers to, through arrays (``[]Container`` → ``…Container``)."""
    s, ref = _deref(schema, schemas)
    while s.get("type") == "array" and not ref:
        s, ref = _deref(s.get("items") or {}, schemas)
    return ref


def _enum_short(values: list) -> str:
    """kubectl's one-line enum: at most four values, then ``....``."""
    text = ", ".join('""' if v == "" else str(v) for v in values[:4])
    return text + ", ...." if len(values) > 4 else text


def _wrap(text: str, indent: str) -> list[str]:
    out = []
    for para in (text or "<empty>").split("\n"):
        out += textwrap.wrap(para, 80, initial_indent=indent, subsequent_indent=indent,
                             break_on_hyphens=False, break_long_words=False) or [indent]
    return out


@checked
def explain(target: str, *, recursive: bool = False) -> TextResult:
    """Document a type or a field path, e.g. ``deployment.spec.strategy``.

    Args:
        target: ``TYPE`` or ``TYPE.field.path`` (``TYPE`` takes kubectl's names: ``deploy``, ``pods``…).
        recursive: list nested fields as a tree instead of describing one level.

    Returns:
        kubectl-style text (GROUP/KIND/VERSION, FIELD, DESCRIPTION, FIELDS).

    Raises:
        NotFoundError: The type, or a field of the path, does not exist (the message lists the fields).

    Example:
        >>> print(k8slab.explain("deployment.spec.strategy"))  # doctest: +SKIP
    """
    if not target or not target.strip():
        raise UsageError("explain needs a type, e.g. %k8s explain deployment.spec")
    s = _session.current()
    parts = target.strip().split(".")
    info, fields = None, []
    # The type may carry a group with dots (deployments.apps.spec?): prefer the longest type prefix.
    for i in range(len(parts), 0, -1):
        cand = ".".join(parts[:i])
        hit = s.index().lookup(cand)
        if hit is not None:
            info, fields = hit, parts[i:]
            break
    if info is None:
        info = s.resolve(parts[0])  # raises with suggestions
    doc = _gv_doc(s, info)
    schemas = (doc.get("components") or {}).get("schemas") or {}
    root = None
    for name, sch in schemas.items():
        for gvk in sch.get("x-kubernetes-group-version-kind") or []:
            if (gvk.get("group", ""), gvk.get("version"), gvk.get("kind")) == (info.group, info.version, info.kind):
                root = sch
        if root is not None:
            break
    if root is None:
        raise NotFoundError(f"No OpenAPI schema for {info.kind} ({info.api_version}).", status=404, reason="NotFound")
    schema, label = root, None
    walked = []
    for f in fields:
        cur = _field_schema(schema, schemas)
        props = cur.get("properties") or {}
        if f not in props:
            import difflib

            close = difflib.get_close_matches(f, list(props), n=1)
            where = ".".join([info.kind.lower()] + walked) or info.kind.lower()
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise NotFoundError(f'field "{f}" does not exist in {where}{hint} '
                                f"(fields: {', '.join(sorted(props)) or 'none'})", status=404, reason="NotFound")
        walked.append(f)
        schema = props[f]
        label = f
    lines = [f"GROUP:      {info.group}" if info.group else None, f"KIND:       {info.kind}",
             f"VERSION:    {info.version}", ""]
    lines = [x for x in lines if x is not None]
    body = _field_schema(schema, schemas)
    if label:
        lines.append(f"FIELD: {label} <{type_name(schema, schemas)}>")
        enum = body.get("enum")
        lines += (["ENUM:"] + [f"    {v}" for v in enum] + [""]) if enum else ["", ""]
    desc = body.get("description") or ""
    if label:  # kubectl shows the field's own text, then its type's
        ref = _ref_name(schema, schemas)
        typ = (schemas.get(ref) or {}).get("description", "") if ref else ""
        desc = "\n".join(x for x in (schema.get("description") or "", typ) if x) or desc
    lines += ["DESCRIPTION:"] + _wrap(desc, "    ") + ["    "]  # kubectl's indented blank line
    props = body.get("properties") or {}
    if props:
        required = set(body.get("required") or [])
        lines.append("FIELDS:")
        if recursive:
            lines += _tree(body, schemas, "  ", set())
        else:
            for name in sorted(props):
                p = props[name]
                lines.append(f"  {name}\t<{type_name(p, schemas)}>" + (" -required-" if name in required else ""))
                pd, _ = _deref(p, schemas)
                if pd.get("enum"):
                    lines.append(f"  enum: {_enum_short(pd['enum'])}")
                lines += _wrap(p.get("description") or pd.get("description") or "<no description>", "    ")
                lines.append("")
    return TextResult("\n".join(lines).rstrip() + "\n", {"kind": info.kind, "field": ".".join(walked)})


def _tree(schema: dict, schemas: dict, indent: str, seen: set) -> list[str]:
    out = []
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    for name in sorted(props):
        p = props[name]
        out.append(f"{indent}{name}\t<{type_name(p, schemas)}>" + (" -required-" if name in required else ""))
        sub = _field_schema(p, schemas)
        direct, _ = _deref(p, schemas)
        if direct.get("enum"):  # an array's item enum is not shown, as in kubectl
            out.append(f"{indent}enum: {_enum_short(direct['enum'])}")
        _, ref = _deref(p, schemas)
        key = ref or id(sub)
        if sub.get("properties") and key not in seen:
            out += _tree(sub, schemas, indent + "  ", seen | {key})
    return out
