"""``k8slab doctor``: every precondition of the lab, each with a verdict and a fix."""

from __future__ import annotations

import dataclasses
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from . import gobuild, hostos, kind, paths, versions
from ..errors import EngineError
from .cluster import DEFAULT_NAME, pick_engine, recorded_engine, status


@dataclasses.dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True

    def line(self) -> str:
        mark = "ok  " if self.ok else ("FAIL" if self.required else "warn")
        text = f"[{mark}] {self.name}: {self.detail}"
        if not self.ok and self.fix:
            text += f"\n       fix: {self.fix}"
        return text


def _check_go(engine: str) -> Check:
    need = ".".join(map(str, versions.GO_MIN))
    # once every binary the engine runs is cached (built, or fetched from a release or a mirror)
    # nothing is left for Go to do
    builds = engine != "kind" and bool(gobuild.missing(engine=engine, thorough=False))
    why = (f"Go {need}+ builds the {engine} engine" if builds else
           "the kind engine needs no Go" if engine == "kind" else
           f"every binary the {engine} engine runs is cached: Go is only needed to rebuild")
    fix = "install Go from https://go.dev/doc/install, or fetch from a mirror: k8slab build --mirror URL" \
        if builds else "nothing: Go is only needed to build what is missing"
    ver = gobuild.go_version()
    if ver is None:
        return Check("go", False, f"not found on PATH ({why})", fix, required=builds)
    have = ".".join(map(str, ver))
    if ver[:2] < versions.GO_MIN:
        return Check("go", False, f"Go {have} is older than {need} ({why})",
                     f"upgrade Go, or: GOTOOLCHAIN=go{need}.0+auto k8slab build", required=builds)
    return Check("go", True, f"Go {have}")


def _check_binaries(engine: str) -> list[Check]:
    if engine == "kind":
        return [Check("binaries", True, "none needed: kind brings its own node image "
                                        f"({versions.KIND_NODE_IMAGE.split('@')[0]})")]
    needed = set(gobuild.binaries_for(engine))
    out = []
    for comp in gobuild.components():
        for name in comp.packages:
            problem = gobuild.cached_problem(comp, name)
            path = comp.binary(name)
            detail = problem or (f"{path} ({path.stat().st_size / 2**20:.1f} MiB, "
                                 f"{gobuild.origin(comp, name)})")
            out.append(Check(f"binary {name} {comp.version}", problem is None, detail,
                             (f"k8slab addons {comp.addon}" if comp.addon else
                              f"k8slab build --engine {engine}"
                              + (" --force" if problem and problem != "missing" else "")),
                             required=name in needed))
    stages = gobuild.stage_root()
    out.append(Check("KWOK default stages", (stages / "pod").is_dir(), str(stages),
                     f"k8slab build --engine {engine}"))
    return out


def _check_downloads() -> Check:
    from . import fetch

    try:
        mirror = fetch.mirror_url()
    except EngineError as exc:
        return Check("downloads", False, str(exc), "fix or unset K8SLAB_MIRROR")
    if os.environ.get("K8SLAB_FROM_SOURCE", "") not in ("", "0"):
        return Check("downloads", True, "none: K8SLAB_FROM_SOURCE is set, everything is built from Go modules")
    if mirror:
        return Check("downloads", True, f"from the mirror {mirror} only ($K8SLAB_MIRROR); what it lacks is built")
    return Check("downloads", True, "official release files (dl.k8s.io, github.com), SHA-256 verified; what "
                                    "they lack or does not answer is built from Go modules")


def _pick(name: str, engine: str | None) -> tuple[str, str]:
    """The engine to judge the machine for, and why that one."""
    if engine and engine != "auto":
        return engine, "asked with --engine"
    recorded = recorded_engine(name)
    if recorded:
        return recorded, f"cluster {name} was made by it"
    said: list[str] = []
    try:
        chosen = pick_engine("auto", said.append)
    except EngineError as exc:  # macOS/Windows without a usable kind: judge for kind, say what it lacks
        return "kind", str(exc).split(":", 1)[0]
    return chosen, (said[0].split("(", 1)[-1].rstrip(")") if said else "Docker and kind answer") \
        + "; k8slab up would pick it"


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) != 0


