"""Loading manifests: multi-document text, List kinds, files and directories, and their errors."""

from __future__ import annotations

import pytest

from k8slab.errors import ManifestError
from k8slab.manifest import from_objects, load_paths, load_text

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n"


def test_multi_document_with_empty_documents_and_list():
    text = (CM.format("a") + "---\n# only a comment\n---\n"
            "apiVersion: v1\nkind: List\nitems:\n- " + CM.format("b").replace("\n", "\n  ").rstrip()
            + "\n- " + CM.format("c").replace("\n", "\n  ").rstrip() + "\n")
    ms = load_text(text)
    assert [m.name for m in ms] == ["a", "b", "c"]
    assert [m.where for m in ms] == ["document 1 (cell, line 1)", "document 3, item 1 (cell, line 11)",
                                     "document 3, item 2 (cell, line 15)"]


def test_field_lines_point_at_the_written_field():
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\nspec:\n  selector:\n"
            "    matchLabels: {app: w}\n  template:\n    spec:\n      containers:\n      - name: c\n"
            "        image: nginx\n")
    (m,) = load_text(text)
    assert m.field_line("spec.selector") == 6
    assert m.field_line("spec.template.spec.containers[0].image") == 12
    assert m.field_line("spec.template.metadata.labels") == 8  # not written: its closest parent


def test_syntax_error_names_document_line_column_and_line():
    text = CM.format("a") + "---\n" + CM.format("b") + "data:\n  k: v: w\n"
    with pytest.raises(ManifestError) as exc:
        load_text(text)
    msg = str(exc.value)
    assert msg.startswith("YAML syntax error in document 2 (cell, line 11, column 7)")
    assert "  11 |   k: v: w" in msg
    assert "^" in msg.splitlines()[-1]


def test_unclosed_bracket_points_at_the_last_line():
    with pytest.raises(ManifestError, match=r"line 2, column 9\).*unclosed bracket"):
        load_text("kind: Pod\nfoo: [1,\n")


def test_tab_indentation_hint():
    with pytest.raises(ManifestError, match="tabs"):
        load_text("kind: Pod\nmetadata:\n\tname: x\n")


@pytest.mark.parametrize("text, expected", [
    ("apiVersion: v1\nmetadata: {name: x}\n", "has no kind"),
    ("kind: Pod\nmetadata: {name: x}\n", "(kind Pod) has no apiVersion"),
    ("metadata: {name: x}\n", "has no apiVersion and no kind"),
    ("- a\n- b\n", "found a list"),
    ("just text\n", "found a str"),
    ("apiVersion: v1\nkind: Pod\n", "has no metadata.name"),
    ("apiVersion: v1\nkind: Pod\nmetadata: [x]\n", "metadata must be a mapping"),
    ("apiVersion: 1\nkind: Pod\nmetadata: {name: x}\n", "apiVersion must be a string"),
])
def test_documents_that_are_not_objects(text, expected):
    with pytest.raises(ManifestError) as exc:
        load_text(CM.format("ok") + "---\n" + text)
    assert "document 2" in str(exc.value)
    assert expected in str(exc.value)


def test_load_paths_files_and_sorted_directories(tmp_path):
    d = tmp_path / "m"
    d.mkdir()
    (d / "b.yaml").write_text(CM.format("b"))
    (d / "a.yml").write_text(CM.format("a"))
    (d / "c.json").write_text('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}')
    (d / "notes.txt").write_text("ignored")
    (tmp_path / "x.yaml").write_text(CM.format("x"))
    ms = load_paths([d, tmp_path / "x.yaml"])
    assert [m.name for m in ms] == ["a", "b", "c", "x"]
    assert ms[0].source.endswith("a.yml")


def test_load_paths_errors(tmp_path):
    with pytest.raises(ManifestError, match="no such file or directory"):
        load_paths([tmp_path / "missing.yaml"])
    with pytest.raises(ManifestError, match="has no .yaml"):
        load_paths([tmp_path])
    (tmp_path / "bad.yaml").write_text("a: [\n")
    with pytest.raises(ManifestError, match=r"bad\.yaml, line 1"):
        load_paths([tmp_path / "bad.yaml"])


def test_from_objects():
    ms = from_objects([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}])
    assert ms[0].where == "document 1 (object)"
    with pytest.raises(ManifestError, match=r"document 1 \(object\): the object has no kind"):
        from_objects({"apiVersion": "v1", "metadata": {"name": "a"}})


def test_duplicate_key_is_an_error():
    text = CM.format("a") + "data:\n  k: 1\n  k: 2\n"
    with pytest.raises(ManifestError) as exc:
        load_text(text)
    assert str(exc.value).startswith("document 1 (cell, line 7, column 3): the key 'k' appears twice in data;")
    assert "   7 |   k: 2" in str(exc.value)


def test_field_line_understands_server_side_apply_list_keys():
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: x\n"
            "  - name: c\n    image: x\n    ports:\n    - containerPort: http\n")
    (m,) = load_text(text)
    path = 'spec.containers[name="c"].ports[containerPort="http",protocol="TCP"].containerPort'
    assert m.field_line(path) == 11  # protocol TCP is a server default the YAML leaves out
    assert m.field_line('.spec.containers[name="c"].image') == 9
    assert m.field_line('spec.containers[name="zz"].image') == 5


def test_libyaml_and_pure_python_parsers_read_the_same(monkeypatch):
    from k8slab.manifest import loader

    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {x: 'y'}}\n"
            "data:\n  n: {{ n }}\n  s: \"{{ n }}\"\n  t: |\n    line {{ n }}\n---\n"
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n"
            "  metadata: {name: b}\n  stringData: {k: v}\n")
    fast = load_text(text, variables={"n": 3})
    monkeypatch.setattr(loader, "_FAST_LOADER", None)
    slow = load_text(text, variables={"n": 3})
    assert [(m.obj, m.lines, m.line, m.doc, m.item) for m in fast] == \
           [(m.obj, m.lines, m.line, m.doc, m.item) for m in slow]
    assert fast[0].obj["data"] == {"n": 3, "s": "3", "t": "line 3\n"}


def test_syntax_errors_keep_pyyaml_wording_with_libyaml():
    from k8slab.manifest import loader

    assert loader._FAST_LOADER is not None, "PyYAML without libyaml: apply parses 5-10x slower"
    with pytest.raises(ManifestError) as exc:
        load_text(CM.format("a") + "---\nmetadata:\n  name: a\n   bad: 1\n")
    assert str(exc.value).startswith("YAML syntax error in document 2 (cell, line 8")
    assert "mapping values are not allowed here" in str(exc.value)
