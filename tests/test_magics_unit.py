"""The extension in a real in-process IPython shell, without a cluster: loading, parsing, help, errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output


@pytest.fixture(scope="module")
def ip():
    from _k8s_objects import shell

    return shell()


def test_load_ext_is_cheap_and_lazy():
    code = ("import time, sys\nfrom IPython.core.interactiveshell import InteractiveShell\n"
            "ip = InteractiveShell.instance()\nt = time.perf_counter()\nip.run_line_magic('load_ext', 'k8slab')\n"
            "dt = time.perf_counter() - t\n"
            "print(dt, 'kubernetes' in sys.modules, 'pandas' in sys.modules, 'k8s' in ip.magics_manager.magics['line'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    dt, kube, pandas, registered = out.stdout.split()
    assert (kube, pandas, registered) == ("False", "False", "True")
    assert float(dt) < 0.1, f"%load_ext took {float(dt) * 1000:.0f} ms"


def test_help_lists_verbs(ip):
    with capture_output() as cap:
        ip.run_line_magic("k8s", "help")
    for verb in ("get", "describe", "apply", "api-resources", "tree", "use"):
        assert f"\n  {verb} " in cap.stdout


def test_help_verb_shows_usage_and_examples(ip):
    with capture_output() as cap:
        ip.run_line_magic("k8s", "help get")
    assert "usage: %k8s get" in cap.stdout and "Examples:" in cap.stdout and "--sort-by" in cap.stdout


def test_dash_h_prints_help_without_error(ip):
    with capture_output() as cap:
        result = ip.run_line_magic("k8s", "get -h")
    assert result is None and "usage: %k8s get" in cap.stdout


def test_unknown_verb_suggests_closest(ip):
    with pytest.raises(UsageError, match="unknown verb 'gett'. Did you mean 'get'"):
        ip.run_line_magic("k8s", "gett pods")


def test_unknown_flag_shows_the_verbs_usage(ip):
    with pytest.raises(UsageError) as info:
        ip.run_line_magic("k8s", "get pods --bogus")
    msg = str(info.value)
    assert "unrecognized arguments: --bogus" in msg and "usage: %k8s get" in msg


def test_bad_quotes_are_a_usage_error(ip):
    with pytest.raises(UsageError, match="quotes"):
        ip.run_line_magic("k8s", "get pods -o jsonpath='{.items")


def test_bad_output_format_is_a_usage_error(ip):
    with pytest.raises(UsageError, match='output format "yml"'):
        ip.run_line_magic("k8s", "get pods -o yml")


def test_no_variable_expansion(ip):
    from k8slab.magics.magic import K8sMagics

    assert getattr(K8sMagics.k8s, "_ipython_magic_no_var_expand", False)


def test_docstring_has_examples(ip):
    doc = ip.find_line_magic("k8s").__doc__
    assert "Examples::" in doc and "%k8s get pods" in doc and "%%k8s apply" in doc


def _completions(ip, line):
    from IPython.core.completer import provisionalcompleter

    with provisionalcompleter():
        return [(c.start, c.text) for c in ip.Completer.completions(line, len(line))]


def test_verb_and_flag_completion_suppresses_python_names(ip):
    assert sorted(_completions(ip, "%k8s de")) == [(5, "delete"), (5, "describe")]
    assert (12, "--show-labels") in _completions(ip, "%k8s get -A --sh")
    assert _completions(ip, "pods = %k8s get --sort") == [(16, "--sort-by")]
    assert _completions(ip, "%%k8s app") == [(6, "apply")]
    assert "describe" in ip.complete("", "%k8s des", 8)[1]  # the legacy API too


def test_subcommand_completion(ip):
    assert _completions(ip, "%k8s set im") == [(9, "image")]
    assert _completions(ip, "%k8s rollout und") == [(13, "undo")]
    assert (5, "annotate") in _completions(ip, "%k8s an")
    assert _completions(ip, "%k8s taint no") == [(11, "nodes")]


def test_config_traitlet(ip):
    from k8slab.magics.magic import K8sMagics

    magics = ip.magics_manager.registry["K8sMagics"]
    assert K8sMagics.namespace.metadata.get("config") is True
    assert magics.max_rows == 60


def test_max_rows_config_reaches_tables(ip):
    from k8slab.api.output import table

    ip.run_line_magic("config", "K8sMagics.max_rows = 5")
    try:
        df = table.make_table(["NAME"], [[f"p{i}"] for i in range(8)])
        assert repr(df).splitlines()[-1] == "… 3 more rows"
    finally:
        ip.run_line_magic("config", "K8sMagics.max_rows = 60")
    assert table.MAX_ROWS == 60


def test_unreachable_cluster_is_a_short_usage_error(ip, tmp_path, monkeypatch):
    import socket

    import yaml

    from k8slab.client import session as S

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    cfg = tmp_path / "kubeconfig"
    cfg.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "kwok-k8slab",
        "clusters": [{"name": "c", "cluster": {"server": f"https://127.0.0.1:{port}", "insecure-skip-tls-verify": True}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "kwok-k8slab", "context": {"cluster": "c", "user": "u"}}]}))
    monkeypatch.setenv("K8SLAB_KUBECONFIG", str(cfg))
    S.reset()
    try:
        with pytest.raises(UsageError) as info:
            ip.run_line_magic("k8s", "get pods")
        msg = str(info.value)
        assert f"127.0.0.1:{port}" in msg and "k8slab up" in msg and len(msg.splitlines()) <= 3
    finally:
        S.reset()


@pytest.mark.parametrize("line,kept", [
    ("uncordon k8slab-worker  # in case", "uncordon k8slab-worker  "),
    ("get pods #", "get pods "),
    ("# only a comment", ""),
    ("label pod/x note=a#b", "label pod/x note=a#b"),
    ("get pods -o jsonpath='{.a} #{.b}'", "get pods -o jsonpath='{.a} #{.b}'"),
    ('annotate pod/x "n=a # b" # why', 'annotate pod/x "n=a # b" '),
    ("get pods \\#x", "get pods \\#x"),
])
def test_a_trailing_comment_is_dropped_as_a_shell_would(line, kept):
    from k8slab.magics.parser import strip_comment

    assert strip_comment(line) == kept
