"""Build the lab's image set for real and run each image's root filesystem.

Each image's layer is unpacked into a temporary directory and run with
``unshare --mount --pid --fork --net`` + ``chroot``, with the image's own
Env and Entrypoint/Cmd: a private mount namespace (proc and a minimal /dev are
mounted only there), its own PID 1, and a network namespace holding nothing but
its loopback, so nginx is fetched from inside the namespace it serves in.

Needs root, util-linux's unshare, apt access to the Debian mirror (first run)
and gcc; no cluster: ``pytest tests/test_images_build.py -p no:k8slab -o addopts=''``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest

from k8slab.engine import images
from k8slab.engine.images import archive, build

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="running image root filesystems needs root"),
    pytest.mark.skipif(not (shutil.which("unshare") and shutil.which("chroot")),
                       reason="needs util-linux unshare and chroot"),
]

PI_PREFIX = "3.14159265358979323846264338327950288419716939937510"

# Runs "$@" (VAR=value ... chroot ROOT argv) in fresh mount, PID and network namespaces. Only the
# namespace's own mounts are touched; they vanish with it.
INSIDE = r"""
R="$1"; shift
ip link set lo up 2>/dev/null || true
[ -d "$R/proc" ] || mkdir "$R/proc"
[ -d "$R/dev" ] || mkdir "$R/dev"
mount -t proc proc "$R/proc"
mount -t tmpfs -o mode=755,size=64k tmpfs "$R/dev"
for n in null zero random urandom; do : > "$R/dev/$n"; mount --bind "/dev/$n" "$R/dev/$n"; done
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"
"""
EXEC = 'exec env -i "$@"\n'


@pytest.fixture(scope="module")
def image_set():
    """The set directory after a real build_all, and the progress lines it printed."""
    lines: list[str] = []
    started = time.monotonic()
    directory = images.build_all(echo=lines.append)
    return directory, lines, time.monotonic() - started


def unpack(directory: Path, name: str, dest: Path) -> tuple[Path, dict]:
    """Unpack an image's layer into ``dest``; return (root, its runtime config)."""
    (img,) = archive.read_archive(directory / f"{name}.tar")
    root = dest / name
    with tarfile.open(directory / f"{name}.tar") as outer:
        layer = outer.extractfile(img.layer_paths[0])
        with tarfile.open(fileobj=layer, mode="r|gz") as tar:
            tar.extractall(root, filter="fully_trusted")  # our own archive, extracted as root would
    return root, img.config["config"]


def command(root: Path, config: dict, args: list[str] | None = None, entrypoint=None,
            prelude: str = "") -> list[str]:
    """argv that runs the image as a runtime would: Entrypoint + (args or Cmd), the image's Env only.

    ``prelude`` is shell run on the host side inside the new namespaces, just before the chroot
    (a helper it starts in the background lives, and dies, with the namespace)."""
    ep = config.get("Entrypoint") or [] if entrypoint is None else entrypoint
    argv = ep + (args if args is not None else config.get("Cmd") or [])
    inner = ["unshare", "--mount", "--pid", "--fork", "--net", "--kill-child", "--propagation", "private",
             "sh", "-ec", INSIDE + prelude + "\n" + EXEC, "inside", str(root)]
    return ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", *inner, *config.get("Env", []),
            shutil.which("chroot"), str(root), *argv]


