"""The ``k8slab`` command: cluster lifecycle, builds, diagnostics and the lab."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .errors import K8sLabError

EPILOG = """examples:
  k8slab up                      start the lab cluster (kind if Docker answers, else local)
  k8slab up --egress             let real nodes' pods reach the internet (off by default)
  export KUBECONFIG=$(k8slab kubeconfig)
  k8slab status                  is it healthy? which processes, which nodes?
  k8slab doctor                  check Go, binaries, Docker, kind, ports, stale state
  k8slab lab                     cluster up, then JupyterLab on notebooks/
  k8slab images                  the image set real nodes pull from (no registry needed)
  k8slab image load app.tar --name myapp:1.0   add your own image
  k8slab down                    stop everything and remove the cluster's state
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="k8slab", description="Kubernetes lab notebooks: the cluster.",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    up = sub.add_parser("up", help="start the lab cluster (reuses a healthy one)")
    up.add_argument("--engine", choices=("auto", "local", "kwok", "kind"), default="auto",
                    help="auto: kind when a Docker daemon answers, else local (real nodes) where "
                         "this machine can run them, else kwok (simulated nodes) (default: auto)")
    up.add_argument("--name", default="k8slab", help="cluster name (default: k8slab)")
    up.add_argument("--workers", type=int, default=2, help="worker nodes (default: 2)")
    up.add_argument("--pull", choices=("local", "upstream"), default="local",
                    help="real nodes only: where images come from. local: only the lab's image "
                         "set (k8slab images), nothing leaves the machine; upstream: the set first, "
                         "then the public registries, for machines that reach them (default: local)")
    eg = up.add_mutually_exclusive_group()
    eg.add_argument("--egress", dest="egress", action="store_true", default=None,
                    help="real nodes only: let pods reach the internet (NAT through slirp4netns in "
                         "the lab's own namespace, and an upstream DNS resolver); the host's "
                         "forwarding and firewall stay untouched. Remembered by the cluster; on a "
                         "running cluster it is switched on in place. Off by default (kind: always "
                         "on; kwok: does not apply)")
    eg.add_argument("--no-egress", dest="egress", action="store_false",
                    help="real nodes only: pods reach only the lab (the default), switched off in "
                         "place on a running cluster")
    up.add_argument("--mirror", metavar="URL", default=None,
                    help="local and kwok engines: fetch release binaries from this mirror (laid out "
                         "as the official sites; default: $K8SLAB_MIRROR, else the official sites)")

    down = sub.add_parser("down", help="stop the cluster and remove its state")
    down.add_argument("--name", default="k8slab")

    st = sub.add_parser("status", help="show the cluster's state, processes and nodes")
    st.add_argument("--name", default="k8slab")

    sub.add_parser("kubeconfig", help="print the path of k8slab's kubeconfig")

    b = sub.add_parser("build", help="build the Docker-less engines' binaries (only what is missing)")
    b.add_argument("--force", action="store_true", help="rebuild even cached binaries")
    b.add_argument("--engine", choices=("auto", "local", "kwok", "kind", "all"), default="auto",
                   help="build what this engine needs (auto: the engine `k8slab up` would pick; "
                        "kind needs nothing built) (default: auto)")
    b.add_argument("--from-source", action="store_true",
                   help="build everything from Go modules; fetch no release binaries")
    b.add_argument("--mirror", metavar="URL", default=None,
                   help="fetch release binaries from this mirror (laid out as the official sites; "
                        "default: $K8SLAB_MIRROR, else the official sites); what it lacks is built")
    b.add_argument("binaries", nargs="*", help="only these (e.g. kube-apiserver kwok)")

    mi = sub.add_parser("mirror", help="share this machine's binaries with a classroom")
    mi_sub = mi.add_subparsers(dest="mirror_command", metavar="SUBCOMMAND", required=True)
    ex = mi_sub.add_parser("export", help="lay the cached binaries out in DIR as a mirror (the "
                                          "official sites' paths and tarballs, a checksum file beside each)")
    ex.add_argument("directory", help="where to write the mirror tree")

    im = sub.add_parser("images", help="list the local image set (the real-node engine's registry)")
    im.add_argument("--name", default="k8slab")

    il = sub.add_parser("image", help="add your own image to the real-node engine (as kind load does)")
    il_sub = il.add_subparsers(dest="image_command", metavar="SUBCOMMAND", required=True)
    load = il_sub.add_parser("load", help="load IMAGE.tar (docker save / OCI archive) or a DIR "
                                          "(used as the image's filesystem) under --name NAME:TAG")
    load.add_argument("source", help="IMAGE.tar or DIR")
    load.add_argument("--name", dest="image_name", required=True, help="NAME:TAG, e.g. myapp:1.0")
    load.add_argument("--cluster", default="k8slab", help="cluster name (default: k8slab)")

    ad = sub.add_parser("addons", help="install or remove a lab addon (ingress: Traefik as the ingress "
                                       "controller, with Gateway API); without a name: their state")
    ad.add_argument("addon", nargs="?", choices=("ingress",), help="the addon (ingress)")
    ad.add_argument("--remove", action="store_true", help="delete everything the addon installed")
    ad.add_argument("--name", default="k8slab", help="cluster name (default: k8slab)")
    ad.add_argument("--timeout", type=float, default=180, help="seconds to wait for it (default: 180)")

    d = sub.add_parser("doctor", help="check everything the lab needs, with fixes")
    d.add_argument("--name", default="k8slab")
    d.add_argument("--engine", choices=("auto", "local", "kwok", "kind"), default="auto",
                   help="judge what this engine needs (auto: the cluster's engine, else the one "
                        "k8slab up would pick) (default: auto)")

    lab = sub.add_parser("lab", help="cluster up, then JupyterLab on notebooks/")
    lab.add_argument("--engine", choices=("auto", "local", "kwok", "kind"), default="auto")
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument("--notebooks", default=None, help="notebook directory (default: ./notebooks)")
    lab.add_argument("--no-browser", action="store_true")
    return p


