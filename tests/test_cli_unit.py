"""The command line as a shell user meets it."""

from __future__ import annotations

import subprocess
import sys


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """`k8slab status | head -1`: when the pipe's reader is gone, no BrokenPipeError traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "k8slab", "kubeconfig"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader leaves before the command writes its line
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
    assert proc.returncode == 141  # 128 + SIGPIPE, as a shell reports a command ended by the pipe