def _check_cluster(name: str, engine: str | None = None) -> list[Check]:
    st = status(name, recorded_engine(name) or engine)
    checks = [Check(f"cluster {name}", st.state in ("running", "absent"),
                    f"{st.state} ({st.engine} engine)" + (f": {st.problem}" if st.problem else ""),
                    st.fix(), required=st.state != "absent")]
    if st.state == "absent":
        checks[0].detail += " - not started yet"
        checks[0].ok = False
        checks[0].required = False
    if st.state in ("stopped", "broken") and st.server:
        url = urlparse(st.server)
        if url.port and not _port_free(url.hostname or "127.0.0.1", url.port) and not st.api_ok:
            checks.append(Check("api port", False,
                                f"{url.port} is taken by another process while the cluster is down",
                                f"free the port (ss -ltnp 'sport = :{url.port}'), then "
                                f"k8slab down && k8slab up"))
    kc = paths.kubeconfig_path()
    home_kc = Path.home() / ".kube" / "config"
    safe = kc.resolve() != home_kc.resolve()
    checks.append(Check("kubeconfig", safe, f"{kc} (k8slab's own file)" if safe else
                        f"{kc} is your ~/.kube/config", "unset K8SLAB_KUBECONFIG"))
    return checks


def _check_real_nodes(engine: str) -> list[Check]:
    """Can this machine run the real-node engine? Required when it is the engine judged."""
    needed = engine == "local"
    if not hostos.is_linux():
        return [Check("real nodes", False, f"the local engine runs on Linux only (this is {hostos.name()})",
                      "use the kind engine: k8slab up --engine kind", required=needed)]
    from .local import preflight

    problems = preflight.problems()
    if not problems:
        return [Check("real nodes", True, "root, runc, CNI plugins, iptables, cgroups, overlay, "
                                          "br_netfilter: --engine local can run here")]
    return [Check("real nodes", False, p.split(" (")[0],
                  (p.split(" (", 1)[1].rstrip(")") if " (" in p else "see the README's troubleshooting")
                  + ("" if needed else "; or keep the simulated engine: k8slab up --engine kwok"),
                  required=needed) for p in problems]


def _check_egress(name: str, engine: str) -> list[Check]:
    """Egress (pods reaching beyond the lab): what the cluster asks for, and whether it can."""
    if engine == "kind":
        return [Check("egress", True, "kind's pods reach the internet through Docker's NAT (its default)")]
    if engine != "local" or not hostos.is_linux():
        return []  # simulated pods send no packets
    from .local import egress, engine as local_engine

    asked = local_engine.egress_of(name)
    where = egress.installed()
    if asked.on:
        return [Check("egress", where, f"asked ({asked.mode}); slirp4netns "
                      + ("installed" if where else "is not installed"),
                      f"{egress.APT_FIX}  (or turn egress off: k8slab up --no-egress)")]
    return [Check("egress", True, "off (pods reach only the lab); k8slab up --egress would use "
                  "slirp4netns: " + ("installed" if where else f"not installed ({egress.APT_FIX})"),
                  required=False)]


def run(name: str = DEFAULT_NAME, engine: str | None = None) -> list[Check]:
    """All checks, in the order they matter, judged for ``engine`` (default: the cluster's, else auto's)."""
    engine, why = _pick(name, engine)
    checks = [Check("engine", True, f"{engine} ({why}); what follows is judged for it")]
    checks += [_check_go(engine), *_check_binaries(engine)]
    if engine != "kind":
        checks.append(_check_downloads())
    docker_ok, docker_why = kind.docker_available()
    checks.append(Check("docker", docker_ok, docker_why,
                        "start Docker (Docker Desktop on macOS/Windows)" if engine == "kind" else
                        "only the kind engine needs Docker; the local engine works without it",
                        required=engine == "kind"))
    kind_ok, kind_why = kind.kind_available()
    checks.append(Check("kind", kind_ok, kind_why,
                        f"install kind {versions.KIND}: https://kind.sigs.k8s.io/docs/user/quick-start/"
                        + ("" if engine == "kind" else " (only needed for --engine kind)"),
                        required=engine == "kind"))
    if engine != "kind":
        checks += _check_real_nodes(engine)
    checks += _check_egress(name, engine)
    checks += _check_cluster(name, engine)
    checks.append(Check("cache", True, f"builds in {paths.cache_dir()}, state in {paths.state_dir()}"))
    if os.environ.get("KUBECONFIG"):
        checks.append(Check("KUBECONFIG", True, f"set to {os.environ['KUBECONFIG']}; the magics "
                            f"still use k8slab's own kubeconfig first", required=False))
    return checks
