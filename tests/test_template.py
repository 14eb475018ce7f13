"""``{{ name }}`` templating: typed values, strings, and values that try to inject YAML structure."""

from __future__ import annotations

import pytest

from k8slab.errors import TemplateError
from k8slab.manifest import load_text

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
  - name: c
    image: {image}
"""


def pod(name="p", image="nginx", **variables):
    (m,) = load_text(POD.format(name=name, image=image), variables=variables)
    return m.obj


def test_whole_value_keeps_its_python_type():
    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  replicas: {{ n }}\n  paused: {{ p }}\n"
    (m,) = load_text(text, variables={"n": 3, "p": False})
    assert m.obj["spec"] == {"replicas": 3, "paused": False}


def test_string_that_looks_like_a_number_stays_a_string():
    obj = pod(image="{{ tag }}", tag="1.20")
    assert obj["spec"]["containers"][0]["image"] == "1.20"


def test_placeholder_inside_a_plain_string():
    obj = pod(name="web-{{ i }}", image="nginx:{{ tag }}", i=2, tag="1.27")
    assert obj["metadata"]["name"] == "web-2"
    assert obj["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_list_and_dict_values_become_yaml_nodes():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {{ labels }}\ndata: {{ data }}\n"
    (m,) = load_text(text, variables={"labels": {"app": "web"}, "data": {"k": "v"}})
    assert m.obj["metadata"]["labels"] == {"app": "web"}
    assert m.obj["data"] == {"k": "v"}


@pytest.mark.parametrize("evil", [
    "web\nspec:\n  replicas: 100",
    "web\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: stolen}",
    "x: y",
    "{a: 1}",
    "[1, 2]",
    "' \" # comment",
    "&anchor *alias !!binary",
])
def test_a_value_cannot_inject_yaml_structure(evil):
    text = POD.format(name="{{ evil }}", image="img") + "  restartPolicy: Never\n"
    ms = load_text(text, variables={"evil": evil})
    assert len(ms) == 1
    assert ms[0].obj["metadata"] == {"name": evil}
    assert set(ms[0].obj) == {"apiVersion", "kind", "metadata", "spec"}
    assert set(ms[0].obj["spec"]) == {"containers", "restartPolicy"}


def test_injection_inside_a_quoted_or_longer_string_stays_text():
    text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: "pre-{{ v }}"\n  b: pre-{{ v }}\n'
    (m,) = load_text(text, variables={"v": "x\"\nkind: Secret"})
    assert m.obj["data"] == {"a": "pre-x\"\nkind: Secret", "b": "pre-x\"\nkind: Secret"}
    assert m.obj["kind"] == "ConfigMap"


def test_quoted_placeholder_makes_a_string():
    text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  port: "{{ port }}"\n'
    (m,) = load_text(text, variables={"port": 8080})
    assert m.obj["data"]["port"] == "8080"


def test_block_scalar_placeholder():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  s: |\n    echo {{ msg }}\n    done\n"
    (m,) = load_text(text, variables={"msg": "hi: there"})
    assert m.obj["data"]["s"] == "echo hi: there\ndone\n"


def test_dotted_lookup_of_keys_and_attributes():
    class Cfg:
        replicas = 4

    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: '{{ d.name }}'}\nspec: {replicas: {{ cfg.replicas }}}\n"
    (m,) = load_text(text, variables={"cfg": Cfg(), "d": {"name": "w"}})
    assert m.obj["metadata"]["name"] == "w"
    assert m.obj["spec"]["replicas"] == 4


def test_undefined_name_is_an_error_with_location_and_hint():
    with pytest.raises(TemplateError) as exc:
        pod(image="nginx:{{ tagg }}", tag="1.27")
    msg = str(exc.value)
    assert "name 'tagg' is not defined" in msg
    assert "document 1 (cell, line 8, column 18)" in msg
    assert "Did you mean {{ tag }}?" in msg
    assert "image: nginx:{{ tagg }}" in msg


def test_undefined_without_any_variables():
    with pytest.raises(TemplateError, match="'n' is not defined"):
        load_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: '{{ n }}'}\n")


def test_placeholder_in_a_comment_is_ignored():
    text = "# uses {{ nothing }}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}  # {{ nope }}\n"
    (m,) = load_text(text)
    assert m.name == "c"


def test_non_name_braces_and_shell_syntax_are_left_alone():
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n"
            "  helm: '{{ .Values.x }}'\n  shell: 'echo $(VAR) ${HOME} {x} $y'\n")
    (m,) = load_text(text, variables={"x": "X", "y": "Y", "VAR": "V"})
    assert m.obj["data"] == {"helm": "{{ .Values.x }}", "shell": "echo $(VAR) ${HOME} {x} $y"}


def test_dict_inside_a_string_is_an_error():
    with pytest.raises(TemplateError, match="is a dict inside a string"):
        pod(name="web-{{ d }}", d={"a": 1})


def test_unrepresentable_value_is_an_error():
    with pytest.raises(TemplateError, match="has no YAML form"):
        pod(image="{{ o }}", o=object())


def test_columns_stay_exact_after_a_placeholder():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: '{{ n }}'}\ndata: {a: {{ n }}: b}\n"
    with pytest.raises(Exception) as exc:
        load_text(text, variables={"n": "x"})
    assert "line 4, column 18" in str(exc.value)