def run(root: Path, config: dict, args=None, entrypoint=None, timeout=60,
        prelude: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(command(root, config, args, entrypoint, prelude), capture_output=True, text=True,
                          timeout=timeout)


def test_build_reports_each_image(image_set):
    directory, lines, _ = image_set
    assert lines[-1].startswith("images: ") and str(directory) in lines[-1]
    for image in images.catalog():
        tar, refs = directory / f"{image.name}.tar", directory / f"{image.name}.refs"
        if image.addon:  # built by its addon's command (k8slab addons ingress), not by a plain build
            assert not any(ln.startswith(f"[") and f"] {image.name}" in ln for ln in lines)
            continue
        if image.binary and not tar.exists():
            assert any(f"{image.name}: skipped" in ln for ln in lines)
            continue
        assert refs.read_text().splitlines() == list(image.refs)
        (img,) = archive.read_archive(tar)
        assert img.repo_tags == list(image.refs)
        labels = img.config["config"]["Labels"]
        assert labels["org.opencontainers.image.description"].startswith(image.description)


def test_warm_build_rebuilds_nothing(image_set):
    directory, _, _ = image_set
    before = {p.name: p.stat().st_mtime_ns for p in directory.glob("*.tar")}
    lines: list[str] = []
    started = time.monotonic()
    images.build_all(echo=lines.append)
    assert time.monotonic() - started < 10
    assert " 0 built," in lines[-1]
    assert {p.name: p.stat().st_mtime_ns for p in directory.glob("*.tar")} == before


def test_rebuild_is_byte_identical(image_set, tmp_path):
    """A forced rebuild gives the bytes of the set's earlier build of the same recipe.

    The set directory is shared: a build from another checkout (another recipe: its sources
    or apt's answer differ) may replace archives there while this module runs. So the set's
    archive is read under the build lock, and only when its recipe is this build's; otherwise
    this checkout's recipe is built once more to compare with.
    """
    directory, _, _ = image_set
    names = ["busybox", "pause"]
    rebuilt = tmp_path / "rebuilt"
    images.build_all(echo=lambda line: None, force=True, directory=rebuilt, names=names)
    earlier = {}
    with build._build_lock(lambda line: None):
        for name in names:
            recipe = build.built_recipe(name, rebuilt)
            assert recipe, name
            if build.built_recipe(name, directory) == recipe:
                earlier[name] = (directory / f"{name}.tar").read_bytes()
    missing = [name for name in names if name not in earlier]
    if missing:
        again = tmp_path / "again"
        images.build_all(echo=lambda line: None, force=True, directory=again, names=missing)
        earlier.update({name: (again / f"{name}.tar").read_bytes() for name in missing})
    for name in names:
        assert (rebuilt / f"{name}.tar").read_bytes() == earlier[name], name


def test_listing_shows_sizes_and_what_runs(image_set):
    rows = {r["image"]: r for r in images.listing()}
    nginx = rows["docker.io/library/nginx"]
    assert "1.14.2" in nginx["tags"] and nginx["size"] > 1_000_000
    assert "built from Debian nginx 1." in nginx["what"]
    assert rows["registry.k8s.io/nginx-slim"]["tags"] == ["0.24"]
    assert "3.10.1" in rows["registry.k8s.io/pause"]["tags"]


def test_busybox_runs_sh(image_set, tmp_path):
    root, config = unpack(image_set[0], "busybox", tmp_path)
    assert config["Cmd"] == ["sh"]
    out = run(root, config, ["sh", "-c", "echo ok; id -u; stat -c %a /tmp; wget --help 2>&1 | head -1"])
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:3] == ["ok", "0", "1777"] and "BusyBox" in lines[3]


# A tiny authoritative DNS server for the tests below: A web.default.svc.cluster.local ->
# 127.0.0.1, no AAAA for it, NXDOMAIN for every other name. It logs "name type" per query and
# touches a file once bound. It runs only on the loopback of a network namespace the test made.
DNS_RESPONDER = r"""
import socket, struct, sys
addr, ready, log = sys.argv[1], sys.argv[2], sys.argv[3]
NAME, IP = "web.default.svc.cluster.local", bytes([127, 0, 0, 1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
open(ready, "w").close()
while True:
    q, peer = s.recvfrom(4096)
    if len(q) < 12:
        continue
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += 1 + q[i]
    question = q[12:i + 5]
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0] if i + 3 <= len(q) else 0
    name = ".".join(labels).lower()
    with open(log, "a") as f:
        f.write(f"{name} {qtype}\n")
    answers = b""
    if name == NAME and qtype == 1:
        answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 30, 4) + IP
    rcode = 0 if name == NAME else 3
    head = struct.pack("!HHHHHH", qid, 0x8400 | (flags & 0x0100) | 0x0080 | rcode, 1,
                       1 if answers else 0, 0, 0)
    s.sendto(head + question, peer) if not answers else s.sendto(head + question + answers, peer)
"""

