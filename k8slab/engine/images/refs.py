"""Image references in the full form containerd asks a mirror for.

``nginx`` and ``nginx:latest`` both mean ``docker.io/library/nginx:latest``;
``user/app:1`` means ``docker.io/user/app:1``; a first component with a dot or
a port, or ``localhost``, names a registry (``registry.k8s.io/pause:3.10``).
"""

from __future__ import annotations

import re

from ...errors import UsageError

DOCKER_HUB = "docker.io"
_DOCKER_ALIASES = {"index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9-]+)*(?::[0-9]+)?")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def _bad(ref: str, why: str) -> UsageError:
    return UsageError(f"invalid image reference {ref!r}: {why} (expected NAME[:TAG], e.g. "
                      f"nginx:1.27 or registry.k8s.io/pause:3.10)")


def parse(ref: str) -> tuple[str, str, str | None]:
    """Split a reference into (repository, tag, digest), filling in docker.io and ``latest``.

    The repository is in full form (``docker.io/library/nginx``). The tag is
    ``latest`` when neither a tag nor a digest is given, and ``""`` for a bare
    ``NAME@sha256:...``.

    Raises:
        UsageError: the reference is not well formed.
    """
    text = ref.strip() if isinstance(ref, str) else ""
    if not text:
        raise _bad(str(ref), "it is empty")
    if any(c.isspace() for c in text):
        raise _bad(text, "it contains white space")
    name, digest = text, None
    if "@" in name:
        name, digest = name.split("@", 1)
        if not _DIGEST.fullmatch(digest):
            raise _bad(text, "the digest must be sha256: and 64 hex digits")
    tag = ""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
        if not _TAG.fullmatch(tag):
            raise _bad(text, f"tag {tag!r} may hold letters, digits, '_', '.' and '-' "
                             f"(at most 128, not starting with '.' or '-')")
    if not tag and digest is None:
        tag = "latest"
    parts = name.split("/")
    domain = DOCKER_HUB
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        domain = parts.pop(0)
        if not _DOMAIN.fullmatch(domain):
            raise _bad(text, f"registry {domain!r} is not a host name[:port]")
        if domain in _DOCKER_ALIASES:
            domain = DOCKER_HUB
    if not parts or not all(parts):
        raise _bad(text, "the name has an empty path component")
    for part in parts:
        if not _COMPONENT.fullmatch(part):
            why = ("repository names must be lowercase" if part.lower() != part else
                   f"{part!r} may hold lowercase letters, digits and single separators . _ -")
            raise _bad(text, why)
    if domain == DOCKER_HUB and len(parts) == 1:
        parts.insert(0, "library")
    repo = domain + "/" + "/".join(parts)
    if len(repo) > 255:
        raise _bad(text, "the name is longer than 255 characters")
    return repo, tag, digest


def normalize(ref: str) -> str:
    """The full form of a reference: ``nginx`` -> ``docker.io/library/nginx:latest``."""
    repo, tag, digest = parse(ref)
    out = repo + (f":{tag}" if tag else "")
    return out + (f"@{digest}" if digest else "")


def split(ref: str) -> tuple[str, str]:
    """(repository, tag) of a normalized tagged reference."""
    repo, tag, _ = parse(ref)
    return repo, tag


def short(ref: str) -> str:
    """The shortest form Docker prints: ``docker.io/library/nginx:1.27`` -> ``nginx:1.27``."""
    full = normalize(ref)
    for prefix in ("docker.io/library/", "docker.io/"):
        if full.startswith(prefix):
            return full[len(prefix):]
    return full


def file_stem(ref: str) -> str:
    """A file-name-safe rendering of a reference (``registry.k8s.io_pause_3.10``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", short(ref)).strip("._") or "image"
