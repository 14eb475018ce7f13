"""Load Kubernetes objects from YAML text, files and directories, keeping where each came from."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from k8slab.errors import ManifestError
from k8slab.manifest import guard, template
from k8slab.manifest.loaders import FastLoader, SlowLoader
from k8slab.manifest.location import Location, snippet

SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class Manifest:
    """One Kubernetes object to send, and where it was written.

    Attributes:
        obj: The object as a dict (after templating).
        source: ``"cell"``, a file path, or ``"object"`` for dicts passed from Python.
        doc: 1-based number of the YAML document in ``source``.
        line: 1-based line where the object starts.
        item: 1-based index inside a ``List`` document, else None.
        lines: Field path (``spec.template.spec.containers[0].image``) -> line.
    """

    obj: dict
    source: str = "object"
    doc: int = 1
    line: int = 0
    item: int | None = None
    lines: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def where(self) -> str:
        """Human location: ``document 2 (cell, line 5)``, ``document 1, item 3 (web.yaml, line 9)``."""
        item = f", item {self.item}" if self.item else ""
        line = f", line {self.line}" if self.line else ""
        return f"document {self.doc}{item} ({self.source}{line})"

    @property
    def api_version(self) -> str:
        return self.obj.get("apiVersion", "")

    @property
    def kind(self) -> str:
        return self.obj.get("kind", "")

    @property
    def name(self) -> str:
        return (self.obj.get("metadata") or {}).get("name", "")

    @property
    def namespace(self) -> str | None:
        return (self.obj.get("metadata") or {}).get("namespace")

    def field_line(self, path: str) -> int | None:
        """Line of a field path as the API reports it, or of its closest written parent.

        Server-side apply names list items by key (``containers[name="app"]``); those
        are matched against the object to find the item's index.
        """
        path = _index_path(self.obj, path.lstrip("."))
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                break
            path = path[:cut]
        return None


_ASSOC = re.compile(r'\[((?:[\w.-]+=(?:"[^"]*"|[^,\]]*),?)+)\]')


def _index_path(obj: object, path: str) -> str:
    """``spec.containers[name="app"].image`` -> ``spec.containers[0].image`` using ``obj``."""
    if "=" not in path:
        return path
    out, node = "", obj
    for token in re.finditer(r'\.?([^.\[]+)|(\[[^\]]*\])', path):
        name, bracket = token.group(1), token.group(2)
        if name is not None:
            out += ("." if out else "") + name
            node = node.get(name) if isinstance(node, dict) else None
            continue
        keyed = _ASSOC.fullmatch(bracket)
        if keyed and isinstance(node, list):
            want = dict(kv.split("=", 1) for kv in re.findall(r'[\w.-]+=(?:"[^"]*"|[^,\]]*)', keyed.group(1)))
            want = {k: v.strip('"') for k, v in want.items()}
            # keys the YAML leaves out (protocol: TCP) were defaulted by the server: ignore them
            index = next((i for i, item in enumerate(node) if isinstance(item, dict)
                          and any(k in item for k in want)
                          and all(str(item[k]) == v for k, v in want.items() if k in item)), None)
            if index is None:
                return out
            out += f"[{index}]"
            node = node[index]
        else:
            out += bracket
            try:
                node = node[int(bracket[1:-1])] if isinstance(node, list) else None
            except ValueError:
                node = None
    return out


def load_text(text: str, *, source: str = "cell", variables: Mapping | None = None) -> list[Manifest]:
    """Parse one or more YAML documents (``---``), expanding ``List`` kinds.

    Args:
        text: YAML or JSON text.
        source: Name used in error messages (``cell`` or a path).
        variables: Values for ``{{ name }}`` placeholders; None means none are defined.

    Returns:
        One :class:`Manifest` per object, in order. Empty documents are skipped.

    Raises:
        ManifestError: YAML syntax error, or a document that is not a Kubernetes object.
        TemplateError: A placeholder names an undefined variable or an unusable value.

    Example:
        >>> [m.name for m in load_text("kind: Pod\\napiVersion: v1\\nmetadata: {name: a}")]
        ['a']
    """
    text = guard.check_text(text, source)
    if _FAST_LOADER is not None:
        try:
            return _load(text, source, variables, _FAST_LOADER)
        except yaml.YAMLError as exc:
            if "maximum nesting depth" in str(exc):  # libyaml's own limit (1,000 levels)
                raise guard.deep_error(source, _doc_at(text, exc)) from None
            # read it again with PyYAML's own parser, whose messages the errors below are made of
    try:
        return _load(text, source, variables, SlowLoader)
    except RecursionError:  # PyYAML's composer recurses: a few hundred levels are its limit
        raise guard.deep_error(source, 1) from None


_HUGE = re.compile(r"[eE][-+]?\d{3}")  # 1.0e+400 reads as infinity

# libyaml's parser, when PyYAML was built with it: 50 objects parse in ~5 ms instead of ~80 ms
_FAST_LOADER = FastLoader


def _doc_at(text: str, exc: yaml.YAMLError) -> int:
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return 1
    head = "\n".join(text.splitlines()[:mark.line])
    return max(1, len(re.findall(r"^---", head, re.M)) + (0 if text.startswith("---") else 1))


def _load(text: str, source: str, variables: Mapping | None, loader_class) -> list[Manifest]:
    protected, placeholders = template.protect(text)
    loader = loader_class(protected)
    renderer = template.Renderer(text, placeholders, variables, source, loader) if placeholders else None
    fast = loader_class is _FAST_LOADER
    # cheap looks at the text spare two walks over every node of ordinary manifests:
    # only anchors make nodes shared, and only tags, .nan/.inf or {{ }} values make non-JSON values
    anchors = "&" in text
    lowered = text.lower()
    values = (bool(placeholders) or "!" in text or ".nan" in lowered or ".inf" in lowered
              or _HUGE.search(text) is not None)
    out: list[Manifest] = []
    doc = 0
    try:
        while True:
            doc += 1
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
            except yaml.MarkedYAMLError as exc:
                if fast:
                    raise
                raise _syntax_error(exc, text, source, doc) from None
            if node is None:
                continue
            guard.check_node(node, text, source, doc, shared=anchors)
            if renderer:
                node = renderer.render(node, doc)
                guard.check_node(node, text, source, doc)  # values put in may be deep or circular
            try:
                data = loader.construct_document(node)
            except yaml.MarkedYAMLError as exc:
                if fast:
                    raise
                raise _syntax_error(exc, text, source, doc) from None
            if data is None:
                continue
            out.extend(_objects(data, node, text, source, doc, values=values))
    finally:
        loader.dispose()
    return out


def load_paths(paths: Iterable[str | os.PathLike], *, variables: Mapping | None = None) -> list[Manifest]:
    """Load files and directories (their ``*.yaml``/``*.yml``/``*.json`` files, sorted, not recursive)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not isinstance(paths, Iterable) or isinstance(paths, (bytes, Mapping)):
        raise ManifestError(f"files: expected a path or a list of paths, got a {type(paths).__name__}"
                            f" ({paths!r:.40}).")
    paths = list(paths)
    for path in paths:
        if not isinstance(path, (str, os.PathLike)):
            raise ManifestError(f"files: {path!r:.40} is a {type(path).__name__}, not a path (a str).")
    out: list[Manifest] = []
    for path in paths:
        p = Path(path).expanduser()
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix in SUFFIXES)
            if not files:
                raise ManifestError(f"{p}: the directory has no .yaml, .yml or .json files.")
        elif p.is_file():
            files = [p]
        elif p.exists():
            raise ManifestError(f"{p}: not a file or a directory (a device or a pipe); give a YAML file.")
        else:
            raise ManifestError(f"{p}: no such file or directory (relative paths start at {Path.cwd()}).")
        for f in files:
            try:
                size = f.stat().st_size
            except OSError as exc:
                raise ManifestError(f"{f}: cannot read it: {exc}") from None
            if size > 4 * guard.MAX_CHARS:  # refused before it is read into memory
                raise ManifestError(f"{f}: the file is {size / 2**20:.0f} MiB; k8slab reads at most"
                                    f" {guard.MAX_CHARS // 2**20} MiB of YAML at once. Is it the right file?")
            try:
                text = f.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ManifestError(f"{f}: cannot read it: {exc}") from None
            out.extend(load_text(text, source=str(f), variables=variables))
    return out


