"""What goes into each image's root filesystem, from unpacked Debian packages and built binaries."""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path

from ...errors import BuildError
from . import debian
from .entries import Image
from .elf import Closure, is_elf
from .rootfs import Rootfs

NGINX_UID = 101
NGINX_COMMON_FILES = ("mime.types", "fastcgi_params", "fastcgi.conf", "scgi_params", "uwsgi_params",
                      "koi-utf", "koi-win", "win-utf")
NSSWITCH = "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\n"
HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
BUSYBOX = "busybox"
"""Debian's dynamically linked busybox. Not busybox-static: static glibc cannot load the NSS
modules getaddrinfo needs, so every host name lookup (``wget http://web``) died with SIGSEGV."""
PERL_PACKAGES = ("perl-base", "perl-modules-5.36", "libperl5.36", "perl", "libmath-bigint-perl",
                 "libscalar-list-utils-perl")
DROPPED = ("usr/share/doc", "usr/share/man", "usr/share/lintian", "usr/share/bug")


@dataclasses.dataclass
class Material:
    """What an image is made from."""

    trees: dict[str, Path]  # Debian package -> its unpacked files
    versions: dict[str, str]  # Debian package -> version
    binary: Path | None = None  # the Go binary, or the compiled pause program
    arch: str = "amd64"


def data_file(name: str) -> bytes:
    """A file shipped with this package (``files/nginx.conf``, ``pause.c``)."""
    return resources.files(__package__).joinpath(name).read_bytes()


def _skeleton(fs: Rootfs) -> None:
    for d in ("dev", "proc", "sys", "etc", "home", "var"):
        fs.dir(d)
    fs.dir("root", 0o700)
    fs.dir("tmp", 0o1777)


def _users(fs: Rootfs, *extra: tuple[str, int, str, str]) -> None:
    """/etc/passwd and /etc/group: root, the ``extra`` (name, id, home, shell) and nobody."""
    users = [("root", 0, "/root", "/bin/sh"), *extra, ("nobody", 65534, "/nonexistent", "/bin/false")]
    fs.file("etc/passwd", "".join(f"{n}:x:{i}:{i}:{n}:{h}:{s}\n" for n, i, h, s in users))
    fs.file("etc/group", "".join(f"{n}:x:{i}:\n" for n, i, _, _ in users))


def _name_service(fs: Rootfs) -> None:
    """/etc/nsswitch.conf (hosts: files dns) and a localhost /etc/hosts, for glibc's resolver.

    Kubernetes mounts its own /etc/hosts and /etc/resolv.conf into each container; these keep
    the image sane when run on its own."""
    fs.file("etc/nsswitch.conf", NSSWITCH)
    fs.file("etc/hosts", HOSTS, overwrite=False)


def _busybox(fs: Rootfs, m: Material) -> tuple[Path, str]:
    """Busybox at /bin/busybox and a link for each applet, where no real program is.

    Returns the (tree, path) of the binary, for the caller to add the libraries it loads
    (see :func:`_libraries`): it is dynamically linked against glibc.
    """
    tree = m.trees[BUSYBOX]
    binary = tree / "bin" / "busybox"
    if not binary.is_file():
        raise BuildError(f"{BUSYBOX} holds no bin/busybox (looked in {tree})")
    fs.copy("bin/busybox", binary, 0o755)
    # the build machine runs it to list its applets: the same glibc ABI the image will carry
    applets = debian.run([str(binary), "--list"], "listing busybox applets").split()
    for applet in applets:
        if applet not in ("busybox", "linuxrc") and "/" not in applet:
            fs.symlink(f"bin/{applet}", "busybox", overwrite=False)
    wget = fs.entries.get(fs.place("bin/wget"))
    if wget is not None and wget.kind == "symlink" and wget.target == "busybox":
        fs.file("bin/wget", data_file("files/wget.sh"), 0o755)  # -T/--timeout: see the script
    _name_service(fs)
    return tree, "bin/busybox"


def _locale(fs: Rootfs, m: Material) -> None:
    """glibc's C.UTF-8 locale, so LANG=C.UTF-8 (as many pod specs set) works without warnings."""
    tree = m.trees["libc-bin"]
    locale = tree / "usr/lib/locale/C.utf8"
    if not locale.is_dir():
        raise BuildError(f"libc-bin holds no usr/lib/locale/C.utf8 (looked in {tree})")
    for path in sorted(locale.rglob("*")):
        fs.add_from(tree, str(path.relative_to(tree)))


