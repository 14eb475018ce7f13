"""Progress lines for long engine steps (builds, cluster start-up)."""

from __future__ import annotations

import sys
import threading
import time
from typing import Callable


def fmt_duration(seconds: float) -> str:
    """Format seconds as ``12.3s`` or ``4m05s``."""
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s" if m else f"{seconds:.1f}s"


class Ticker:
    """Context manager that reports a step's elapsed time while it runs.

    On a terminal it rewrites one line every second; elsewhere (CI logs, Jupyter)
    it prints a line every ``interval`` seconds so a long build never looks hung.
    """

    def __init__(self, echo: Callable[[str], None], label: str, interval: float = 30.0):
        self.echo = echo
        self.label = label
        self.interval = interval
        self._stop = threading.Event()
        self._tty = echo is print and sys.stdout.isatty()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.elapsed = 0.0

    def __enter__(self):
        self._start = time.monotonic()
        if self._tty:
            sys.stdout.write(f"{self.label} ...")
            sys.stdout.flush()
        else:
            self.echo(f"{self.label} ...")
        self._thread.start()
        return self

    def _run(self):
        period = 1.0 if self._tty else self.interval
        while not self._stop.wait(period):
            t = fmt_duration(time.monotonic() - self._start)
            if self._tty:
                sys.stdout.write(f"\r{self.label} ... {t}")
                sys.stdout.flush()
            else:
                self.echo(f"  still {self.label} ({t})")

    def __exit__(self, exc_type, exc, tb):
        self._stop.set()
        self._thread.join()
        self.elapsed = time.monotonic() - self._start
        status = "done" if exc_type is None else "FAILED"
        line = f"{self.label}: {status} in {fmt_duration(self.elapsed)}"
        if self._tty:
            sys.stdout.write("\r" + line + "\n")
            sys.stdout.flush()
        else:
            self.echo(line)
        return False
