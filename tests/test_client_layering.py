"""Layering: only ``k8slab.client`` (and the engines' own corner) import ``kubernetes``;
its exception types never reach callers of the public API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import k8slab

ROOT = Path(k8slab.__file__).parent
# The cluster engines are their own corner (STYLE.md); everything else goes through k8slab.client.
ALLOWED = ("client", "engine")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_only_the_client_layer_imports_kubernetes():
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
                 if p.relative_to(ROOT).parts[0] not in ALLOWED and "kubernetes" in _imports(p)]
    assert offenders == []


def test_magics_do_not_import_the_client_at_module_level():
    for p in (ROOT / "magics").rglob("*.py"):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        mods = {(n.module or "") for n in top if isinstance(n, ast.ImportFrom)}
        assert not any("client" in m or "api" == m.split(".")[-1] for m in mods), p


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 422, 500, 503])
def test_api_exception_is_translated_never_leaked(status):
    from kubernetes.client.exceptions import ApiException

    from k8slab.client.errors import translate
    from k8slab.errors import ApiError, K8sLabError

    exc = ApiException(status=status, reason="x")  # body= only since client 32: set it after
    exc.body = '{"message": "m"}'
    err = translate(exc)
    assert isinstance(err, ApiError) and isinstance(err, K8sLabError)
    assert not isinstance(err, ApiException) and err.status == status


@pytest.mark.parametrize("name", ["get", "describe", "events", "logs", "explain", "api_resources", "tree", "use"])
def test_public_names_resolve_to_functions(name):
    assert callable(getattr(k8slab, name))
