"""Engine-independent cluster lifecycle: ``up``, ``down``, ``status``.

``auto`` picks kind when a Docker daemon answers and kind is installed, else the
real-node ``local`` engine where the machine can run it (root, runc, CNI plugins,
cgroups), else the simulated ``kwok`` engine, and says which and why. On macOS and
Windows only kind can run (``hostos``). Which engine made a cluster is remembered in the state
directory, so ``down`` and ``status`` need no ``--engine``.
"""

from __future__ import annotations

import contextlib
import time
from typing import Callable

from ..errors import EngineError, K8sLabError, UsageError
from . import hostos, kind, kwok, paths
from .model import ClusterStatus
from .progress import fmt_duration

ENGINES = ("auto", "local", "kwok", "kind")
DEFAULT_NAME = "k8slab"


@contextlib.contextmanager
def lock(name: str, timeout: float = 900):
    """Serialize lifecycle operations on cluster ``name`` across processes.

    Two notebooks run under nbval at once both call ``k8slab up``; without the lock
    both would see a stopped cluster and start its processes twice.
    """
    paths.state_dir().mkdir(parents=True, exist_ok=True)
    with open(paths.state_dir() / f"{name}.lock", "w") as fh:
        deadline = time.monotonic() + timeout
        while not _try_lock(fh):
            if time.monotonic() > deadline:
                raise EngineError(f"another k8slab command holds cluster {name!r} for more than "
                                  f"{timeout:.0f}s ({paths.state_dir() / (name + '.lock')})")
            time.sleep(0.2)
        try:
            yield
        finally:
            _unlock(fh)


def _try_lock(fh) -> bool:
    """One non-blocking try for an exclusive lock: flock where there is fcntl, else Windows' msvcrt."""
    try:
        import fcntl
    except ImportError:  # Windows has no fcntl
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _unlock(fh) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(fh, fcntl.LOCK_UN)


def _engine_file(name: str):
    return paths.state_dir() / f"{name}.engine"


def recorded_engine(name: str) -> str | None:
    try:
        return _engine_file(name).read_text().strip() or None
    except OSError:
        return None


