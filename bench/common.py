"""What every case shares: results, interleaved timing, kubectl as a process, the IPython shell."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from typing import Callable

BENCH_LABEL = "k8slab.dev/bench"


@dataclass
class Result:
    """One row of the table and of ``latest.json``.

    ``ratio`` is ``kubectl_s / k8slab_s`` (above 1: k8slab is faster).
    """

    case: str
    k8slab_s: float | None
    kubectl_s: float | None
    n: int
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        if self.k8slab_s is None or self.kubectl_s is None or self.k8slab_s <= 0:
            return None
        return self.kubectl_s / self.k8slab_s

    def as_dict(self) -> dict:
        r = self.ratio
        return {"case": self.case,
                "k8slab_s": None if self.k8slab_s is None else round(self.k8slab_s, 4),
                "kubectl_s": None if self.kubectl_s is None else round(self.kubectl_s, 4),
                "ratio": None if r is None else round(r, 2),
                "n": self.n, "notes": self.notes}


@dataclass
class Ctx:
    """Options and shared state of one bench run."""

    quick: bool = False
    verbose: bool = True
    _shell: object = field(default=None, repr=False)

    def log(self, msg: str) -> None:
        if self.verbose:
            print(f"  [{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    def runs(self, full: int, quick: int = 1) -> int:
        return quick if self.quick else full

    @property
    def shell(self):
        """One in-process IPython shell with ``%load_ext k8slab`` done (the warm notebook)."""
        if self._shell is None:
            from IPython.core.interactiveshell import InteractiveShell

            sh = InteractiveShell.instance()
            sh.run_line_magic("load_ext", "k8slab")
            self._shell = sh
        return self._shell


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def spread(xs: list[float]) -> str:
    """``min–max`` of a sample, for the notes."""
    return f"{min(xs) * 1000:.0f}–{max(xs) * 1000:.0f} ms" if max(xs) < 10 else f"{min(xs):.1f}–{max(xs):.1f} s"


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def interleave(a: Callable[[], object], b: Callable[[], object], n: int, *, warmup: int = 1,
               between: Callable[[], object] | None = None) -> tuple[list[float], list[float]]:
    """Time ``a`` and ``b`` ``n`` times each, alternating which goes first, after ``warmup`` rounds.

    ``between`` (untimed) runs before every timed call, e.g. to reset state.
    """
    for _ in range(warmup):
        for f in (a, b):
            if between:
                between()
            f()
    ta: list[float] = []
    tb: list[float] = []
    for i in range(n):
        order = ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta))
        for f, sink in order:
            if between:
                between()
            sink.append(timed(f)[0])
    return ta, tb


# -- kubectl ------------------------------------------------------------------------------


def kubectl_path() -> str:
    from k8slab.engine import gobuild

    return str(gobuild.binary("kubectl"))


def lab_kubeconfig() -> str:
    from k8slab.engine.paths import kubeconfig_path

    return str(kubeconfig_path())


def lab_context() -> str:
    from k8slab.client.session import current

    return current().context


def kubectl(*args: str, check: bool = True, input: str | None = None, timeout: float = 300,
            kubeconfig: str | None = None, context: str | None = None) -> subprocess.CompletedProcess:
    """Run the pinned kubectl against the lab cluster (or ``kubeconfig``/``context``)."""
    env = dict(os.environ)
    env["KUBECONFIG"] = kubeconfig or lab_kubeconfig()
    cmd = [kubectl_path(), "--context", context or lab_context(), *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, input=input, timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[1:])} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return proc


def peak_rss_kib(cmd: list[str], env: dict | None = None) -> tuple[float, int]:
    """Run ``cmd`` once; return (seconds, its own peak resident memory in KiB).

    Not ``wait4``'s ``ru_maxrss``: on Linux a child started from this (large)
    Python process inherits its high-water mark across ``exec``. GNU time's
    ``%M`` is right: ``time`` itself is tiny when it forks the command.
    """
    import tempfile

    if not os.path.exists("/usr/bin/time"):
        return _peak_rss_polled(cmd, env)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as out:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name, *cmd], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:3])}… failed ({proc.returncode}): {proc.stderr[-500:]}")
        return dt, int(out.read().strip().splitlines()[-1])


def _peak_rss_polled(cmd: list[str], env: dict | None) -> tuple[float, int]:
    """Without GNU time: sample the child's VmHWM (its own high-water mark) until it exits."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                peak = max(peak, next((int(x.split()[1]) for x in f if x.startswith("VmHWM:")), 0))
        except (OSError, StopIteration):
            pass
        time.sleep(0.005)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}… failed ({proc.returncode})")
    return time.perf_counter() - t0, peak


def kubectl_maxrss(*args: str) -> tuple[float, int]:
    """Run kubectl once; return (seconds, its peak resident memory in KiB)."""
    env = dict(os.environ, KUBECONFIG=lab_kubeconfig())
    return peak_rss_kib([kubectl_path(), "--context", lab_context(), *args], env)


# -- the machine --------------------------------------------------------------------------


def machine() -> dict:
    """CPU, cores, memory and load, for the README's table."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": mem_gib, "python": platform.python_version(),
            "kernel": platform.release(), "load_avg": [round(x, 2) for x in os.getloadavg()]}
