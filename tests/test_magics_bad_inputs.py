"""Every bad input to the read verbs is a short IPython UsageError (no traceback), never another exception."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from _k8s_objects import pin_lab_context, shell

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def ip(cluster):
    pin_lab_context()
    return shell()


@pytest.mark.parametrize("line,expected", [
    ("get", "required"),
    ("get pods -o yml", 'output format "yml"'),
    ("get pods -o jsonpath={.items[", "unclosed"),
    ("get pods -o custom-columns=NAME", "HEADER:JSONPATH"),
    ("get pods --sort-by={.items[", "unclosed"),
    ("get deploymnet", 'did you mean "deployment"'),
    ("get pod nope", 'pods "nope" not found'),
    ("get pod ''", "name is empty"),
    ("get pod/", "not TYPE/NAME"),
    ("get pods,svc web", "one resource type"),
    ("get pods -l 'a in (b'", "Error from server (BadRequest)"),
    ("get pods --field-selector bogus.field=x", "Error from server (BadRequest)"),
    ("get pods -A web", "--all-namespaces"),
    ("describe deploy nope", 'deployments.apps "nope" not found'),
    ("describe", "required"),
    ("logs nope", 'pods "nope" not found'),
    ("logs pod/", "not POD or TYPE/NAME"),
    ("logs --tail x web", "invalid int value"),
    ("explain deploy.spec.nope", 'field "nope" does not exist'),
    ("explain nothing", 'resource type "nothing"'),
    ("tree deploy", "TYPE/NAME"),
    ("tree deploy/nope", 'deployments.apps "nope" not found'),
    ("events pod", "not TYPE/NAME"),
    ("use --context nope", "not defined"),
    ("api-resources --namespaced=maybe", "invalid choice"),
    ("help nope", "unknown verb 'nope'"),
    ("nope", "unknown verb 'nope'"),
])
def test_bad_input_is_a_short_usage_error(ip, line, expected):
    with pytest.raises(UsageError) as info:
        ip.run_line_magic("k8s", line + " -n default" if not line.startswith(("use", "help", "nope", "api-res", "explain")) else line)
    msg = str(info.value)
    assert expected in msg
    assert 0 < len(msg.splitlines()) <= 8
