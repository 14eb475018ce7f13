"""``argparse`` for magics: errors become IPython ``UsageError`` with the verb's usage."""

from __future__ import annotations

import argparse

from IPython.core.error import UsageError


class HelpShown(Exception):
    """``-h`` printed the help; the command has nothing more to do."""


class CmdParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` for one ``%k8s`` verb.

    A bad flag or argument raises :class:`IPython.core.error.UsageError`
    (shown without a traceback) carrying the verb's usage line; ``-h`` prints
    the help and stops the command.
    """

    def __init__(self, verb: str, description: str = "", epilog: str | None = None, **kwargs):
        super().__init__(prog=f"%k8s {verb}", description=description, epilog=epilog,
                         formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False,
                         **kwargs)
        self._escaped_usage: str | None = None

    def parse_args(self, args=None, namespace=None):
        """Flags may sit between positionals, as in kubectl (``get pods -n x web``)."""
        # argparse re-formats a saved usage with %, which "%k8s" would break: save it escaped
        # (formatted once: it cost more than the parsing itself on every %k8s line)
        if self._escaped_usage is None:
            self._escaped_usage = self.format_usage()[len("usage: "):].replace("%", "%%")
        self.usage = self._escaped_usage
        try:
            return self.parse_intermixed_args(args, namespace)
        except TypeError:  # a parser feature intermixing does not support (e.g. REMAINDER)
            return super().parse_args(args, namespace)
        finally:
            self.usage = None

    usage_line: str | None = None  # hand-written usage (e.g. "… -- COMMAND [ARG…]"), else argparse's

    def format_usage(self) -> str:
        return f"usage: {self.usage_line}\n" if self.usage_line else super().format_usage()

    def format_help(self) -> str:
        text = super().format_help()
        if not self.usage_line or self.usage:
            return text
        rest = text.split("\n\n", 1)
        return self.format_usage() + ("\n" + rest[1] if len(rest) > 1 else "")

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message}\n{self.format_usage().rstrip()}\n"
                         f"(more: %k8s help {self.prog.split()[-1]})")

    def exit(self, status: int = 0, message: str | None = None):
        if status:
            raise UsageError(message or f"{self.prog}: error")
        if message:
            print(message)
        raise HelpShown()


def strip_comment(line: str) -> str:
    """The line without a trailing ``# comment``, as a shell reads it: ``#`` starts a comment only
    at the start of a word and outside quotes (``note=a#b`` and ``'#x'`` stay)."""
    quote = None
    word_start = True
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == quote:
                quote = None
            elif ch == "\\" and quote == '"':
                i += 1
            word_start = False
        elif ch in "'\"":
            quote, word_start = ch, False
        elif ch == "\\":
            i, word_start = i + 1, False
        elif ch == "#" and word_start:
            return line[:i]
        else:
            word_start = ch.isspace()
        i += 1
    return line


def add_namespace_flags(p: CmdParser, all_namespaces: bool = True) -> None:
    """``-n/--namespace`` and, optionally, ``-A/--all-namespaces``."""
    p.add_argument("-n", "--namespace", help="namespace (default: the session's, see %%k8s use)")
    if all_namespaces:
        p.add_argument("-A", "--all-namespaces", action="store_true", help="across all namespaces")


def add_dry_run_flag(p: CmdParser) -> None:
    """kubectl's ``--dry-run[=client|server|none]`` (bare: client)."""
    p.add_argument("--dry-run", nargs="?", const="client", choices=["none", "client", "server"],
                   help="client: nothing is sent; server: the server checks, stores nothing")


def add_selection_flags(p: CmdParser) -> None:
    """``-l/--selector`` and ``--all``: every object of one TYPE instead of named ones."""
    p.add_argument("-l", "--selector", help="every object of TYPE with these labels")
    p.add_argument("--all", action="store_true", help="every object of TYPE in the namespace")


def parse_duration(text: str, *, bare_seconds: bool = True, what: str = "duration") -> float:
    """Seconds from a Go duration (``30s``, ``1.5m``, ``1h2m3s``, ``300ms``; plain seconds
    with ``bare_seconds``): :func:`k8slab.api.args.duration.parse_duration`, errors as ``UsageError``."""
    from ..api.args.duration import parse_duration as _parse
    from ..errors import UsageError as _KitUsageError

    try:
        return _parse(text, bare_seconds=bare_seconds, what=what)
    except _KitUsageError as e:
        raise UsageError(str(e)) from None


def duration_flag(bare_seconds: bool = False):
    """An argparse ``type=`` that checks a duration flag and keeps its text (the API parses it
    with the same parser). kubectl's own ``--timeout``/``--since`` want a unit (``90s``);
    the kit's own flags (``apply --wait``) also take plain seconds."""

    def check(text: str) -> str:
        from ..api.args.duration import parse_duration as _parse
        from ..errors import UsageError as _KitUsageError

        try:
            _parse(text, bare_seconds=bare_seconds)
        except _KitUsageError as e:
            raise argparse.ArgumentTypeError(str(e).removeprefix("duration: ")) from None
        return text

    check.__name__ = "duration"
    return check
