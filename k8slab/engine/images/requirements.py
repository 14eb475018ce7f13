"""What building the image set needs from the machine, and how to get what is missing."""

from __future__ import annotations

import glob
import shutil
import subprocess

TOOLS = (
    # (program, Debian package, what it is for)
    ("apt-get", "apt", "downloads the Debian packages the images are made of"),
    ("apt-cache", "apt", "picks their versions"),
    ("dpkg", "dpkg", "names this machine's architecture"),
    ("dpkg-deb", "dpkg", "unpacks the packages"),
    ("readelf", "binutils", "finds the shared libraries each program loads"),
    ("gcc", "gcc", "compiles the pause image"),
)


def _static_libc() -> bool:
    """Whether gcc can link static programs (libc6-dev's libc.a is there)."""
    try:
        out = subprocess.run(["gcc", "-print-file-name=libc.a"], capture_output=True, text=True,
                             timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return False
    return out.startswith("/")


def _missing() -> list[tuple[str, str, str]]:
    out = [(prog, pkg, why) for prog, pkg, why in TOOLS if shutil.which(prog) is None]
    if shutil.which("gcc") and not _static_libc():
        out.append(("libc.a", "libc6-dev", "lets gcc link the pause program statically"))
    return out


def apt_packages_needed() -> list[str]:
    """Debian packages to install before the images can be built (empty when none)."""
    return sorted({pkg for _, pkg, _ in _missing()})


def check() -> list[str]:
    """Problems that stop an image build, each with its fix (empty when the machine is ready)."""
    problems = [f"{prog} is missing: it {why}." for prog, _, why in _missing()]
    need = apt_packages_needed()
    if need:
        problems.append(f"Install: apt-get install {' '.join(need)} (as root)")
    if shutil.which("apt-get") and not glob.glob("/var/lib/apt/lists/*_Packages*"):
        problems.append("apt has no package lists yet: run apt-get update (as root)")
    return problems
