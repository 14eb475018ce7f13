"""Unit tests: kubectl JSONPath templates and custom columns."""

from __future__ import annotations

import pytest

from k8slab.api.output.jsonpath import JSONPath, JSONPathError, relaxed
from k8slab.api.output.formats import custom_column_cells, parse_custom_columns
from k8slab.errors import UsageError

DATA = {"kind": "List", "items": [
    {"metadata": {"name": "a", "labels": {"app.kubernetes.io/name": "web"}}, "status": {"phase": "Running", "restarts": 3},
     "spec": {"containers": [{"name": "app", "image": "nginx"}, {"name": "side", "image": "busybox"}]}},
    {"metadata": {"name": "b"}, "status": {"phase": "Pending", "restarts": 0},
     "spec": {"containers": [{"name": "app", "image": "redis"}]}}]}


@pytest.mark.parametrize("template,expected", [
    ("{.items[*].metadata.name}", "a b"),
    ("{.items[0].metadata.name}", "a"),
    ("{.items[-1].metadata.name}", "b"),
    ("{.items[0:1].metadata.name}", "a"),
    ("{.kind}", "List"),
    ("{$.kind}", "List"),
    ("{.items[*].spec.containers[*].image}", "nginx busybox redis"),
    ("{..image}", "nginx busybox redis"),
    ('{.items[?(@.status.phase=="Running")].metadata.name}', "a"),
    ("{.items[?(@.status.restarts>1)].metadata.name}", "a"),
    ("{.items[?(@.metadata.labels)].metadata.name}", "a"),
    (r"{.items[0].metadata.labels.app\.kubernetes\.io/name}", "web"),
    ("{.items[0].metadata['labels']['app.kubernetes.io/name']}", "web"),
    ('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', "a\tRunning\nb\tPending\n"),
    ("names: {.items[*].metadata.name}!", "names: a b!"),
    ("{.items[1].metadata}", '{"name":"b"}'),
    ("{.missing.key}", ""),
    ("{.items[0,1].metadata.name}", "a b"),
])
def test_templates(template, expected):
    assert JSONPath(template).render(DATA) == expected


@pytest.mark.parametrize("bad", ["{.items[*", "{range .items[*]}{.x}", "{end}", "{.items[?(@.x == foo)]}"])
def test_bad_templates_raise_usage_errors(bad):
    with pytest.raises(JSONPathError):
        JSONPath(bad).render(DATA)
    assert issubclass(JSONPathError, UsageError)


def test_relaxed_forms():
    assert relaxed("metadata.name") == "{.metadata.name}"
    assert relaxed(".metadata.name") == "{.metadata.name}"
    assert relaxed("{.metadata.name}") == "{.metadata.name}"


def test_custom_columns():
    cols = parse_custom_columns("NAME:.metadata.name,IMAGES:.spec.containers[*].image,NODE:.spec.nodeName")
    assert [h for h, _ in cols] == ["NAME", "IMAGES", "NODE"]
    assert custom_column_cells(DATA["items"][0], cols) == ["a", "nginx,busybox", "<none>"]
    with pytest.raises(UsageError, match="HEADER:JSONPATH"):
        parse_custom_columns("NAME")
