"""``k8slab.get``: list or read objects, printed as kubectl prints them.

The default and ``wide`` outputs use the API server's Table form, so the
columns are kubectl's own for every kind (CRDs included).
"""

from __future__ import annotations

from k8slab.api.args.checks import checked
from k8slab.api.output import formats as out
from k8slab.api.output.jsonpath import JSONPath, relaxed
from k8slab.api.output.secrets import mask_secret
from k8slab.api.output.table import K8sTable, MultiTable, age, make_table
from k8slab.api.read.fetch import fetch_objects, fetch_table
from k8slab.client import session as _session
from k8slab.errors import UsageError

FORMATS = ("custom-columns", "json", "jsonpath", "name", "wide", "yaml")


def split_type_names(type_: str, names: tuple[str, ...]) -> tuple[str, list[str]]:
    """``("deploy/web",)`` or ``("deploy", "web", "api")`` → ``("deploy", ["web", …])``."""
    if not type_ or not type_.strip():
        raise UsageError("A resource type is required, e.g. %k8s get pods")
    pairs = [type_] + list(names) if "/" in type_ else None
    if pairs is None:
        if any("/" in n for n in names):
            raise UsageError("Give either TYPE NAME… or TYPE/NAME…, not both (e.g. get deploy web, get deploy/web).")
        if any(not n.strip() for n in names):
            raise UsageError("An object name is empty; give a name or leave it out to list them all.")
        return type_.strip(), [n for n in names]
    types, objs = set(), []
    for p in pairs:
        t, sep, n = p.partition("/")
        if not sep or not t or not n:
            raise UsageError(f"{p!r} is not TYPE/NAME; use TYPE/NAME for every argument (e.g. deploy/web).")
        types.add(t.lower())
        objs.append(n)
    if len(types) > 1:
        raise UsageError(f"One resource type at a time; got {', '.join(sorted(types))}.")
    return pairs[0].split("/", 1)[0], objs


def parse_output(output: str | None) -> tuple[str | None, str | None]:
    """``"jsonpath={.x}"`` → ``("jsonpath", "{.x}")``; validates the format name."""
    if output is None or output == "":
        return None, None
    fmt, sep, arg = output.partition("=")
    fmt = fmt.strip()
    if fmt not in FORMATS:
        raise UsageError(f'unable to match a printer suitable for the output format "{output}", '
                         f"allowed formats are: {','.join(FORMATS)}")
    if fmt in ("jsonpath", "custom-columns"):
        if not arg:
            raise UsageError(f"-o {fmt} needs a template, e.g. -o {fmt}="
                             + ("'{.items[*].metadata.name}'" if fmt == "jsonpath" else "NAME:.metadata.name"))
        return fmt, arg
    if sep:
        raise UsageError(f"-o {fmt} takes no argument")
    return fmt, None


def _empty_message(namespaced: bool, namespace: str | None) -> str:
    return f"No resources found in {namespace} namespace." if namespaced and namespace else "No resources found"


def _sort_key(value):
    if value is None:
        return (0, 0, "")
    if isinstance(value, bool):
        return (1, int(value), "")
    if isinstance(value, (int, float)):
        return (1, value, "")
    return (2, 0, str(value))


def _sort(objects: list, sort_by: str, get_obj=lambda o: o) -> list:
    jp = JSONPath(relaxed(sort_by))
    def key(o):
        vals = jp.values(get_obj(o) or {})
        return _sort_key(vals[0] if vals else None)
    return sorted(objects, key=key)


