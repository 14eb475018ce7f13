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


def _k8slab_imports(path: Path, root: Path = ROOT) -> set[str]:
    """Every k8slab module ``path`` imports, anywhere in the file (function bodies too), absolute."""
    package = ["k8slab", *path.relative_to(root).parts[:-1]]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "k8slab"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] == "k8slab":
                out.add(mod)
                out |= {f"{mod}.{a.name}" for a in node.names}  # `from k8slab import client`
    return out


# layer -> the k8slab packages its modules must never import (STYLE.md: each layer imports only
# the ones below it; widgets and magics reach the cluster through k8slab.api; the client stands
# below the API and apart from the engines; errors and config are for everyone)
FORBIDDEN = {
    "magics": ("k8slab.client", "k8slab.engine"),
    "widgets": ("k8slab.client", "k8slab.engine", "k8slab.magics"),
    "api": ("k8slab.magics", "k8slab.widgets", "k8slab.engine"),
    "client": ("k8slab.api", "k8slab.magics", "k8slab.widgets", "k8slab.engine"),
    "manifest": ("k8slab.client", "k8slab.api", "k8slab.magics", "k8slab.widgets", "k8slab.engine"),
    # the engines are their own corner: below the notebook layers, apart from the client (one exception)
    "engine": ("k8slab.api", "k8slab.magics", "k8slab.widgets", "k8slab.client"),
}
# Inside k8slab.api: sub-package -> the sub-packages it may import. args/ and output/ are the
# ground floor (argument checks, printed forms); the verbs stand on them; the waiting verbs'
# machinery (watch/) is shared by apply/ and write/; generators/ only builds objects for write/.
API_LAYERS = {
    "args": (),
    "output": (),
    "generators": (),
    "watch": ("args", "output"),
    "read": ("args", "output"),
    "apply": ("args", "output", "watch"),
    "write": ("args", "output", "watch", "generators"),
}
# Named exceptions, each with its reason. api/write/addons.py installs an addon from a notebook: an
# engine operation (the same as `k8slab addons` on the command line), reached through the API.
# engine/provisioner.py watches claims and volumes with the client's one list+watch loop
# (k8slab.client.reflector) instead of a loop of its own.
EXCEPTIONS = {"api/write/addons.py": ("k8slab.engine",), "engine/provisioner.py": ("k8slab.client",)}
# the cluster calls of a Session: only the API layer (and the client itself) makes them
REQUESTS = {"request", "request_text", "send", "stream_lines", "watch"}


def _banned(parts: tuple[str, ...]) -> tuple[str, ...]:
    """The k8slab packages a module at ``parts`` (relative to the package root) must not import."""
    banned = FORBIDDEN.get(parts[0], ())
    if parts[0] == "api" and len(parts) > 2:  # a module of an api sub-package
        allowed = API_LAYERS.get(parts[1], ())
        banned += tuple(f"k8slab.api.{sub}" for sub in API_LAYERS if sub not in allowed and sub != parts[1])
    return banned


def layer_violations(root: Path = ROOT) -> list[str]:
    out = []
    for p in sorted(root.rglob("*.py")):
        if "gosrc" in p.parts:
            continue
        layer = p.relative_to(root).parts[0]
        for mod in sorted(_k8slab_imports(p, root)):
            for banned in _banned(p.relative_to(root).parts):
                if banned in EXCEPTIONS.get(p.relative_to(root).as_posix(), ()):
                    continue
                if mod == banned or mod.startswith(banned + "."):
                    out.append(f"{p.relative_to(root)} imports {mod}")
        if layer in ("magics", "widgets"):
            for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in REQUESTS and isinstance(node.func.value, (ast.Attribute, ast.Name))
                        and "session" in ast.unparse(node.func.value).lower()):
                    out.append(f"{p.relative_to(root)}:{node.lineno} calls {ast.unparse(node.func)}()")
    return out


def test_layers_import_only_the_layers_below():
    assert layer_violations() == []


@pytest.mark.parametrize("where, line, found", [
    ("widgets/bad.py", "from k8slab.client.session import current", "widgets/bad.py imports k8slab.client.session"),
    ("widgets/bad.py", "def f(m):\n    return m.session.request('PATCH', '/x')", "widgets/bad.py:2 calls m.session.request()"),
    ("magics/cmd/bad.py", "def run():\n    from ...client import session", "magics/cmd/bad.py imports k8slab.client"),
    ("client/bad.py", "from ..engine.paths import kubeconfig_path", "client/bad.py imports k8slab.engine.paths"),
    ("api/bad.py", "import k8slab.widgets", "api/bad.py imports k8slab.widgets"),
    ("api/output/bad.py", "from k8slab.api.write.scale import scale", "api/output/bad.py imports k8slab.api.write.scale"),
    ("api/read/bad.py", "def f():\n    from ..write import delete", "api/read/bad.py imports k8slab.api.write"),
    ("api/watch/bad.py", "from ..apply import server_side", "api/watch/bad.py imports k8slab.api.apply"),
    ("api/args/bad.py", "import k8slab.api.watch.until", "api/args/bad.py imports k8slab.api.watch.until"),
    ("engine/bad.py", "from k8slab.client.session import current", "engine/bad.py imports k8slab.client.session"),
    ("engine/bad.py", "from ..api.read.get import get", "engine/bad.py imports k8slab.api.read.get"),
])
def test_the_layering_check_fails_on_an_injected_violation(tmp_path, where, line, found):
    import shutil

    root = tmp_path / "k8slab"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "gosrc", "images", "stages"))
    assert layer_violations(root) == []
    bad = root / where
    bad.write_text(line + "\n", encoding="utf-8")
    assert found in layer_violations(root)


def test_the_layering_check_fails_when_a_forbidden_import_is_added_to_a_real_module(tmp_path):
    """Not only new files: one line added to a real module of the widgets is reported."""
    import shutil

    root = tmp_path / "k8slab"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "gosrc", "images", "stages"))
    target = root / "widgets" / "scale_model.py"
    target.write_text(target.read_text(encoding="utf-8") + "\nfrom k8slab.client.reflector import Reflector\n",
                      encoding="utf-8")
    assert "widgets/scale_model.py imports k8slab.client.reflector" in layer_violations(root)


def test_every_api_sub_package_has_its_place_in_the_layers():
    """A new sub-package of k8slab.api must be placed in API_LAYERS, or its imports go unchecked."""
    subs = {p.name for p in (ROOT / "api").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert subs == set(API_LAYERS)
    assert {f.name for f in (ROOT / "api").glob("*.py")} == {"__init__.py", "context.py"}  # no flat room again


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