def from_objects(objs: Mapping | Iterable[Mapping]) -> list[Manifest]:
    """Wrap dicts passed from Python (one, or a list) as manifests, checking each is an object."""
    if isinstance(objs, Mapping):
        objs = [objs]
    if isinstance(objs, (str, bytes)) or not isinstance(objs, Iterable):
        raise ManifestError(f"expected YAML text, an object dict or a list of them, got a {type(objs).__name__}"
                            f" ({objs!r:.40}).")
    out = []
    for i, obj in enumerate(objs, 1):
        if not isinstance(obj, Mapping):
            raise ManifestError(f"object {i} is a {type(obj).__name__}, not a dict with apiVersion and kind.")
        out.extend(_objects(dict(obj), None, "", "object", i))
    return out


def _objects(data: object, node: yaml.Node | None, text: str, source: str, doc: int, *,
             values: bool = True) -> list[Manifest]:
    line = node.start_mark.line + 1 if node is not None else 0
    where = Location(source, doc, line) if line else f"object {doc}"
    if not isinstance(data, dict):
        kind = "list" if isinstance(data, list) else type(data).__name__
        raise ManifestError(f"{where}: expected a Kubernetes object (a mapping with apiVersion and kind),"
                            f" found a {kind}.\n{snippet(text, line)}".rstrip())
    try:
        lines = _field_lines(node) if node is not None else {}
    except _Duplicate as dup:
        inside = f" in {dup.path}" if dup.path else ""
        raise ManifestError(f"{Location(source, doc, dup.line, dup.column)}: the key {dup.key!r} appears twice"
                            f"{inside}; YAML keeps only the last one, so one of them is a mistake.\n"
                            + snippet(text, dup.line, dup.column)) from None
    kind = data.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in data:
        items = data.get("items") or []
        if not isinstance(items, list):
            raise ManifestError(f"{where}: {kind}.items must be a list of objects.")
        out = []
        for i, item in enumerate(items, 1):
            prefix = f"items[{i - 1}]"
            sub = {k[len(prefix) + 1:]: v for k, v in lines.items() if k.startswith(prefix + ".")}
            m = Manifest(item, source, doc, lines.get(prefix, line), i, sub)
            _check(m, text, values)
            out.append(m)
        return out
    m = Manifest(data, source, doc, line, None, lines)
    _check(m, text, values)
    return [m]