def _labels_text(meta: dict) -> str:
    labels = (meta or {}).get("labels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>"


def _needs_metadata(all_namespaces: bool, show_labels: bool, label_columns) -> bool:
    """Whether the table shows more than the server's cells: the namespace or labels of each row."""
    return bool(all_namespaces or show_labels or label_columns)


def _table(pages, *, wide, all_namespaces, show_labels, sort_by, empty_message, label_columns=()) -> K8sTable:
    first = pages[0] if pages else {}
    defs = first.get("columnDefinitions") or []
    keep = [i for i, c in enumerate(defs) if wide or not c.get("priority")]
    columns = [defs[i]["name"].upper() for i in keep]
    age_idx = [j for j, i in enumerate(keep) if defs[i]["name"] == "Age"]
    rows_in = [r for p in pages for r in (p.get("rows") or [])]
    if sort_by:
        rows_in = _sort(rows_in, sort_by, lambda r: r.get("object"))
    rows, objects = [], []
    for r in rows_in:
        cells = r.get("cells") or []
        obj = r.get("object") or {}
        meta = obj.get("metadata") or {}
        row = [cells[i] if i < len(cells) else None for i in keep]
        for j in age_idx:
            if meta.get("creationTimestamp"):
                row[j] = age(meta["creationTimestamp"])
        if all_namespaces:
            row.insert(0, meta.get("namespace", ""))
        labels = meta.get("labels") or {}
        row += [labels.get(k, "") for k in label_columns]
        if show_labels:
            row.append(_labels_text(meta))
        rows.append(row)
        objects.append(obj)
    if all_namespaces:
        columns.insert(0, "NAMESPACE")
    columns += [k.rsplit("/", 1)[-1].upper() for k in label_columns]  # kubectl: the key's last segment
    if show_labels:
        columns.append("LABELS")
    return make_table(columns, rows, empty_message=empty_message, objects=objects if any(objects) else None)


@checked
def get(type: str, *names: str, namespace: str | None = None, all_namespaces: bool = False,
        selector: str | None = None, field_selector: str | None = None, output: str | None = None,
        show_labels: bool = False, sort_by: str | None = None, show_secrets: bool = False,
        show_managed_fields: bool = False, label_columns: list[str] | str | None = None,
        ignore_not_found: bool = False) -> K8sTable | MultiTable | out.TextResult:
    """List objects of one type, or read some by name, like ``kubectl get``.

    Args:
        type: a kubectl type name (``pods``, ``po``, ``deploy``, ``deployments.apps``),
            ``TYPE/NAME``, several types (``pods,svc``) or a category (``all``).
        *names: object names (or more ``TYPE/NAME`` of the same type).
        namespace: defaults to the session's namespace (``k8slab.use``).
        all_namespaces: list across namespaces (adds a ``NAMESPACE`` column).
        selector: label selector, e.g. ``app=web,tier!=db``.
        field_selector: field selector, e.g. ``status.phase=Running``.
        output: ``None``/``"wide"`` (a table), ``yaml``, ``json``, ``name``,
            ``jsonpath=TEMPLATE``, ``custom-columns=SPEC``.
        show_labels: add a ``LABELS`` column.
        sort_by: a JSONPath (``.metadata.name``, ``{.status.startTime}``) to sort by.
        show_secrets: show Secret values in yaml/json instead of masking them.
        show_managed_fields: keep ``metadata.managedFields`` in yaml/json.
        label_columns: label keys shown as columns (kubectl's ``-L app,tier``).
        ignore_not_found: skip names that do not exist instead of raising ``NotFoundError``.

    Returns:
        A :class:`~k8slab.api.output.table.K8sTable` (a ``pandas.DataFrame``) for
        table and custom-columns output (a :class:`~k8slab.api.output.table.MultiTable`
        of them for several types), else a
        :class:`~k8slab.api.output.formats.TextResult` (``str``) whose ``.data`` holds
        the objects.

    Raises:
        NotFoundError: The type, or a named object, does not exist (unless ``ignore_not_found``);
            an unknown type's message names the closest ones.

    Example:
        >>> pods = k8slab.get("pods", namespace="lab-01")  # doctest: +SKIP
        >>> k8slab.get("deploy/web", output="jsonpath={.spec.replicas}")  # doctest: +SKIP
    """
    type_, obj_names = split_type_names(type, names)
    fmt, arg = parse_output(output)
    # a mistake in a template or a sort key is said before any request
    if fmt == "jsonpath":
        JSONPath(arg)
    elif fmt == "custom-columns":
        out.parse_custom_columns(arg)
    if sort_by:
        JSONPath(relaxed(sort_by))
    if isinstance(label_columns, str):
        label_columns = [k for k in label_columns.split(",") if k]
    label_columns = tuple(label_columns or ())
    if obj_names and selector:
        raise UsageError("Names cannot be combined with a label selector (-l); give one or the other.")
    if obj_names and all_namespaces:
        raise UsageError("Names cannot be combined with --all-namespaces (-A); give a namespace with -n.")
    s = _session.current()
    if "," in type_ or s.index().lookup(type_) is None and s.index().category(type_):
        if obj_names:
            raise UsageError("Names need one resource type; list several types without names (get pods,svc).")
        return _get_many(s, s.expand(type_), namespace=namespace, all_namespaces=all_namespaces,
                         selector=selector, field_selector=field_selector, fmt=fmt, arg=arg,
                         show_labels=show_labels, sort_by=sort_by, show_secrets=show_secrets,
                         show_managed_fields=show_managed_fields, label_columns=label_columns)
    info = s.resolve(type_)
    ns = None
    if info.namespaced and not all_namespaces:
        ns = namespace or s.namespace
    query = {"labelSelector": selector, "fieldSelector": field_selector}
    empty_msg = _empty_message(info.namespaced and not all_namespaces, ns)

    if fmt in (None, "wide"):
        pages = fetch_table(s, info, ns, obj_names, query, full_objects=bool(sort_by),
                             metadata=_needs_metadata(all_namespaces, show_labels, label_columns),
                             ignore_not_found=ignore_not_found)
        return _table(pages, wide=fmt == "wide", all_namespaces=all_namespaces and info.namespaced,
                      show_labels=show_labels, sort_by=sort_by, empty_message=empty_msg,
                      label_columns=label_columns)

    items = fetch_objects(s, info, ns, obj_names, query, ignore_not_found)
    if obj_names and not items and fmt in ("yaml", "json", "jsonpath"):
        return out.TextResult("", None)
    return _render_objects(items, obj_names, fmt, arg, sort_by=sort_by, show_secrets=show_secrets,
                           show_managed_fields=show_managed_fields, empty_msg=empty_msg)


def _render_objects(items, obj_names, fmt, arg, *, sort_by, show_secrets, show_managed_fields, empty_msg):
    if sort_by:
        items = _sort(items, sort_by)
    if not show_managed_fields:
        items = [out.strip_managed_fields(i) for i in items]
    if not show_secrets:
        items = [mask_secret(i) for i in items]
    single = len(obj_names) == 1 and len(items) == 1
    data = items[0] if single else out.as_list(items)
    if fmt == "yaml":
        return out.TextResult(out.to_yaml(data).rstrip("\n"), data)
    if fmt == "json":
        return out.TextResult(out.to_json(data), data)
    if fmt == "name":
        lines = [f"{_name_prefix(i)}/{i['metadata']['name']}" for i in items]
        return out.TextResult("\n".join(lines) if lines else empty_msg, lines)
    if fmt == "jsonpath":
        return out.TextResult(JSONPath(arg).render(data), data)
    cols = out.parse_custom_columns(arg)
    rows = [out.custom_column_cells(i, cols) for i in items]
    return make_table([h for h, _ in cols], rows, empty_message=empty_msg, objects=items)


def _name_prefix(obj: dict) -> str:
    group = obj.get("apiVersion", "").rpartition("/")[0]
    kind = obj.get("kind", "").lower()
    return f"{kind}.{group}" if group else kind


def _get_many(s, infos, *, namespace, all_namespaces, selector, field_selector, fmt, arg, show_labels,
              sort_by, show_secrets, show_managed_fields, label_columns=()):
    """Several types at once: one table per non-empty type, or all objects in one List."""
    ns_default = namespace or s.namespace
    query = {"labelSelector": selector, "fieldSelector": field_selector}
    any_namespaced = any(i.namespaced for i in infos)
    empty_msg = _empty_message(any_namespaced and not all_namespaces, ns_default)
    if fmt in (None, "wide"):
        tables = []
        for info in infos:
            ns = ns_default if info.namespaced and not all_namespaces else None
            pages = fetch_table(s, info, ns, [], query, full_objects=bool(sort_by),
                                metadata=_needs_metadata(all_namespaces, show_labels, label_columns))
            t = _table(pages, wide=fmt == "wide", all_namespaces=all_namespaces and info.namespaced,
                       show_labels=show_labels, sort_by=sort_by, empty_message=empty_msg,
                       label_columns=label_columns)
            if len(t):
                t["NAME"] = [f"{info.name_prefix}/{n}" for n in t["NAME"]]
                tables.append((info.full_name, t))
        return MultiTable(tables, empty_msg)
    items = []
    for info in infos:
        ns = ns_default if info.namespaced and not all_namespaces else None
        items += fetch_objects(s, info, ns, [], query)
    return _render_objects(items, [], fmt, arg, sort_by=sort_by, show_secrets=show_secrets,
                           show_managed_fields=show_managed_fields, empty_msg=empty_msg)
