"""The one ``dry_run`` type of the Python API, with kubectl's meanings.

``"none"`` (or ``None``/``False``): send the change. ``"client"``: build and print it,
send no write (reads such as discovery or the live object may still happen).
``"server"``: the server checks the change (admission, validation) and stores nothing.
A bool maps as the kit always did: ``True`` is a server dry run (the check that
finds the most), ``False`` none.
"""

from __future__ import annotations

from typing import Literal, Union

from k8slab.errors import UsageError

DryRun = Union[Literal["none", "client", "server"], bool, None]
MODES = ("none", "client", "server")


def parse(value: DryRun, verb: str = "") -> Literal["client", "server"] | None:
    """``None`` (send the change), ``"client"`` or ``"server"``.

    Raises:
        UsageError: Not one of none, client, server (or a bool).
    """
    if value is None or value is False:
        return None
    if value is True:
        return "server"
    if isinstance(value, str) and value.lower() in MODES:
        return None if value.lower() == "none" else value.lower()  # type: ignore[return-value]
    where = f"{verb}: " if verb else ""
    raise UsageError(f"{where}--dry-run={value}: use none, client or server (dry_run=\"client\" sends nothing,"
                     " \"server\" has the server check it and store nothing).")


def suffix(mode: str | None) -> str:
    """What kubectl appends to a result line: `` (dry run)``, `` (server dry run)`` or nothing."""
    return {"client": " (dry run)", "server": " (server dry run)"}.get(mode or "", "")
