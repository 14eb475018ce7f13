"""The progress line of ``--wait`` and ``rollout status``: what a notebook stores, what nbval
compares and what JupyterLab shows are all the final line.

``_jupyterlab`` is JupyterLab 4's stream handling (``processText`` in @jupyterlab/outputarea,
read in the bundled ``jlab_core`` of the installed JupyterLab): ``\\r`` moves the cursor to the
start of the line and the next text *overwrites*; ``\\b`` deletes the character before the
cursor; ``\\n`` appends a newline at the end. The real-browser test checks the same in chromium.
"""

from __future__ import annotations

import io

import nbformat
import pytest
from nbval.plugin import coalesce_streams

from k8slab.api.watch.until import LineProgress

STATES = ["[0/1 ready] deployment.apps/web: does not exist yet",
          '[0/1 ready] deployment.apps/web: Waiting for deployment "web" rollout to finish: 0 of 3 updated'
          " replicas are available...",
          "[0/1 ready] deployment.apps/web: Pending",
          "✓ the object is ready"]


def _jupyterlab(chunks: list[str]) -> str:
    """The text JupyterLab's output model keeps (and saves) for consecutive stream messages."""
    text, cursor = "", 0
    for chunk in chunks:
        for ch in chunk:
            if ch == "\b":
                if cursor > 0 and text[cursor - 1] != "\n":
                    text, cursor = text[:cursor - 1] + text[cursor + 1:], cursor - 1
            elif ch == "\r":
                while cursor > 0 and text[cursor - 1] != "\n":
                    cursor -= 1
            elif ch == "\n":
                text += "\n"
                cursor = len(text)
            else:
                text, cursor = text[:cursor] + ch + text[cursor + 1:], cursor + 1
    return text


class _Chunks(io.StringIO):
    """A stream that remembers each flushed write, as ipykernel sends stream messages."""

    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []

    def write(self, s):
        self.chunks.append(s)
        return super().write(s)


def _nbval_sees(stored: list[str]) -> str:
    """What nbval 0.11 compares: its ``coalesce_streams`` over the stored stream outputs."""
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in stored]
    (out,) = coalesce_streams(outputs)
    return out.text


def test_notebook_mode_stores_and_shows_only_the_final_line():
    out = _Chunks()
    p = LineProgress(out, mode="notebook")
    for s in STATES:
        p(s)
    p.finish()
    assert _nbval_sees(out.chunks) == "✓ the object is ready\n"
    assert _jupyterlab(out.chunks) == "✓ the object is ready\n"
    # why the backspaces: with \r alone JupyterLab overwrites, keeping the tail of a longer line
    assert _jupyterlab(["\r" + STATES[1], "\r" + STATES[3], "\n"]).startswith("✓ the object is readyt.apps/web: Wait")


def test_notebook_mode_after_other_output_and_with_several_lines():
    out = _Chunks()
    out.write("deployment.apps/web created\n")
    for final in ("✓ deployment.apps/web: rollout complete", "✓ deployment.apps/db: rollout complete"):
        p = LineProgress(out, mode="notebook")
        p("[0/1 ready] something long enough to be longer than the final line")
        p(final)
        p.finish()
    want = ("deployment.apps/web created\n✓ deployment.apps/web: rollout complete\n"
            "✓ deployment.apps/db: rollout complete\n")
    assert _nbval_sees(out.chunks) == want
    assert _jupyterlab(out.chunks) == want


def test_backspaces_count_utf16_units_as_javascript_does():
    out = _Chunks()
    p = LineProgress(out, mode="notebook")
    p("waiting 🐢")  # one code point, two UTF-16 units in the browser
    p("done")
    p.finish()
    assert _jupyterlab(out.chunks) == "done\n"


def test_a_repeated_state_writes_nothing_and_finish_without_writes_writes_nothing():
    out = _Chunks()
    p = LineProgress(out, mode="notebook")
    p.finish()
    assert out.getvalue() == ""
    p("a")
    p("a")
    assert out.chunks == ["\ra"]


def test_terminal_pads_and_log_writes_one_line_per_state():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty = Tty()
    p = LineProgress(tty)
    p("a long line")
    p("short")
    p.finish()
    assert tty.getvalue() == "\ra long line\rshort      \n"

    log = io.StringIO()
    p = LineProgress(log)
    p("one")
    p("two")
    p.finish()
    assert log.getvalue() == "one\ntwo\n"


@pytest.mark.slow
def test_a_frontendless_kernel_stores_what_nbval_compares(tmp_path):
    """nbclient (as ``jupyter nbconvert --execute`` and nbval run it): the stored stream is the final line."""
    from nbclient import NotebookClient

    code = ("from k8slab.api.watch.until import LineProgress\n"
            "p = LineProgress()\n"
            f"for s in {STATES!r}:\n"
            "    p(s)\n"
            "p.finish()")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[0].outputs
    assert {o["output_type"] for o in outputs} == {"stream"} and {o["name"] for o in outputs} == {"stdout"}
    texts = [o["text"] for o in outputs]
    assert _nbval_sees(texts) == "✓ the object is ready\n"
    assert _jupyterlab(texts) == "✓ the object is ready\n"