def _lab(args) -> int:
    from .engine import cluster

    cluster.up(engine=args.engine)
    jupyter = shutil.which("jupyter", path=os.path.dirname(sys.executable)) or shutil.which("jupyter")
    if not jupyter:
        print("error: JupyterLab is not installed; run: pip install 'k8slab[lab]'", file=sys.stderr)
        return 1
    nbdir = Path(args.notebooks or "notebooks")
    if not nbdir.is_dir():
        print(f"error: no notebook directory {nbdir}; run from the repo root or pass --notebooks",
              file=sys.stderr)
        return 1
    cmd = [jupyter, "lab", f"--notebook-dir={nbdir}", "--ip=127.0.0.1", f"--port={args.port}"]
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and lab VMs often run as root; Jupyter refuses it otherwise
    print("running: " + " ".join(cmd))
    return subprocess.call(cmd)


def _addons(args) -> int:
    from .engine import ingress

    if args.addon is None:
        st = ingress.status(args.name)
        state = ("ready at " + ", ".join(st.addresses)) if st.ready else (st.problem or "not ready")
        print(f"ingress: {'installed, ' if st.installed else ''}{state}")
        return 0
    if args.remove:
        ingress.remove(args.name, timeout=args.timeout)
        return 0
    started = time.monotonic()
    result = ingress.install(args.name, timeout=args.timeout)
    print(f"{ingress.ready_line(result)} (in {time.monotonic() - started:.1f}s)")
    return 0


