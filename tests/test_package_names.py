"""``k8slab.<TAB>`` lists the verbs before first use, and listing them imports nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys

import k8slab

VERBS = {"get", "apply", "create", "delete", "describe", "logs", "exec", "scale", "rollout", "wait", "check",
         "label", "annotate", "patch", "set_image", "explain", "api_resources", "use", "events", "version"}


def test_dir_and_all_list_the_verbs_in_a_fresh_process():
    code = ("import sys, json, k8slab; d = dir(k8slab); a = list(k8slab.__all__);"
            "heavy = sorted(m for m in ('kubernetes', 'pandas', 'yaml', 'k8slab.api.read.get', 'k8slab.client.session')"
            " if m in sys.modules); print(json.dumps([d, a, heavy]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    names, all_, heavy = json.loads(out)
    assert VERBS <= set(names) and VERBS <= set(all_)
    assert "load_ipython_extension" in names and "__version__" in names
    assert heavy == []  # listing is free: the modules load on first use


def test_every_listed_name_resolves():
    for name in k8slab.__all__:
        assert callable(getattr(k8slab, name)), name


def test_ipython_completes_the_verbs():
    from IPython.core.completer import provisionalcompleter
    from _k8s_objects import shell

    ip = shell()
    ip.user_ns["k8slab"] = k8slab
    with provisionalcompleter():
        found = {c.text for c in ip.Completer.completions("k8slab.ap", len("k8slab.ap"))}
    assert {"apply", "api_resources"} <= found  # completion texts are the attribute names