RESOLV_CONF = ("nameserver 127.0.0.1\n"
               "search default.svc.cluster.local svc.cluster.local cluster.local\n"
               "options ndots:5\n")  # what the kubelet writes for a pod in namespace default


def dns_prelude(root: Path, tmp: Path) -> tuple[str, Path]:
    """(prelude for ``run``, query log): the responder on 127.0.0.1:53 and the pod's resolv.conf."""
    (tmp / "dns.py").write_text(DNS_RESPONDER)
    etc = root / "etc"
    if (etc / "resolv.conf").is_symlink():
        (etc / "resolv.conf").unlink()
    (etc / "resolv.conf").write_text(RESOLV_CONF)
    log = tmp / "dns-queries.log"
    ready = tmp / "dns-ready"
    ready.unlink(missing_ok=True)
    prelude = f"""
        {sys.executable} {tmp / 'dns.py'} 127.0.0.1 {ready} {log} &
        n=0; until [ -e {ready} ]; do n=$((n+1)); [ $n -lt 200 ] || exit 9; sleep 0.05; done"""
    return prelude, log


# What learners run in a pod: httpd in one, wget/nslookup/ping of the Service name from another.
# Every name goes through the search list (ndots:5), as in a cluster.
LOOKUPS = r"""
mkdir -p /tmp/www && echo "hello from web" > /tmp/www/file
httpd -f -p 127.0.0.1:8080 -h /tmp/www & pid=$!
i=0
until wget -qO /dev/null http://127.0.0.1:8080/file; do
    i=$((i+1)); [ $i -lt 100 ] || { echo "httpd never answered"; exit 3; }; sleep 0.1
done
echo "wget: $(wget -qO- http://web:8080/file)"
echo "wget -T: $(wget -T 5 -qO- http://web:8080/file)"
wget --spider --timeout=5 http://web:8080/file 2>/dev/null; echo "spider exit $?"
sleep 30 | nc -l -p 9090 >/dev/null & hang=$!  # accepts, never answers
sleep 0.3; wget -T 1 -qO- http://web:9090/; echo "hung wget exit $?"
kill $hang 2>/dev/null
nslookup web.default.svc.cluster.local 127.0.0.1; echo "nslookup full exit $?"
nslookup web; echo "nslookup short exit $?"
ping -c 1 -W 5 web >/tmp/ping 2>&1; echo "ping exit $?"; head -1 /tmp/ping
kill $pid
"""


@pytest.mark.parametrize("name", ["busybox", "nginx", "perl", "agnhost"])
def test_service_names_resolve_through_getaddrinfo(image_set, tmp_path, name):
    """Busybox resolves a Service name from /etc/resolv.conf in every image that carries it.

    busybox-static (glibc, statically linked) died with SIGSEGV on any host name lookup.
    """
    if name == "agnhost":
        _built("agnhost")
    root, config = unpack(image_set[0], name, tmp_path)
    nss = (root / "etc/nsswitch.conf").read_text()
    assert "hosts: files dns" in nss and "passwd: files" in nss and "group: files" in nss
    assert "localhost" in (root / "etc/hosts").read_text()
    prelude, log = dns_prelude(root, tmp_path)
    out = run(root, config, ["/bin/sh", "-c", LOOKUPS], entrypoint=[], prelude=prelude, timeout=90)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "wget: hello from web" in out.stdout and "wget -T: hello from web" in out.stdout, text
    assert "spider exit 0" in out.stdout, text
    assert "hung wget exit 1" in out.stdout and "wget: download timed out" in out.stderr, text
    assert "Terminated" not in out.stderr and "Segmentation fault" not in out.stderr, text
    full, short = out.stdout.split("nslookup full exit 0\n", 1)  # asking the server by its address
    assert "Name:\tweb.default.svc.cluster.local\nAddress: 127.0.0.1" in full, text
    # busybox >= 1.29 asks every search domain and exits 1 for the NXDOMAINs of the others, as
    # with upstream busybox images in a real cluster; the answer is what counts
    assert "Name:\tweb.default.svc.cluster.local\nAddress: 127.0.0.1" in short.split("nslookup short")[0], text
    assert "ping exit 0" in out.stdout and "(127.0.0.1)" in out.stdout, text
    queries = log.read_text().splitlines()
    assert "web.default.svc.cluster.local 1" in queries  # A, found through the search list


