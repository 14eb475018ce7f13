"""Unit tests of get's pure parts: argument forms, output formats, masking, YAML shape, row shaping."""

from __future__ import annotations

import pytest

from k8slab.api.read import get as G
from k8slab.api.output.formats import strip_managed_fields, to_yaml
from k8slab.api.output.secrets import mask_secret
from k8slab.errors import UsageError


def test_type_and_names_forms():
    assert G.split_type_names("deploy/web", ()) == ("deploy", ["web"])
    assert G.split_type_names("deploy/web", ("deploy/api",)) == ("deploy", ["web", "api"])
    assert G.split_type_names("po", ("a", "b")) == ("po", ["a", "b"])
    with pytest.raises(UsageError, match="One resource type"):
        G.split_type_names("deploy/web", ("svc/web",))
    with pytest.raises(UsageError, match="not both"):
        G.split_type_names("deploy", ("svc/web",))
    with pytest.raises(UsageError, match="name is empty"):
        G.split_type_names("deploy", ("",))
    with pytest.raises(UsageError, match="not TYPE/NAME"):
        G.split_type_names("deploy/", ())


def test_output_formats():
    assert G.parse_output(None) == (None, None)
    assert G.parse_output("jsonpath={.a}") == ("jsonpath", "{.a}")
    assert G.parse_output("custom-columns=N:.a") == ("custom-columns", "N:.a")
    with pytest.raises(UsageError, match='output format "yml"'):
        G.parse_output("yml")
    with pytest.raises(UsageError, match="needs a template"):
        G.parse_output("jsonpath")


def test_mask_secret_hides_values_and_keeps_keys():
    obj = {"kind": "Secret", "metadata": {"name": "s", "annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"pw":"c2VjcmV0"}}'}},
           "data": {"pw": "c2VjcmV0"}, "stringData": {"token": "abc"}}
    masked = mask_secret({"kind": "List", "items": [obj, {"kind": "ConfigMap", "data": {"a": "b"}}]})
    sec = masked["items"][0]
    assert sec["data"] == {"pw": "<hidden: 6 bytes>"} and sec["stringData"] == {"token": "<hidden: 3 bytes>"}
    assert "c2VjcmV0" not in str(masked)
    assert masked["items"][1]["data"] == {"a": "b"}
    assert obj["data"]["pw"] == "c2VjcmV0"  # the input is untouched


def test_yaml_like_kubectl():
    text = to_yaml({"metadata": {"name": "x"}, "apiVersion": "v1", "data": {"f": "a\nb\n"}, "items": [1]})
    assert text == "apiVersion: v1\ndata:\n  f: |\n    a\n    b\nitems:\n- 1\nmetadata:\n  name: x\n"


def test_managed_fields_dropped():
    obj = {"metadata": {"name": "x", "managedFields": [{"manager": "k"}]}}
    assert strip_managed_fields({"items": [obj]}) == {"items": [{"metadata": {"name": "x"}}]}


def _table_page(rows):
    return {"kind": "Table", "columnDefinitions": [
        {"name": "Name", "type": "string", "priority": 0}, {"name": "Status", "type": "string", "priority": 0},
        {"name": "Age", "type": "string", "priority": 0}, {"name": "IP", "type": "string", "priority": 1}],
        "rows": rows}


def _row(name, status, ns="lab", labels=None, ts="2020-01-01T00:00:00Z"):
    return {"cells": [name, status, "5m", "10.0.0.1"],
            "object": {"metadata": {"name": name, "namespace": ns, "labels": labels or {}, "creationTimestamp": ts}}}


def test_table_shaping_wide_namespace_labels():
    pages = [_table_page([_row("b", "Running", labels={"app": "web", "a": "1"})]), _table_page([_row("a", "Pending")])]
    df = G._table(pages, wide=False, all_namespaces=False, show_labels=False, sort_by=None, empty_message="x")
    assert list(df.columns) == ["NAME", "STATUS", "AGE"] and list(df.NAME) == ["b", "a"]
    assert df.AGE.iloc[0].startswith("6y")  # recomputed from creationTimestamp, not the server cell "5m"
    df = G._table(pages, wide=True, all_namespaces=True, show_labels=True, sort_by=".metadata.name",
                  empty_message="x")
    assert list(df.columns) == ["NAMESPACE", "NAME", "STATUS", "AGE", "IP", "LABELS"]
    assert list(df.NAME) == ["a", "b"] and list(df.LABELS) == ["<none>", "a=1,app=web"]


def test_empty_messages():
    assert G._empty_message(True, "lab") == "No resources found in lab namespace."
    assert G._empty_message(False, None) == "No resources found"
