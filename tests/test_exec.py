"""``%k8s exec``, ``k8slab.runs_containers`` and ``%%k8s_needs`` on the lab cluster.

The kwok engine simulates every pod; the local engine simulates those on its
control-plane node (``k8slab-control-plane``) and runs containers on its workers.
These tests check what a learner meets with a simulated pod (a clear error naming
the fix) and what ``%%k8s_needs`` does on the engine at hand (skip, saying why, or run).
"""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import k8slab
from k8slab.api.read import exec as E
from k8slab.api.read.runtime import simulated
from k8slab.client import session as S
from k8slab.errors import ClusterError, StepFailedError

from _k8s_objects import create, deployment, deployment_ready, pin_lab_context, shell, wait_for

pytestmark = pytest.mark.cluster

# KWOK plays this node's kubelet on the kwok and on the local engine: a pod bound to it is simulated
SIMULATED_NODE = "k8slab-control-plane"


@pytest.fixture(scope="module")
def ip():
    return shell()


def _a_pod(web):
    pods = S.current().request("GET", f"/api/v1/namespaces/{web}/pods", query={"labelSelector": "app=web"})
    return sorted(p["metadata"]["name"] for p in pods["items"])[0]


def _simulated_deployment(ns: str, name: str = "sim") -> str:
    """A ready 1-replica Deployment bound to the simulated control-plane node; its pod's name."""
    node = S.current().request("GET", f"/api/v1/nodes/{SIMULATED_NODE}")
    if not simulated(node):
        pytest.skip(f"{SIMULATED_NODE} runs containers on this cluster (kind engine): no simulated pod to "
                    "test with; the kwok and local engine runs cover it")
    dep = deployment(name, replicas=1)
    dep["spec"]["template"]["spec"].update(nodeName=SIMULATED_NODE, tolerations=[
        {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}])
    create(ns, dep)
    wait_for(ns, "apps/v1", "Deployment", name, deployment_ready(1), timeout=90)
    pods = S.current().request("GET", f"/api/v1/namespaces/{ns}/pods", query={"labelSelector": f"app={name}"})
    (pod,) = pods["items"]
    assert pod["spec"]["nodeName"] == SIMULATED_NODE
    return pod["metadata"]["name"]


def test_exec_on_simulated_pods_names_the_fix(ip, namespace):
    pin_lab_context()
    pod = _simulated_deployment(namespace)
    with pytest.raises(UsageError) as err:
        ip.run_line_magic("k8s", f"exec {pod} -n {namespace} -- cat /etc/hostname")
    text = str(err.value)
    assert f"cannot exec cat /etc/hostname in pod {pod}: " in text
    if k8slab.runs_containers():  # local engine: only this pod's node is simulated; the fix is to move it
        assert f"node {SIMULATED_NODE} simulates its pods" in text
        assert "k8slab-worker, k8slab-worker2 run containers" in text and "k8slab up" not in text
    else:  # kwok engine: every node is; the fix is another engine
        assert "this cluster simulates its pods" in text and "k8slab up --engine kind" in text
    # the API raises the kit's own error type, also by TYPE/NAME
    with pytest.raises(ClusterError, match="simulates its pods"):
        k8slab.exec("deploy/sim", ["ls"], namespace=namespace)


def test_exec_bad_inputs_are_short_errors(ip, web):
    pin_lab_context()
    pod = _a_pod(web)
    cases = {
        f"exec {pod} -n {web} ls": "give the command after --",
        f"exec {pod} -n {web} --": "the command after -- is empty",
        f"exec {pod} -n {web} -it -- sh": "needs a terminal",
        f"exec {pod} -n {web} -c nope -- ls": f"pod {pod} has no container 'nope'; its containers: app",
        f"exec no-such-pod -n {web} -- ls": 'pods "no-such-pod" not found',
    }
    for line, expected in cases.items():
        with pytest.raises(UsageError) as err:
            ip.run_line_magic("k8s", line)
        assert expected in str(err.value), (line, str(err.value))
    with pytest.raises(Exception, match="exec needs a command"):
        k8slab.exec(pod, [], namespace=web)


def test_exec_parser_keeps_the_command_flags():
    from k8slab.magics.verbs import parser_for

    args = parser_for("exec").parse_args(["web-1", "-c", "app", "--", "ls", "-la", "-n", "/"])
    assert args.pod == "web-1" and args.container == "app" and args.namespace is None
    assert args.command == ["ls", "-la", "-n", "/"]


def test_exit_code_comes_from_the_status_channel():
    assert E._returncode('{"metadata":{},"status":"Success"}') == 0
    failed = ('{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code",'
              '"reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}')
    assert E._returncode(failed) == 3
    with pytest.raises(ClusterError, match="could not run: container not found"):
        E._returncode('{"status":"Failure","message":"container not found (\\"app\\")"}')


