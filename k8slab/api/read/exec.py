"""``k8slab.exec``: run a command in a container, like ``kubectl exec POD -- CMD``.

The exec subresource speaks a WebSocket channel protocol (see
:mod:`k8slab.client.channels`); the exit code comes on the status channel.
"""

from __future__ import annotations

import json

from k8slab.api.args.checks import checked
from k8slab.api.output.formats import TextResult
from k8slab.api.read.logs import pod_for
from k8slab.api.read.runtime import simulated_pod_hint
from k8slab.client import session as _session
from k8slab.client.channels import run_channels
from k8slab.errors import ApiError, ClusterError, UsageError

DEFAULT_TIMEOUT = 60.0


class ExecResult(TextResult):
    """The command's output (stdout, then stderr) as text; ``.stdout``, ``.stderr`` and
    ``.returncode`` separately."""

    stdout: str = ""
    stderr: str = ""
    returncode: int = 0

    def __new__(cls, stdout: str, stderr: str, returncode: int):
        self = super().__new__(cls, stdout + stderr, {"stdout": stdout, "stderr": stderr,
                                                      "returncode": returncode})
        self.stdout, self.stderr, self.returncode = stdout, stderr, returncode
        return self


class CommandFailed(ClusterError):
    """The command ran and exited with a non-zero code (``.result`` holds its output)."""

    def __init__(self, message: str, result: ExecResult):
        super().__init__(message)
        self.result = result


def _returncode(status_text: str) -> int:
    """The exit code from the status channel's ``metav1.Status`` (kubelet's convention)."""
    try:
        status = json.loads(status_text) if status_text.strip() else {"status": "Success"}
    except ValueError:
        return 1
    if status.get("status") == "Success":
        return 0
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return int(cause.get("message"))
            except (TypeError, ValueError):
                break
    raise ClusterError(f"the command could not run: {status.get('message') or status_text.strip()}")


def _runtime_error(argv: list[str], pod: str, hint: str) -> ClusterError:
    return ClusterError(f"cannot exec {' '.join(argv)} in pod {pod}: {hint}")


@checked
def exec(pod: str, command: list[str] | str, *, container: str | None = None,  # noqa: A001 (kubectl's verb)
         namespace: str | None = None, timeout: float = DEFAULT_TIMEOUT, check: bool = True) -> ExecResult:
    """Run ``command`` in a container of ``pod`` and return its output.

    Args:
        pod: a pod name, ``pod/NAME``, or ``TYPE/NAME`` of a workload (its first pod, by name).
        command: the argv list, e.g. ``["cat", "/etc/config/app.properties"]``; a string is
            one argument (no shell: use ``["sh", "-c", "…"]`` for pipes and variables).
        container: the container (default: the pod's first, as kubectl does).
        namespace: defaults to the session's namespace.
        timeout: seconds the command may run.
        check: raise :class:`CommandFailed` when the command exits non-zero (kubectl exits
            with the command's code); with ``check=False`` the code is in ``.returncode``.

    Raises:
        ClusterError: the pod's node has no container runtime (KWOK simulates its pods),
            the pod or container does not exist or is not running, or the timeout passed.

    Example:
        >>> print(k8slab.exec("deploy/web", ["cat", "/etc/hostname"]))  # doctest: +SKIP
    """
    argv = [command] if isinstance(command, str) else list(command)
    if not argv or not all(isinstance(a, str) and a for a in argv):
        raise UsageError("exec needs a command, e.g. k8slab.exec('web-1', ['ls', '/']) or "
                         "%k8s exec web-1 -- ls /")
    s = _session.current()
    ns = namespace or s.namespace
    name = pod_for(s, pod, ns)
    from k8slab.client.discovery import check_segment

    check_segment("namespace", ns)
    check_segment("resource name", name)
    obj = s.request("GET", f"/api/v1/namespaces/{ns}/pods/{name}")  # a clear 404 before the upgrade
    phase = (obj.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise ClusterError(f"cannot exec into a container in a completed pod; pod {name}'s phase is {phase}.")
    containers = [c["name"] for c in (obj.get("spec") or {}).get("containers") or []]
    if container and container not in containers:
        raise UsageError(f"pod {name} has no container {container!r}; its containers: {', '.join(containers)}")
    query = [("container", container or containers[0]), *(("command", a) for a in argv),
             ("stdout", "true"), ("stderr", "true")]
    try:
        got = run_channels(s, f"/api/v1/namespaces/{ns}/pods/{name}/exec", query, timeout)
    except ApiError as e:  # the upgrade was refused
        hint = simulated_pod_hint(obj)
        if hint:
            raise _runtime_error(argv, name, hint) from None
        raise ApiError(f"cannot exec in pod {name}: {e}", status=e.status) from None
    except ClusterError as e:
        raise ClusterError(f"exec {' '.join(argv)} in pod {name}: {e}") from None
    out, err = got.stdout, got.stderr
    try:
        code = _returncode(got.status)
    except ClusterError:
        hint = simulated_pod_hint(obj)
        if hint:
            raise _runtime_error(argv, name, hint) from None
        raise
    result = ExecResult(out, err, code)
    if check and code:
        raise CommandFailed(f"{result}command terminated with exit code {code}", result)
    return result