def pick_engine(engine: str, echo: Callable[[str], None] | None = None) -> str:
    """Resolve ``auto`` to ``kind``, ``local`` or ``kwok`` (saying why through ``echo``)."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if engine != "auto":
        hostos.require(engine)
        return engine
    kind_ok, kind_why = kind.usable()
    if kind_ok:
        return "kind"
    if not hostos.is_linux():
        raise EngineError(f"on {hostos.name()} the lab runs on the kind engine only, and it cannot "
                          f"run: {kind_why}. Install and start Docker Desktop, install kind "
                          f"(https://kind.sigs.k8s.io/docs/user/quick-start/), then k8slab up")
    from . import local

    local_ok, local_why = local.usable()
    if local_ok:
        if echo:
            echo(f"engine: local (real nodes; no usable Docker/kind: {kind_why})")
        return "local"
    if echo:
        echo(f"engine: kwok (simulated nodes; real nodes cannot run here: {local_why})")
    return "kwok"


def _module(engine: str):
    if engine == "local":
        from . import local

        return local
    return kind if engine == "kind" else kwok


def status(name: str = DEFAULT_NAME, engine: str | None = None) -> ClusterStatus:
    """The state of cluster ``name`` on its engine (recorded, else given, else kwok)."""
    engine = engine if engine and engine != "auto" else (recorded_engine(name) or "kwok")
    st = _module(engine).status(name)
    if engine == "kind" and st.state != "absent":
        st.egress = "on (kind's default: pods reach the internet through Docker's NAT)"
    return st


def _check_name(name: str) -> None:
    import re

    if not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?", name):
        raise UsageError(f"invalid cluster name {name!r}: use lower-case letters, digits and '-' "
                         f"(at most 32 characters), e.g. --name k8slab")


def up(name: str = DEFAULT_NAME, engine: str = "auto", workers: int = 2, pull: str = "local",
       echo: Callable[[str], None] = print, egress: bool | None = None) -> ClusterStatus:
    """Start cluster ``name`` (or reuse it when healthy) and wait until every node is Ready.

    Args:
        egress: real nodes only. True: pods may reach the internet (NAT through
            slirp4netns and an upstream resolver); False: pods reach only the lab;
            None (default): keep what the cluster has (off for a new one). On a
            healthy cluster a change is made in place.
    """
    _check_name(name)
    if not 0 <= workers <= 10:
        raise UsageError(f"--workers {workers} is out of range: use 0 to 10")
    with lock(name):
        return _up(name, engine, workers, echo, pull, egress)


def _check_egress(engine: str, want: bool | None, echo: Callable[[str], None]) -> None:
    if want is None or engine == "local":
        return
    if engine == "kwok":
        raise UsageError("--egress/--no-egress does not apply to the kwok engine: its pods are "
                         "simulated and send no packets (real nodes: --engine local)")
    if want:
        echo("note: on the kind engine pods reach the internet by default (Docker's NAT); "
             "--egress changes nothing")
    else:
        raise UsageError("on the kind engine pods reach the internet through Docker's NAT, which "
                         "k8slab cannot turn off; for pods that reach only the lab use --engine local")


def _egress_mode(want: bool | None, recorded):
    from .local import egress

    if want is None:
        return recorded
    return egress.Egress("internet") if want else egress.OFF


def _up(name: str, engine: str, workers: int, echo: Callable[[str], None],
        pull: str = "local", egress: bool | None = None) -> ClusterStatus:
    started = time.monotonic()
    recorded = recorded_engine(name)
    chosen = recorded if (recorded and engine == "auto") else pick_engine(engine, echo)
    if recorded and recorded != chosen and engine != "auto":
        raise EngineError(f"cluster {name!r} already exists on the {recorded} engine; remove it "
                          f"first (k8slab down --name {name}) or use --engine {recorded}")
    chosen = recorded or chosen
    _check_egress(chosen, egress, echo)
    mod = _module(chosen)
    st = mod.status(name)
    eg = _egress_mode(egress, mod.egress_of(name)) if chosen == "local" else None
    if eg is not None and eg.on:
        from .local import egress as local_egress

        if not local_egress.installed():
            raise EngineError(f"egress needs slirp4netns, which is not installed; run: "
                              f"{local_egress.APT_FIX} (or: k8slab up --no-egress)")
    # in place while the cluster runs (starting too: e.g. CoreDNS restarting after a switch)
    if st.state in ("running", "starting") and chosen == "local" and eg != mod.egress_of(name):
        _switch_egress(name, eg, echo)
        st = mod.status(name)
    if st.state == "running":
        want = workers + 1
        if len(st.nodes) != want:
            echo(f"note: cluster {name} is running with {len(st.nodes)} nodes "
                 f"(asked for {want}); recreate it to change: k8slab down && k8slab up")
        echo(f"cluster {name} is already running ({chosen} engine); reusing it")
        return st
    if st.state != "absent" and chosen == "kind" and kind.resume(name, workers, st, echo=echo):
        return _kind_ready(name, started, echo)
    if st.state != "absent":
        echo(f"cluster {name} is {st.state}: {st.problem}")
        if chosen == "local":
            mod.record_egress(name, eg)
        if chosen in ("kwok", "local") and mod.restart(name, echo=echo):
            st = mod.status(name)
            echo(f"cluster {name} is up again with its objects ({len(st.nodes)} nodes Ready) "
                 f"in {fmt_duration(time.monotonic() - started)}")
            return st
        echo(f"recreating cluster {name} (it could not be restarted: its objects are lost)")
        mod.delete(name, echo=echo)
    _engine_file(name).parent.mkdir(parents=True, exist_ok=True)
    _engine_file(name).write_text(chosen)
    try:
        if chosen == "local":
            mod.create(name, workers, echo=echo, pull=pull, egress_mode=eg)
        else:
            mod.create(name, workers, echo=echo)
    except BaseException:
        # nothing half-started is left behind: stop what was started, forget the cluster
        try:
            mod.delete(name, echo=lambda _line: None)
        except K8sLabError:
            pass  # the create's own error says more (e.g. Docker stopped answering)
        finally:
            _engine_file(name).unlink(missing_ok=True)
        raise
    if chosen == "kind":
        # kind's --wait covers the control plane only; an interrupted wait leaves the
        # cluster in place, and the next up waits for it again (kind.resume)
        kind.wait_nodes(name, workers, echo=echo)
        return _kind_ready(name, started, echo)
    st = mod.status(name)
    echo(f"cluster {name} is up ({chosen} engine, {len(st.nodes)} nodes Ready) "
         f"in {fmt_duration(time.monotonic() - started)}")
    echo(f"kubeconfig: {st.kubeconfig}  context: {st.context}")
    return st


def _switch_egress(name: str, eg, echo: Callable[[str], None]) -> None:
    from . import local
    from .local import egress

    started = time.monotonic()
    local.set_egress(name, eg)
    echo(f"egress {'switched on' if eg.on else 'switched off'} in place in "
         f"{fmt_duration(time.monotonic() - started)}: {egress.describe(eg)}")


def set_egress(name: str = DEFAULT_NAME, mode: str = "off", ports: tuple[int, ...] = (),
               echo: Callable[[str], None] = print) -> None:
    """Switch egress of the running real-node cluster ``name`` in place.

    Args:
        mode: ``off``, ``internet`` (what ``k8slab up --egress`` sets), or ``host``:
            pods reach only ``ports`` of this machine's 127.0.0.1, at 10.0.2.2 (the
            tests' mode: the NAT path, with nothing able to leave the machine).
    """
    from . import local
    from .local import egress

    with lock(name):
        if recorded_engine(name) != "local":
            raise UsageError(f"egress is switched on real-node clusters only; cluster {name} runs "
                             f"on the {recorded_engine(name) or 'no'} engine")
        if not local.status(name).healthy:
            raise EngineError(f"cluster {name} is not running healthy; run: k8slab up")
        _switch_egress(name, egress.Egress(mode, tuple(ports)), echo)


def _kind_ready(name: str, started: float, echo: Callable[[str], None]) -> ClusterStatus:
    from . import kind_images

    kind_images.preload(name, echo=echo)
    st = kind.status(name)
    echo(f"cluster {name} is up (kind engine, {len(st.nodes)} nodes Ready) "
         f"in {fmt_duration(time.monotonic() - started)}")
    echo(f"kubeconfig: {st.kubeconfig}  context: {st.context}")
    return st


def down(name: str = DEFAULT_NAME, echo: Callable[[str], None] = print) -> bool:
    """Stop cluster ``name`` and remove its state; False when there was nothing to remove."""
    _check_name(name)
    with lock(name):
        engine = recorded_engine(name) or "kwok"
        removed = _module(engine).delete(name, echo=echo)
        _engine_file(name).unlink(missing_ok=True)
    return removed
