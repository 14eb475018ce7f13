"""Where a piece of a manifest came from, and how to show it in an error."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A 1-based position in a manifest source (a cell or a file)."""

    source: str
    doc: int
    line: int
    column: int | None = None

    def __str__(self) -> str:
        pos = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"document {self.doc} ({self.source}, {pos})"


def snippet(text: str, line: int, column: int | None = None) -> str:
    """The offending line of ``text`` with its number, and a caret under ``column``."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    number = f"{line:>4} | "
    text = lines[line - 1]
    if len(text) > _WIDTH:  # a long line (minified JSON, 3,000 brackets): the part around the column
        start = max(0, min((column or 1) - 1 - _WIDTH // 2, len(text) - _WIDTH))
        text = ("…" if start else "") + text[start:start + _WIDTH] + ("…" if start + _WIDTH < len(text) else "")
        if column:
            column = column - start + (1 if start else 0)
    out = f"{number}{text}"
    if column:
        out += "\n" + " " * (len(number) - 2) + "| " + " " * (column - 1) + "^"
    return out


_WIDTH = 100
