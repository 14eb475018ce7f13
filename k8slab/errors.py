"""The k8slab exception hierarchy.

Every error k8slab raises on purpose derives from :class:`K8sLabError`, so
callers (the magics, the CLI, user code) can catch one type. Messages say what
happened, where, and what to do next.
"""

from __future__ import annotations


class K8sLabError(Exception):
    """Base class of every error k8slab raises on purpose."""


class UsageError(K8sLabError):
    """A command, flag or argument was used the wrong way."""


class ManifestError(K8sLabError):
    """A manifest could not be read or parsed (YAML syntax, missing fields)."""


class TemplateError(ManifestError):
    """A ``{{ name }}`` placeholder could not be substituted."""


class ClusterError(K8sLabError):
    """Something went wrong talking to, or managing, a cluster."""


class ClusterUnreachableError(ClusterError):
    """The API server did not answer, or no kubeconfig/context is usable."""


class ContextGuardError(ClusterError):
    """The current context is not a k8slab lab cluster and was not allowed."""


class ApiError(ClusterError):
    """The API server answered with an error status."""

    def __init__(self, message: str, *, status: int | None = None, reason: str | None = None,
                 causes: list[dict] | None = None):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.causes = causes or []


class NotFoundError(ApiError):
    """The object or resource type does not exist (HTTP 404)."""


class AlreadyExistsError(ApiError):
    """The object already exists (HTTP 409, reason AlreadyExists)."""


class ConflictError(ApiError):
    """A write conflicted: a server-side apply field conflict or a stale resourceVersion (HTTP 409)."""


class InvalidError(ApiError):
    """The object failed validation (HTTP 422)."""


class ForbiddenError(ApiError):
    """The request was not allowed (HTTP 403)."""


class BadRequestError(ApiError):
    """The server refused a malformed request (HTTP 400)."""


class UnauthorizedError(ApiError):
    """The server rejected the kubeconfig's credentials (HTTP 401)."""


class ExpiredError(ApiError):
    """A list continue token or watch resourceVersion is too old (HTTP 410)."""


class ServerError(ApiError):
    """The API server failed internally or is unavailable (HTTP 5xx)."""


class ApiTimeoutError(ClusterError):
    """The API server did not answer within the request timeout."""


class ExpectationError(K8sLabError):
    """The cluster is not as a check, wait or step expected (fails a notebook cell for nbval)."""


class WaitTimeoutError(ExpectationError):
    """A wait or check did not reach its condition before the timeout."""


class CheckFailedError(ExpectationError):
    """A ``%k8s check`` condition did not hold."""


class MissingObjectError(ExpectationError):
    """A wait or check names an object that does not exist (said at once, not after the timeout)."""


class StepFailedError(ExpectationError):
    """A ``%%k8s_needs`` step raised (e.g. its ``assert`` found the cluster otherwise)."""


class EngineError(ClusterError):
    """A Docker-less engine (build, start, stop) failed."""


class BuildError(EngineError):
    """Building a pinned control-plane binary failed."""


class ApplyError(K8sLabError):
    """One or more objects of an apply failed; the message lists each one (see ``.failures``)."""

    def __init__(self, message: str, failures: list | None = None):
        super().__init__(message)
        self.failures = failures or []


class CreateError(K8sLabError):
    """Some objects of a ``create -f`` were refused (e.g. AlreadyExists); the others were created.

    The message has kubectl's line for each object; ``.failures`` the error lines, ``.result``
    what was created.
    """

    def __init__(self, message: str, failures: list | None = None, result=None):
        super().__init__(message)
        self.failures = failures or []
        self.result = result
