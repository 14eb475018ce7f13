"""The README's "Python API reference" is generated from the public functions: it must match them."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import pytest

import k8slab
from k8slab import errors

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("api_reference", ROOT / "tools" / "api_reference.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _section() -> str:
    tool = _tool()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert tool.START in readme and tool.END in readme
    return tool.START + readme.split(tool.START, 1)[1].split(tool.END, 1)[0] + tool.END + "\n"


def test_the_readme_reference_is_what_the_docstrings_generate():
    assert _section() == _tool().render(), "run: python tools/api_reference.py --write"


@pytest.mark.parametrize("name", k8slab.__all__)
def test_every_public_function_is_documented_with_an_example(name):
    section = _section()
    assert f"#### `k8slab.{name}`\n" in section
    doc = inspect.getdoc(getattr(k8slab, name)) or ""
    _, found = _tool().sections(doc)
    assert found.get("Example"), f"k8slab.{name} has no Example section"
    assert inspect.signature(inspect.unwrap(getattr(k8slab, name))).return_annotation is not inspect.Signature.empty


def test_every_error_class_is_in_the_reference():
    section = _section()
    for cls in vars(errors).values():
        if isinstance(cls, type) and issubclass(cls, errors.K8sLabError):
            assert f"{cls.__name__}: " in section, cls


def test_a_changed_docstring_makes_the_check_fail(monkeypatch):
    """Shown once: the comparison is not vacuous."""
    tool = _tool()
    fn = k8slab.tree
    monkeypatch.setattr(fn, "__doc__", fn.__doc__.replace("Show what an object owns", "Show what an object holds"))
    assert _section() != tool.render()


def test_the_sections_parser_reads_google_style():
    description, found = _tool().sections("Do it.\n\nArgs:\n    x: one\n        more\n\nRaises:\n"
                                          "    UsageError: bad x.\n\nAfter the sections.\n")
    assert description[0] == "Do it." and "After the sections." in description
    assert found["Args"][:2] == ["x: one", "    more"] and found["Raises"][0] == "UsageError: bad x."