def _check(m: Manifest, text: str, values: bool = True) -> None:
    if not isinstance(m.obj, dict):
        raise ManifestError(f"{m.where}: expected a Kubernetes object, found a {type(m.obj).__name__}.")
    missing = [k for k in ("apiVersion", "kind") if not m.obj.get(k)]
    if missing:
        have = f" (kind {m.kind})" if m.kind else ""
        raise ManifestError((
            f"{m.where}: the object{have} has no {' and no '.join(missing)}. Every object needs both,"
            " e.g. `apiVersion: apps/v1` and `kind: Deployment` (%k8s api-resources lists them).\n"
            + snippet(text, m.line)).rstrip())
    for key in ("apiVersion", "kind"):
        if not isinstance(m.obj[key], str):
            raise ManifestError(f"{m.where}: {key} must be a string, found {m.obj[key]!r:.60}.")
    meta = m.obj.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise ManifestError(f"{m.where}: metadata must be a mapping, found {type(meta).__name__}.")
    for key in ("name", "namespace", "generateName"):
        value = (meta or {}).get(key)
        if value is not None and not isinstance(value, str):
            line = m.field_line(f"metadata.{key}")
            at = f" (line {line})" if line and m.source != "object" else ""
            raise ManifestError(f"{m.where}: metadata.{key}{at} must be a string, found a"
                                f" {type(value).__name__} ({value!r:.60}); quote it if it is a number.")
    if values:
        guard.check_data(m.obj, m.where, m.field_line if m.lines else None)
    if not m.name and not (meta or {}).get("generateName"):
        raise ManifestError(f"{m.where}: the {m.kind} has no metadata.name: give it one"
                            " (or metadata.generateName, which only create takes).")


class _Duplicate(Exception):
    def __init__(self, key: str, path: str, line: int, column: int):
        super().__init__(key)
        self.key, self.path, self.line, self.column = key, path, line, column


def _duplicate(k: yaml.ScalarNode, path: str) -> _Duplicate:
    return _Duplicate(k.value, path, k.start_mark.line + 1, k.start_mark.column + 1)


def _field_lines(node: yaml.Node) -> dict[str, int]:
    lines: dict[str, int] = {}

    def walk(n: yaml.Node, path: str, depth: int) -> None:
        if depth > 40:
            return
        if isinstance(n, yaml.MappingNode):
            keys: set[str] = set()
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in keys and k.value != "<<":
                        raise _duplicate(k, path)
                    keys.add(k.value)
                    sub = f"{path}.{k.value}" if path else str(k.value)
                    lines[sub] = k.start_mark.line + 1
                    walk(v, sub, depth + 1)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                sub = f"{path}[{i}]"
                lines[sub] = v.start_mark.line + 1
                walk(v, sub, depth + 1)

    walk(node, "", 0)
    return lines


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, source: str, doc: int) -> ManifestError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    if "could not determine a constructor for the tag" in problem:
        tag = problem.rsplit("tag ", 1)[-1].strip("'").replace("tag:yaml.org,2002:", "!!")
        problem = (f"the tag {tag} has no meaning in a Kubernetes manifest (k8slab reads plain YAML:"
                   " no Python objects); remove the tag")
    if mark is None:
        return ManifestError(f"YAML syntax error in document {doc} ({source}): {problem}")
    lines = text.splitlines()
    line_no, column = mark.line + 1, mark.column + 1
    if line_no > len(lines) or not lines[line_no - 1].strip():  # at the end: show the last written line
        line_no = max((i for i, ln in enumerate(lines[:line_no], 1) if ln.strip()), default=1)
        column = len(lines[line_no - 1]) + 1 if lines else 1
        problem += " (the document ends before it is complete: an unclosed bracket or quote?)"
    where = Location(source, doc, line_no, column)
    message = f"YAML syntax error in {where}: {problem}"
    if exc.context and exc.problem and exc.context_mark and exc.context_mark.line != mark.line:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    message += "\n" + snippet(text, line_no, column)
    line = lines[line_no - 1] if lines else ""
    if "\t" in line[:column]:
        message += "\nYAML does not allow tabs for indentation: use spaces."
    elif "{{" in line:
        message += "\n{{ }} placeholders take a Python name, e.g. {{ replicas }}."
    return ManifestError(message)