def test_busybox_is_dynamic_with_every_lab_applet(image_set, tmp_path):
    root, config = unpack(image_set[0], "busybox", tmp_path)
    info = subprocess.run(["readelf", "-W", "-l", "-d", str(root / "bin/busybox")], capture_output=True,
                          text=True, check=True).stdout
    assert "Requesting program interpreter: /lib64/ld-linux-x86-64.so.2" in info
    out = run(root, config, ["busybox", "--list"])
    assert out.returncode == 0, out.stderr
    applets = set(out.stdout.split())
    wanted = {"wget", "nslookup", "nc", "telnet", "ping", "hostname", "ip", "ifconfig", "route", "netstat",
              "httpd", "vi", "top", "ps", "env", "dd", "head", "tail", "sleep", "tr", "sh", "ash"}
    assert wanted <= applets, wanted - applets
    for applet in wanted - {"wget"}:
        assert os.readlink(root / "bin" / applet) == "busybox"
    assert (root / "bin/wget").read_text().startswith("#!/bin/sh\n")  # Debian's wget lacks -T
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < 4 * 2**20, size


def test_nginx_config_checks_and_serves_its_welcome_page(image_set, tmp_path):
    root, config = unpack(image_set[0], "nginx", tmp_path)
    assert config["Cmd"] == ["nginx", "-g", "daemon off;"] and config["StopSignal"] == "SIGQUIT"
    assert config["ExposedPorts"] == {"80/tcp": {}}
    out = run(root, config, ["nginx", "-t"])
    assert out.returncode == 0 and "test is successful" in out.stderr, out.stderr
    # The image's own Cmd in the background, fetched from inside the same network namespace,
    # then stopped with its StopSignal as a runtime would.
    script = f"""
        {" ".join(repr(a) if " " in a else a for a in config["Cmd"])} & pid=$!
        i=0
        until wget -qO /tmp/page http://127.0.0.1:80/; do
            i=$((i+1)); [ $i -lt 100 ] || {{ echo "nginx never answered"; exit 3; }}; sleep 0.1
        done
        wget -qO- http://127.0.0.1:80/missing 2>&1 | head -1
        ps -o user,args | grep "[w]orker process"
        kill -QUIT $pid; wait $pid; echo "nginx exited $?"
        cat /tmp/page"""
    out = run(root, config, ["sh", "-c", script])
    assert out.returncode == 0, out.stdout + out.stderr
    workers = [ln.split() for ln in out.stdout.splitlines() if ln.endswith("nginx: worker process")]
    assert workers and workers[0][0] == "nginx"  # the worker runs as user nginx, the master as root
    assert "404 Not Found" in out.stdout and "nginx exited 0" in out.stdout
    assert "<title>Welcome to nginx!</title>" in out.stdout
    assert '"GET / HTTP/1.1" 200' in out.stdout  # access.log -> /dev/stdout
    assert "open() \"/usr/share/nginx/html/missing\" failed" in out.stderr  # error.log -> /dev/stderr


def test_nginx_answers_what_learners_exec(image_set, tmp_path):
    root, config = unpack(image_set[0], "nginx", tmp_path)
    out = run(root, config, ["sh", "-c", "cat /usr/share/nginx/html/index.html; ls /etc/nginx; env; "
                                         "echo done"])
    assert out.returncode == 0, out.stderr
    assert "Welcome to nginx!" in out.stdout and "conf.d" in out.stdout and "mime.types" in out.stdout
    assert "NGINX_VERSION=" in out.stdout and out.stdout.rstrip().endswith("done")


