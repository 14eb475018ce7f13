"""Every bad input to the verbs is a short IPython UsageError (no traceback), never another exception."""

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
    ("label deploy/nope a=b", 'deployments.apps "nope" not found'),
    ("label deploy/nope", "at least one label update is required"),
    ("label deploy/nope a=b a-", "can not both modify and remove 'a'"),
    ("label deploy/nope a=b --list", "--list only shows the labels"),
    ("label deploy -l app=x --all a=b --dry-run=maybe", "invalid choice"),
    ("annotate deploy/nope", "at least one annotation update is required"),
    ("patch deploy/nope", "with -p/--patch"),
    ("patch deploy/nope -p '{\"spec\": ['", "is not valid JSON"),
    ("patch deploy/nope --type json -p '{}'", "a json patch is a list of operations"),
    ("patch deploy/nope --type jsonish -p '{}'", "invalid choice"),
    ("set image deploy/nope", "at least one image update is required"),
    ("set image deploy/nope app=", "is not CONTAINER=IMAGE"),
    ("set resources deploy/nope", "only 'set image' is here"),
    ("run web", "run needs --image"),
    ("run web --image nginx --restart Sometimes", "invalid restart policy"),
    ("run web --image nginx --env NOEQUALS", "expected KEY=VALUE"),
    ("expose deploy/nope --port 80", 'deployments.apps "nope" not found'),
    ("expose deploy/a deploy/b --port 80", "one TYPE/NAME"),
    ("help nope", "unknown verb 'nope'"),
    ("nope", "unknown verb 'nope'"),
])
def test_bad_input_is_a_short_usage_error(ip, line, expected):
    with pytest.raises(UsageError) as info:
        ip.run_line_magic("k8s", line + " -n default" if not line.startswith(("use", "help", "nope", "api-res", "explain")) else line)
    msg = str(info.value)
    assert expected in msg
    assert 0 < len(msg.splitlines()) <= 8
