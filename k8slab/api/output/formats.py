"""Printed forms of API objects: YAML, JSON, ``-o name``, custom columns, plain text results."""

from __future__ import annotations

import json

from k8slab.api.output.jsonpath import JSONPath, format_value, relaxed
from k8slab.errors import UsageError


def api_objects(data: object) -> list[dict]:
    """The Kubernetes objects held in ``data``: one object, a list of them, or a List's items."""
    def is_object(x) -> bool:
        return isinstance(x, dict) and "kind" in x and "metadata" in x

    if is_object(data):
        items = data.get("items")
        return [i for i in items if is_object(i)] if isinstance(items, list) and data["kind"].endswith("List") \
            else [data]
    if isinstance(data, dict) and is_object(data.get("object")):  # a tree: {"object": …, "children": […]}
        out = [data["object"]]
        for child in data.get("children") or []:
            out += api_objects(child)
        return out
    if isinstance(data, (list, tuple)):
        return [x for item in data for x in api_objects(item)]
    return []


class TextResult(str):
    """Text printed as is in a notebook (no quotes), with the data it came from in ``.data``.

    ``.objects`` is the list of Kubernetes objects among that data (empty when it holds none),
    the same attribute every result of the kit has (tables, apply, delete, check, …).
    """

    data: object = None

    def __new__(cls, text: str, data=None):
        self = super().__new__(cls, text)
        self.data = data
        return self

    @property
    def objects(self) -> list[dict]:
        return api_objects(self.data)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))


def _yaml_dumper():
    import yaml

    class Dumper(yaml.SafeDumper):
        """Like kubectl's YAML: double quotes where quoting is needed, ``|`` blocks for multi-line text."""

        def choose_scalar_style(self):
            style = super().choose_scalar_style()
            return '"' if style == "'" else style

    def str_rep(dumper, value):
        style = "|" if "\n" in value and not any(c in value for c in "\t\r") else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, str_rep)
    return Dumper


_DUMPER = None


def to_yaml(obj) -> str:
    """YAML like kubectl's: sorted keys, block style, multi-line strings as ``|`` blocks."""
    global _DUMPER
    import yaml

    if _DUMPER is None:
        _DUMPER = _yaml_dumper()
    return yaml.dump(obj, Dumper=_DUMPER, sort_keys=True, default_flow_style=False, allow_unicode=True)


def to_json(obj) -> str:
    """JSON like kubectl's: four-space indent, sorted keys (Go marshals maps sorted)."""
    return json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False)


def strip_managed_fields(obj):
    """Drop ``metadata.managedFields`` (kubectl hides them unless ``--show-managed-fields``)."""
    if isinstance(obj, dict):
        if isinstance(obj.get("items"), list):
            return {**obj, "items": [strip_managed_fields(o) for o in obj["items"]]}
        meta = obj.get("metadata")
        if isinstance(meta, dict) and "managedFields" in meta:
            meta = {k: v for k, v in meta.items() if k != "managedFields"}
            return {**obj, "metadata": meta}
    return obj


def as_list(items: list[dict]) -> dict:
    """kubectl's ``List`` wrapper for several objects."""
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def parse_custom_columns(spec: str) -> list[tuple[str, JSONPath]]:
    """``NAME:.metadata.name,IMAGE:.spec.containers[*].image`` → ``[(header, JSONPath)]``."""
    cols = []
    for part in spec.split(","):
        if not part.strip():
            continue
        header, sep, expr = part.partition(":")
        if not sep or not header.strip() or not expr.strip():
            raise UsageError(f"custom-columns: {part!r} is not HEADER:JSONPATH "
                             "(e.g. -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image)")
        cols.append((header.strip(), JSONPath(relaxed(expr))))
    if not cols:
        raise UsageError("custom-columns needs at least one HEADER:JSONPATH column")
    return cols


def custom_column_cells(obj: dict, cols: list[tuple[str, JSONPath]]) -> list[str]:
    """One row of custom columns: several values joined by ``,``, a missing one ``<none>``."""
    row = []
    for _, jp in cols:
        vals = jp.values(obj)
        row.append(",".join(format_value(v) for v in vals) if vals else "<none>")
    return row