def _mirror_export(directory: Path) -> int:
    from .engine import fetch, fetch_export, gobuild, versions

    cached: dict[str, tuple[str, dict[str, Path]]] = {}
    for comp in gobuild.components():
        have = {name: comp.binary(name) for name in comp.packages
                if gobuild.cached_problem(comp, name) is None}
        if have:
            cached[comp.name] = (comp.version, have)
    if not cached:
        print("error: no binary is cached yet; run: k8slab build --engine local", file=sys.stderr)
        return 1
    try:
        stages = (versions.KWOK, gobuild.stage_root()) if (gobuild.stage_root() / "pod").is_dir() else None
        written = fetch_export.export(directory, cached, fetch.host_platform(), stages)
    except OSError as exc:
        print(f"error: cannot write the mirror to {directory}: {exc.strerror or exc}; choose a "
              f"directory you can write to", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files ({size / 2**20:.0f} MiB) with their checksum files to {directory}:")
    for path in written:
        print(f"  {path.relative_to(directory)}")
    print("layout: dl.k8s.io's paths at the root (release/...), other sites below their host name "
          "(github.com/<owner>/<repo>/releases/download/...), binaries with no official release "
          "below k8slab/")
    print(f"serve it to the room, e.g.: python3 -m http.server --directory {directory} 8000")
    print("learners then run: k8slab build --mirror http://<this machine's address>:8000")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "up":
            from .engine import cluster

            if args.mirror:
                from .engine import fetch

                os.environ["K8SLAB_MIRROR"] = fetch.mirror_url(args.mirror)  # read by the build up runs
            st = cluster.up(name=args.name, engine=args.engine, workers=args.workers, pull=args.pull,
                            egress=args.egress)
            return 0 if st.healthy else 1
        if args.command == "down":
            from .engine import cluster

            removed = cluster.down(name=args.name)
            print(f"cluster {args.name} removed" if removed else f"no cluster {args.name} to remove")
            return 0
        if args.command == "status":
            from .engine import cluster

            st = cluster.status(args.name)
            print("\n".join(st.lines()))
            if st.engine in ("local", "kwok"):
                from .engine import gobuild

                print("  binaries:")
                for item in gobuild.inventory(st.engine):
                    print("    " + gobuild.describe(item))
            if st.api_ok and st.engine in ("local", "kind"):
                from .engine import ingress

                ing = ingress.status(args.name)
                if ing.installed:
                    print("  addon ingress:  " + (f"ready, Traefik answers on {', '.join(ing.addresses)}"
                                                   if ing.ready else f"NOT READY: {ing.problem}"))
            return 0 if st.healthy else 1
        if args.command == "kubeconfig":
            from .engine import paths

            print(paths.kubeconfig_path())
            return 0
        if args.command == "build":
            from .engine import gobuild

            engine = None if args.engine == "all" else args.engine
            if engine == "auto":
                from .engine import cluster

                engine = cluster.recorded_engine("k8slab") or cluster.pick_engine("auto", print)
            gobuild.build(args.binaries or None, engine=engine, force=args.force,
                          from_source=args.from_source, mirror=args.mirror, report=True)
            if engine in ("local", None) and not args.binaries:
                from .engine import images

                images.build_all(force=args.force)
                # the series' notebook 09 installs the ingress addon: have its controller ready too
                gobuild.build(gobuild.binaries_for_addon("ingress"), force=args.force,
                              from_source=args.from_source, mirror=args.mirror, report=True)
                images.build_all(force=args.force, names=["traefik"])
            return 0
        if args.command == "doctor":
            from .engine import doctor

            checks = doctor.run(args.name, engine=args.engine)
            for c in checks:
                print(c.line())
            failed = [c for c in checks if not c.ok and c.required]
            print(f"{len(checks) - len(failed)} ok, {len(failed)} failed")
            return 1 if failed else 0
        if args.command == "mirror":
            return _mirror_export(Path(args.directory))
        if args.command == "images":
            from .engine.local import images_cli

            return images_cli.list_images(args.name)
        if args.command == "image":
            from .engine.local import images_cli

            return images_cli.load(args.cluster, Path(args.source), args.image_name)
        if args.command == "lab":
            return _lab(args)
        if args.command == "addons":
            return _addons(args)
    except K8sLabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (k8slab status | head): stop quietly, as other command-line tools do;
        # stdout goes to /dev/null so the interpreter's final flush cannot fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return 2


if __name__ == "__main__":
    sys.exit(main())