def test_perl_prints_pi_to_2000_digits(image_set, tmp_path):
    root, config = unpack(image_set[0], "perl", tmp_path)
    out = run(root, config, ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"], timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(PI_PREFIX) and len(out.stdout.strip()) == 2001
    assert out.stderr == ""
    out = run(root, {**config, "Env": config["Env"] + ["LANG=C.UTF-8"]},
              ["sh", "-c", "perl -MPOSIX -MEncode -MJSON::PP -MDigest::SHA -e 'print qq(ok\\n)'"])
    assert (out.returncode, out.stdout, out.stderr) == (0, "ok\n", "")  # no locale warnings


def test_pause_exits_0_on_sigterm(image_set, tmp_path):
    root, config = unpack(image_set[0], "pause", tmp_path)
    assert config["Entrypoint"] == ["/pause"] and sorted(os.listdir(root)) == ["pause"]
    proc = subprocess.Popen(command(root, config), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        pid = _pause_pid(proc.pid)
        os.kill(pid, signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _pause_pid(launcher: int, timeout: float = 20) -> int:
    """The host PID of /pause under ``launcher``, once it has its SIGTERM handler installed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in _descendants(launcher):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            caught = int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("SigCgt:")), 16)
            if cmdline.startswith(b"/pause") and caught & (1 << (signal.SIGTERM - 1)):
                return pid
        time.sleep(0.05)
    raise AssertionError("pause did not start with a SIGTERM handler")


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def _built(name: str) -> None:
    path, why = build.go_binary(name)
    if path is None:
        pytest.skip(f"the {name} image needs k8slab's Go build of {name}: {why}")


def test_agnhost_runs(image_set, tmp_path):
    _built("agnhost")
    root, config = unpack(image_set[0], "agnhost", tmp_path)
    assert config["Entrypoint"] == ["/agnhost"]
    out = run(root, config, ["--help"])
    assert out.returncode == 0 and "serve-hostname" in out.stdout and "netexec" in out.stdout, out.stderr
    out = run(root, config, ["-c", "echo $((6 * 7))"], entrypoint=["/bin/sh"])
    assert out.stdout == "42\n"


def test_coredns_runs(image_set, tmp_path):
    _built("coredns")
    root, config = unpack(image_set[0], "coredns", tmp_path)
    out = run(root, config, ["-version"])
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("CoreDNS-" + next(i for i in images.catalog() if i.name == "coredns").refs[0].rsplit(":v", 1)[1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_lab_registry_serves_the_set(image_set, tmp_path):
    """go-containerregistry (in k8slab-registry) reads every archive and serves the same config."""
    path, why = build.go_binary("k8slab-registry")
    if path is None:
        pytest.skip(f"k8slab-registry is not available: {why}")
    port = _free_port()
    log = open(tmp_path / "registry.log", "w+")
    proc = subprocess.Popen([str(path), "-listen", f"127.0.0.1:{port}", "-load", str(image_set[0])],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "serving " not in (tmp_path / "registry.log").read_text():
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "registry.log").read_text()
            time.sleep(0.1)
        text = (tmp_path / "registry.log").read_text()
        assert "bad image archive" not in text and "not serving" not in text, text
        for name, ref in [("nginx", "library/nginx:1.14.2"), ("pause", "pause:3.10.1"),
                          ("busybox", "library/busybox:latest"), ("perl", "library/perl:5.34.0")]:
            repo, tag = ref.rsplit(":", 1)
            req = urllib.request.Request(f"http://127.0.0.1:{port}/v2/{repo}/manifests/{tag}", headers={
                "Accept": "application/vnd.docker.distribution.manifest.v2+json"})
            with urllib.request.urlopen(req, timeout=10) as resp:
                manifest = json.loads(resp.read())
            (img,) = archive.read_archive(image_set[0] / f"{name}.tar")
            assert manifest["config"]["digest"] == "sha256:" + img.config_path.rsplit("/", 1)[1]
            assert manifest["layers"][0]["digest"] == "sha256:" + img.layer_paths[0].rsplit("/", 1)[1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