def _elf_files(tree: Path, keep) -> list[tuple[Path, str]]:
    out = []
    for path in sorted(tree.rglob("*")):
        rel = str(path.relative_to(tree))
        if keep(rel) and is_elf(path):
            out.append((tree, rel))
    return out


def _libraries(fs: Rootfs, m: Material, roots: list[tuple[Path, str]], what: str) -> None:
    """Add the shared objects (and the loader) the ELF files among ``roots`` need."""
    closure = Closure(list(m.trees.values()))
    for extra in ("libgcc_s.so.1",):  # glibc dlopens it to unwind threads on pthread_cancel/exit
        if extra in closure.index:
            roots = roots + [closure.index[extra]]
            fs.add_from(*closure.index[extra])
    for tree, rel in sorted(closure.resolve(roots, what)):
        fs.add_from(tree, rel)


def busybox(m: Material) -> Rootfs:
    fs = Rootfs()
    _skeleton(fs)
    _users(fs)
    _libraries(fs, m, [_busybox(fs, m)], "busybox")
    return fs


def nginx(m: Material) -> Rootfs:
    fs = Rootfs(merged_usr=True)
    _skeleton(fs)
    _users(fs, ("nginx", NGINX_UID, "/nonexistent", "/bin/false"))
    _locale(fs, m)
    binary = (m.trees["nginx"], "usr/sbin/nginx")
    fs.add_from(*binary)
    common = m.trees["nginx-common"]
    for name in NGINX_COMMON_FILES:
        fs.add_from(common, f"etc/nginx/{name}")
    fs.file("etc/nginx/nginx.conf", data_file("files/nginx.conf"))
    fs.file("etc/nginx/conf.d/default.conf", data_file("files/default.conf"))
    fs.file("usr/share/nginx/html/index.html", data_file("files/index.html"))
    fs.file("usr/share/nginx/html/50x.html", data_file("files/50x.html"))
    # Debian's build keeps temp files in /var/lib/nginx/<kind> (nginx -V), which the master
    # creates and hands to the workers; /var/cache/nginx is where the official image keeps them
    for d in ("var/lib/nginx", "var/cache/nginx", "usr/lib/nginx/modules", "run", "var/log/nginx"):
        fs.dir(d)
    fs.symlink("var/run", "/run")
    fs.symlink("var/log/nginx/access.log", "/dev/stdout")
    fs.symlink("var/log/nginx/error.log", "/dev/stderr")
    _libraries(fs, m, [binary, _busybox(fs, m)], "nginx")
    return fs


def _perl_keep(rel: str) -> bool:
    if rel.startswith(DROPPED) or rel.endswith((".a", ".h")):
        return False
    name = rel.rsplit("/", 1)[-1]
    # headers and static libperl are for building XS modules; libperl.so is added if needed
    return "/CORE/" not in f"/{rel}/" and not name.startswith("libperl.so")


def perl(m: Material) -> Rootfs:
    fs = Rootfs(merged_usr=True)
    _skeleton(fs)
    _users(fs)
    _locale(fs, m)
    roots = []
    for pkg in PERL_PACKAGES:
        fs.add_tree(m.trees[pkg], _perl_keep)
        roots += _elf_files(m.trees[pkg], _perl_keep)
    if not any(r[1] == "usr/bin/perl" for r in roots):
        raise BuildError("perl-base holds no usr/bin/perl")
    _libraries(fs, m, roots + [_busybox(fs, m)], "perl")
    return fs


def agnhost(m: Material) -> Rootfs:
    fs = busybox(m)
    fs.copy("agnhost", m.binary, 0o755)
    return fs


def pause(m: Material) -> Rootfs:
    fs = Rootfs()
    fs.copy("pause", m.binary, 0o755)
    return fs


def coredns(m: Material) -> Rootfs:
    fs = Rootfs()
    fs.dir("etc")
    fs.dir("tmp", 0o1777)
    _users(fs, ("nonroot", 65532, "/home/nonroot", "/bin/false"))
    fs.copy("coredns", m.binary, 0o755)
    return fs


def traefik(m: Material) -> Rootfs:
    """The static Traefik binary, CA-free (the lab's certificates are its own), /tmp for its files."""
    fs = Rootfs()
    fs.dir("etc")
    fs.dir("tmp", 0o1777)
    _users(fs)
    fs.copy("traefik", m.binary, 0o755)
    return fs


ASSEMBLE = {"busybox": busybox, "nginx": nginx, "perl": perl, "agnhost": agnhost, "pause": pause,
            "coredns": coredns, "traefik": traefik}


def assemble(image: Image, m: Material) -> Rootfs:
    """The root filesystem of a catalog image."""
    return ASSEMBLE[image.name](m)