def test_runs_containers_on_the_local_engine(cluster):
    """False on the kwok engine (every node simulated), True on the local engine (real workers)."""
    from k8slab.engine.cluster import DEFAULT_NAME, recorded_engine

    pin_lab_context()
    engine = recorded_engine(DEFAULT_NAME)
    assert engine in ("kwok", "local", "kind"), engine
    assert k8slab.runs_containers() is (engine != "kwok")
    kind_node = {"metadata": {"name": "lab-worker"},
                 "status": {"nodeInfo": {"containerRuntimeVersion": "containerd://2.1.4"}}}
    assert not simulated(kind_node)
    nodes = {n["metadata"]["name"]: n for n in S.current().request("GET", "/api/v1/nodes")["items"]}
    assert simulated(nodes[SIMULATED_NODE]) is (engine != "kind")
    for worker in ("k8slab-worker", "k8slab-worker2"):  # containerd's kubelets on local and kind
        assert simulated(nodes[worker]) is (engine == "kwok"), worker


def test_needs_containers_skips_with_a_reason(ip, cluster):
    """Skipped, saying why, where every pod is simulated (kwok engine); run where a node runs
    containers (local engine). CI runs both engines, so both forms are checked."""
    pin_lab_context()
    ip.user_ns.pop("ran", None)
    with capture_output() as out:
        ip.run_cell_magic("k8s_needs", "containers", "ran = True\nprint('body ran')\n")
    if k8slab.runs_containers():
        assert out.stdout == "▶ this step needs containers: it ran on this cluster.\nbody ran\n"
        assert ip.user_ns.pop("ran") is True
    else:
        assert out.stdout == "⏭ this step needs containers: skipped, this cluster simulates its pods (run it on the local or kind engine).\n"
        assert "ran" not in ip.user_ns
    for line, expected in {"": "name what the cell needs", "gpus": "unknown requirement 'gpus'"}.items():
        with pytest.raises(UsageError, match=expected):
            ip.run_cell_magic("k8s_needs", line, "pass\n")


def test_needs_runs_the_cell_where_the_requirement_holds(ip, monkeypatch):
    """Where the check holds (kind), the body runs in the user namespace and everything it shows
    (prints, stderr, displays, its last value, %k8s results) comes out as one stdout text after
    the marker line; an error fails the cell."""
    from k8slab.magics import needs

    monkeypatch.setitem(needs.NEEDS, "containers", ("builtins:object", "unused"))  # object() is truthy
    body = ("import sys\nfrom IPython.display import display\nran_here = 6 * 7\nprint(ran_here)\n"
            "print('to stderr', file=sys.stderr)\ndisplay('shown')\n%k8s help exec\nran_here + 1\n")
    with capture_output() as out:
        ip.run_cell_magic("k8s_needs", "containers", body)
    lines = out.stdout.splitlines()
    assert lines[0] == "▶ this step needs containers: it ran on this cluster."
    assert lines[1] == "42" and lines[2].startswith("usage: %k8s exec POD|TYPE/NAME")  # stdout first
    assert lines[-3:] == ["to stderr", "'shown'", "43"]  # then stderr, displays, the last value
    assert out.stderr == "" and not out.outputs and ip.user_ns["ran_here"] == 42
    with capture_output() as out, \
            pytest.raises(StepFailedError, match=r"the step failed \(ZeroDivisionError: division by zero\)"):
        ip.run_cell_magic("k8s_needs", "containers", "print('before')\n1 / 0\n")
    assert out.stdout.splitlines()[1] == "before"


def test_both_forms_sanitize_to_one_line():
    """One stored notebook serves both engines: the skipped and the ran forms compare equal under
    k8slab's nbval sanitizer, and other outputs are not touched by that rule."""
    import re

    from k8slab.nbval import sanitize_path

    pairs = re.findall(r"^regex: (.*)$\n^replace: (.*)$", open(sanitize_path()).read(), re.M)

    def sanitize(text):
        for regex, repl in pairs:
            text = re.sub(regex, repl, text)
        return text

    skipped = "⏭ this step needs containers: skipped, this cluster simulates its pods (run it on the local or kind engine).\n"
    ran = "▶ this step needs containers: it ran on this cluster.\nnginx answered on localhost\nmyapp-5d8f9-x2x4z\n"
    assert sanitize(skipped) == sanitize(ran) == \
        "<a step that needs containers: it runs on kind, and is skipped where pods are simulated>"
    assert sanitize("pod/web created\n▶ this step needs containers: x\n").startswith("pod/web created")


def test_needs_body_with_a_syntax_error_fails_on_every_engine(ip, cluster):
    """A step that only runs on kind must not hide a typo on the local engine."""
    pin_lab_context()
    with pytest.raises(UsageError) as err:
        ip.run_cell_magic("k8s_needs", "containers", "print('ok')\nlines = (%k8s logs web).splitlines()\n")
    text = str(err.value)
    assert "syntax error on line 2 of its body" in text and "lines = (%k8s logs web).splitlines()" in text
    assert "after 'name ='" in text
