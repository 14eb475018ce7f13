"""Unit tests of the image builder's parts: archives, references, the catalog, load(), apt parsing.

No cluster, no network, no root: run with
``pytest tests/test_images_unit.py -p no:k8slab -o addopts=''``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from k8slab.engine import images
from k8slab.engine.images import archive, build, debian, entries, recipes, refs, requirements
from k8slab.engine.images.rootfs import Rootfs
from k8slab.errors import BuildError, UsageError

REPO = Path(__file__).resolve().parents[1]


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sample_fs(tmp: Path) -> Rootfs:
    """A small root filesystem with every kind of entry the writer handles."""
    src = tmp / "src"
    src.mkdir(parents=True)
    (src / "prog").write_bytes(b"\x7fELF pretend program")
    os.chmod(src / "prog", 0o755)
    os.link(src / "prog", src / "prog2")  # a hard link pair, as perl and perl5.36.0 are
    fs = Rootfs(merged_usr=True)
    fs.dir("tmp", 0o1777)
    fs.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    fs.add_from(src, "prog")
    fs.add_from(src, "prog2")
    fs.copy("bin/tool", src / "prog", 0o755)
    fs.symlink("bin/sh", "busybox")
    fs.file("usr/share/" + "d" * 120 + "/long-name.txt", b"long paths need PAX headers\n")
    return fs


def write_image(tmp: Path, name: str = "img.tar", tags=("docker.io/library/busybox:1.36",)):
    fs = sample_fs(tmp / name.replace(".", "_"))
    layer = archive.write_layer(fs, tmp / f"{name}.layer")
    cfg = archive.canonical_json(archive.image_config("amd64", {"Cmd": ["sh"]}, [layer.diff_id], "test"))
    digest = archive.write_archive(tmp / name, cfg, [layer], list(tags))
    return tmp / name, digest, layer


# --- the archive writer -------------------------------------------------------------------


def test_archive_reads_back_with_correct_digests(tmp_path):
    path, config_digest, layer = write_image(tmp_path)
    with tarfile.open(path) as tar:
        members = tar.getmembers()
        assert members[0].name == "manifest.json"  # first, so readers stop early
        manifest = json.loads(tar.extractfile("manifest.json").read())
        assert len(manifest) == 1
        item = manifest[0]
        assert item["RepoTags"] == ["docker.io/library/busybox:1.36"]
        config_bytes = tar.extractfile(item["Config"]).read()
        assert item["Config"] == "blobs/sha256/" + hashlib.sha256(config_bytes).hexdigest()
        assert sha(config_bytes) == config_digest
        blob = tar.extractfile(item["Layers"][0]).read()
    assert item["Layers"][0] == "blobs/sha256/" + hashlib.sha256(blob).hexdigest()
    assert sha(blob) == layer.digest and len(blob) == layer.size
    plain = gzip.decompress(blob)
    config = json.loads(config_bytes)
    assert config["rootfs"] == {"type": "layers", "diff_ids": [sha(plain)]}
    assert (config["os"], config["architecture"], config["config"]["Cmd"]) == ("linux", "amd64", ["sh"])


def test_layer_entries_sorted_rooted_and_typed(tmp_path):
    _, _, layer = write_image(tmp_path)
    with tarfile.open(layer.path, "r:gz") as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names, key=lambda n: n.split("/"))
    assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 for m in members)
    by = {m.name: m for m in members}
    assert by["bin"].issym() and by["bin"].linkname == "usr/bin"  # merged /usr
    assert by["usr/bin/sh"].issym() and by["usr/bin/sh"].linkname == "busybox"
    assert by["tmp"].isdir() and by["tmp"].mode == 0o1777
    assert by["prog"].isfile() and by["prog"].mode == 0o755
    assert by["prog2"].islnk() and by["prog2"].linkname == "prog"  # one copy of a hard-linked file
    assert any(len(n) > 100 for n in names)
    for parent in {n.rsplit("/", 1)[0] for n in names if "/" in n}:
        assert parent in by and names.index(parent) < max(names.index(n) for n in names
                                                           if n.startswith(parent + "/"))


def test_archive_is_deterministic(tmp_path):
    outputs = []
    for run in ("a", "b"):
        fs = sample_fs(tmp_path / run)
        os.utime(tmp_path / run / "src" / "prog", (1000 if run == "a" else 2000,) * 2)  # times don't count
        layer = archive.write_layer(fs, tmp_path / run / "layer")
        cfg = archive.canonical_json(archive.image_config("amd64", {}, [layer.diff_id], "test"))
        archive.write_archive(tmp_path / run / "img.tar", cfg, [layer], ["docker.io/library/x:1"])
        outputs.append((tmp_path / run / "img.tar").read_bytes())
    assert outputs[0] == outputs[1]


def test_read_archive_and_its_errors(tmp_path):
    path, digest, _ = write_image(tmp_path)
    (img,) = archive.read_archive(path)
    assert img.repo_tags == ["docker.io/library/busybox:1.36"] and img.config["os"] == "linux"
    (tmp_path / "junk.tar").write_bytes(b"not a tar")
    with pytest.raises(BuildError, match="cannot read image archive"):
        archive.read_archive(tmp_path / "junk.tar")


def test_rootfs_refuses_replacing_a_directory_and_keeps_real_files(tmp_path):
    fs = Rootfs()
    fs.file("usr/bin/env", "real")
    assert fs.symlink("usr/bin/env", "busybox", overwrite=False) is False
    assert fs.entries["usr/bin/env"].data == b"real"
    with pytest.raises(BuildError, match="is a file"):
        fs.file("usr/bin/env/x", "under a file")
    with pytest.raises(BuildError, match="cannot replace directory"):
        fs.file("usr/bin", "over a directory")


# --- busybox in the images ----------------------------------------------------------------


def fake_busybox_material(tmp: Path) -> recipes.Material:
    """Material whose busybox is a script listing a few applets (no ELF: no libraries to add)."""
    tree = tmp / "busybox"
    (tree / "bin").mkdir(parents=True)
    (tree / "bin/busybox").write_text("#!/bin/sh\necho busybox; echo sh; echo wget; echo nslookup; echo env\n")
    os.chmod(tree / "bin/busybox", 0o755)
    return recipes.Material({"busybox": tree}, {"busybox": "1:1.35.0-4"})


def test_busybox_images_use_dynamic_busybox_with_a_resolver_setup():
    for image in entries.catalog():
        assert "busybox-static" not in image.packages, image.name  # static glibc: no NSS at run time
        if image.name in ("busybox", "nginx", "perl", "agnhost"):
            assert "busybox" in image.packages
    assert build.RECIPE_VERSION >= 2


def test_busybox_rootfs_has_applets_nsswitch_hosts_and_the_wget_wrapper(tmp_path):
    fs = recipes.busybox(fake_busybox_material(tmp_path))
    e = fs.entries
    assert e["bin/busybox"].kind == "file" and e["bin/busybox"].mode == 0o755
    assert (e["bin/sh"].kind, e["bin/sh"].target) == ("symlink", "busybox")
    assert (e["bin/nslookup"].kind, e["bin/nslookup"].target) == ("symlink", "busybox")
    assert e["bin/wget"].kind == "file" and e["bin/wget"].data == recipes.data_file("files/wget.sh")
    nss = e["etc/nsswitch.conf"].data.decode()
    assert "hosts: files dns\n" in nss and "passwd: files\n" in nss and "group: files\n" in nss
    assert e["etc/hosts"].data.decode().startswith("127.0.0.1\tlocalhost\n")


def test_busybox_in_a_merged_usr_image_keeps_real_programs_and_hosts(tmp_path):
    m = fake_busybox_material(tmp_path)
    fs = Rootfs(merged_usr=True)
    fs.file("usr/bin/env", "real env")
    fs.file("etc/hosts", "10.0.0.1 mine\n")
    root = recipes._busybox(fs, m)
    assert root == (m.trees["busybox"], "bin/busybox")
    assert fs.entries["usr/bin/env"].data == b"real env"
    assert fs.entries["usr/bin/wget"].kind == "file" and fs.entries["usr/bin/sh"].target == "busybox"
    assert fs.entries["etc/hosts"].data == b"10.0.0.1 mine\n"


@pytest.mark.skipif(not shutil.which("sh"), reason="needs a POSIX sh")
@pytest.mark.parametrize("args, want", [
    ("-qO- http://web", "[wget][-qO-][http://web]"),
    ("-T 2 -qO- http://web", "[timeout][-s][INT][2][BB][wget][-qO-][http://web]"),
    ("-T2 -qO- x", "[timeout][-s][INT][2][BB][wget][-qO-][x]"),
    ("-qT 3 x", "[timeout][-s][INT][3][BB][wget][-q][x]"),
    ("-ST5 -O- x", "[timeout][-s][INT][5][BB][wget][-S][-O-][x]"),
    ("--spider --timeout=1 web", "[timeout][-s][INT][1][BB][wget][--spider][web]"),
    ("--timeout 4 x", "[timeout][-s][INT][4][BB][wget][x]"),
    ("-T 0 x", "[wget][x]"),
    ("-qO/tmp/Test --header=X-Trace:1 x", "[wget][-qO/tmp/Test][--header=X-Trace:1][x]"),
    ("x -T", "wget: option requires an argument -- 'T'"),
    ("-T soon x", "wget: invalid number 'soon'"),
])
def test_wget_wrapper_turns_timeout_options_into_timeout(tmp_path, args, want):
    """Debian's busybox wget lacks -T/--timeout and dies of SIGSEGV on -T: the wrapper takes it."""
    stub = tmp_path / "bb"
    stub.write_text('#!/bin/sh\nprintf "[%s]" "$@"; echo\n')
    os.chmod(stub, 0o755)
    script = tmp_path / "wget"
    script.write_text(recipes.data_file("files/wget.sh").decode().replace("/bin/busybox", str(stub)))
    out = subprocess.run(["sh", str(script), *args.split()], capture_output=True, text=True, timeout=30)
    assert (out.stdout + out.stderr).strip() == want.replace("BB", str(stub))


# --- references ---------------------------------------------------------------------------


@pytest.mark.parametrize("ref, full", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.14.2", "docker.io/library/nginx:1.14.2"),
    ("library/nginx:1.27", "docker.io/library/nginx:1.27"),
    ("docker.io/nginx:1.27", "docker.io/library/nginx:1.27"),
    ("index.docker.io/library/busybox", "docker.io/library/busybox:latest"),
    ("user/app:v1", "docker.io/user/app:v1"),
    ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
    ("registry.k8s.io/e2e-test-images/agnhost:2.53", "registry.k8s.io/e2e-test-images/agnhost:2.53"),
    ("localhost:5000/app", "localhost:5000/app:latest"),
    ("quay.io/fluentd_elasticsearch/fluentd:v5.0.1", "quay.io/fluentd_elasticsearch/fluentd:v5.0.1"),
    ("busybox@sha256:" + "a" * 64, "docker.io/library/busybox@sha256:" + "a" * 64),
])
def test_normalize(ref, full):
    assert images.normalize(ref) == full
    assert refs.normalize(full) == full


@pytest.mark.parametrize("ref, why", [
    ("", "empty"), ("Nginx:1", "lowercase"), ("nginx:", "tag"), ("nginx:-x", "tag"),
    ("my app", "white space"), ("registry.k8s.io//pause", "empty path"), ("busybox@sha256:12", "digest"),
    ("a" * 300, "255"),
])
def test_normalize_refuses(ref, why):
    with pytest.raises(UsageError, match=why):
        refs.normalize(ref)


def test_short_and_file_stem():
    assert refs.short("docker.io/library/nginx:1.27") == "nginx:1.27"
    assert refs.short("docker.io/user/app:1") == "user/app:1"
    assert refs.file_stem("registry.k8s.io/pause:3.10") == "registry.k8s.io_pause_3.10"


# --- the catalog ----------------------------------------------------------------------------

FAMILY = re.compile(r"(?<![\w./-])((?:[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?/)?(?:[a-z0-9_.-]+/)*"
                    r"(?:busybox|nginx|nginx-slim|perl|agnhost|pause|coredns)):([A-Za-z0-9_][A-Za-z0-9_.-]*)")


def repo_references() -> dict[str, str]:
    """Every tagged reference to an image of our families in the repo: {full ref: first file}."""
    files = [*REPO.glob("notebooks/*.ipynb"), *REPO.glob("manifests/**/*.y*ml"), *REPO.glob("tests/**/*.py"),
             REPO / "README.md", *REPO.glob("bench/**/*.py"), *REPO.glob("k8slab/**/*.py")]
    found: dict[str, str] = {}
    for f in files:
        if "engine/images" in f.as_posix() or f.name.startswith("test_images_"):
            continue
        text = f.read_text(errors="replace")
        for m in FAMILY.finditer(text):
            if text[m.end():m.end() + 1] == "{":  # an f-string such as pause:3.{i + 1}
                continue
            found.setdefault(refs.normalize(f"{m.group(1)}:{m.group(2).rstrip('.')}"),
                             str(f.relative_to(REPO)))
    return found


def test_every_image_reference_in_the_repo_is_served():
    served = {r for image in entries.catalog() for r in image.refs}
    found = repo_references()
    assert "docker.io/library/nginx:1.14.2" in found  # the scan itself works
    missing = {r: f for r, f in found.items() if r not in served}
    assert not missing, f"add these tags to k8slab/engine/images/entries.py: {missing}"


def test_catalog_refs_are_full_unique_and_answer_latest():
    seen: dict[str, str] = {}
    for image in images.catalog():
        assert image.refs and image.description
        for ref in image.refs:
            assert refs.normalize(ref) == ref, ref
            assert ref not in seen, f"{ref} in both {seen.get(ref)} and {image.name}"
            seen[ref] = image.name
        assert any(r.endswith(":latest") for r in image.refs)
    for bare in ("nginx", "busybox", "perl", "registry.k8s.io/pause"):
        assert refs.normalize(bare) in seen
    for tag in ("3.10", "3.10.1", "3.10.2"):  # containerd 2.x's and kubeadm 1.37's sandbox images
        assert f"registry.k8s.io/pause:{tag}" in seen


def test_missing_go_binary_is_a_skip_reason(monkeypatch, tmp_path):
    def unknown(name):
        raise KeyError(name)

    monkeypatch.setattr(build.gobuild, "binary", unknown)
    assert build.go_binary("agnhost") == (None, "k8slab's Go builds have no agnhost binary yet")
    monkeypatch.setattr(build.gobuild, "binary", lambda name: tmp_path / name)
    path, why = build.go_binary("coredns")
    assert path is None and "not built yet (run: k8slab build)" in why


# --- load() ---------------------------------------------------------------------------------


def test_load_refuses_bad_names_and_sources(tmp_path):
    dest = tmp_path / "set"
    with pytest.raises(UsageError, match="no such file"):
        images.load(tmp_path / "nope.tar", "app:1", dest)
    (tmp_path / "junk.tar").write_bytes(b"this is not a tar")
    with pytest.raises(UsageError, match="not a tar archive"):
        images.load(tmp_path / "junk.tar", "app:1", dest)
    plain = tmp_path / "plain.tar"
    with tarfile.open(plain, "w") as tar:
        tar.addfile(tarfile.TarInfo("etc/hostname"), io.BytesIO())
    with pytest.raises(UsageError, match="neither manifest.json .* nor index.json"):
        images.load(plain, "app:1", dest)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="empty directory"):
        images.load(tmp_path / "empty", "app:1", dest)
    with pytest.raises(UsageError, match="lowercase"):
        images.load(plain, "MyApp:1", dest)
    with pytest.raises(UsageError, match="not a digest"):
        images.load(plain, "app@sha256:" + "0" * 64, dest)
    assert not list(dest.glob("*.tar"))


def test_load_refuses_incomplete_and_foreign_archives(tmp_path):
    good, _, _ = write_image(tmp_path)
    broken = tmp_path / "broken.tar"
    with tarfile.open(good) as src, tarfile.open(broken, "w") as dst:
        layer_name = json.loads(src.extractfile("manifest.json").read())[0]["Layers"][0]
        for m in src.getmembers():
            if m.name != layer_name:
                dst.addfile(m, src.extractfile(m))
    with pytest.raises(UsageError, match="incomplete: blobs/sha256/.* is missing"):
        images.load(broken, "app:1", tmp_path / "set")
    arm = tmp_path / "arm"
    arm.mkdir()
    layer = archive.write_layer(sample_fs(arm), arm / "layer")
    cfg = archive.canonical_json(archive.image_config("s390x", {}, [layer.diff_id], "test"))
    archive.write_archive(arm / "arm.tar", cfg, [layer], ["docker.io/library/x:1"])
    if debian.oci_arch() != "s390x":
        with pytest.raises(UsageError, match="the image is for linux/s390x"):
            images.load(arm / "arm.tar", "app:1", tmp_path / "set")


def test_load_docker_archive_keeps_the_image(tmp_path):
    src, config_digest, layer = write_image(tmp_path, tags=("docker.io/library/busybox:1.36",))
    out = images.load(src, "myapp:1.0", tmp_path / "set")
    assert out == ["docker.io/library/myapp:1.0"]
    tar = tmp_path / "set" / "loaded-myapp_1.0.tar"
    assert (tmp_path / "set" / "loaded-myapp_1.0.refs").read_text() == "docker.io/library/myapp:1.0\n"
    (img,) = archive.read_archive(tar)
    assert img.repo_tags == out and img.config_path == "blobs/sha256/" + config_digest.split(":")[1]
    assert img.layer_paths == ["blobs/sha256/" + layer.digest.split(":")[1]]
    rows = images.listing(tmp_path / "no-set-yet", extra_dirs=[tmp_path / "set"])
    assert [(r["image"], r["tags"], r["file"]) for r in rows] == [("docker.io/library/myapp", ["1.0"], str(tar))]
    assert rows[0]["size"] == tar.stat().st_size and rows[0]["what"] == "loaded image"


def test_load_multi_image_archive_needs_a_matching_name(tmp_path):
    a, _, _ = write_image(tmp_path, "a.tar", tags=("docker.io/library/one:1",))
    b, _, _ = write_image(tmp_path, "b.tar", tags=("docker.io/library/two:2",))
    both = tmp_path / "both.tar"
    with tarfile.open(a) as ta, tarfile.open(b) as tb, tarfile.open(both, "w") as out:
        manifest = json.loads(ta.extractfile("manifest.json").read()) + \
            json.loads(tb.extractfile("manifest.json").read())
        doc = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(doc)
        out.addfile(info, io.BytesIO(doc))
        for t in (ta, tb):
            for m in t.getmembers():
                if m.name != "manifest.json" and m.name not in out.getnames():
                    out.addfile(m, t.extractfile(m))
    with pytest.raises(UsageError, match="holds 2 images; name one of them with --name: one:1, two:2"):
        images.load(both, "three:3", tmp_path / "set")
    assert images.load(both, "two:2", tmp_path / "set") == ["docker.io/library/two:2"]


def test_load_oci_layout(tmp_path):
    """An OCI image layout tar (index -> platform index -> manifest) becomes a docker-archive."""
    plain = b"".join([b"x" * 512])  # content does not matter to the converter
    layer_blob = gzip.compress(plain, mtime=0)
    config = archive.canonical_json(archive.image_config(debian.oci_arch(), {"Cmd": ["/app"]},
                                                         [sha(plain)], "test"))
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"digest": sha(config), "size": len(config)},
                           "layers": [{"digest": sha(layer_blob), "size": len(layer_blob),
                                       "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip"}]}).encode()
    platforms = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                            "manifests": [
                                {"digest": sha(b"other"), "platform": {"os": "linux", "architecture": "mips"}},
                                {"digest": sha(manifest), "platform": {"os": "linux",
                                                                       "architecture": debian.oci_arch()}}]}).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": sha(platforms),
         "annotations": {"org.opencontainers.image.ref.name": "1.0"}}]}).encode()
    src = tmp_path / "oci.tar"
    with tarfile.open(src, "w") as tar:
        for name, data in [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index),
                           *[("blobs/sha256/" + sha(d)[7:], d) for d in (platforms, manifest, config, layer_blob)]]:
            info = tarfile.TarInfo("./" + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert images.load(src, "registry.example.com/team/app:1.0", tmp_path / "set") == \
        ["registry.example.com/team/app:1.0"]
    (img,) = archive.read_archive(tmp_path / "set" / "loaded-registry.example.com_team_app_1.0.tar")
    assert img.config["config"]["Cmd"] == ["/app"]
    assert img.layer_paths == ["blobs/sha256/" + sha(layer_blob)[7:]]


def test_load_directory_as_rootfs(tmp_path):
    root = tmp_path / "rootfs"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "hello").write_text("#!/bin/sh\necho hello\n")
    (root / "bin" / "sh").symlink_to("hello")
    assert images.load(root, "hello", tmp_path / "set") == ["docker.io/library/hello:latest"]
    tar = tmp_path / "set" / "loaded-hello_latest.tar"
    (img,) = archive.read_archive(tar)
    assert img.config["config"]["Cmd"] == ["/bin/sh"]
    with tarfile.open(tar) as outer:
        blob = outer.extractfile(img.layer_paths[0]).read()
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as layer:
        assert sorted(layer.getnames()) == ["bin", "bin/hello", "bin/sh"]


# --- apt parsing and the machine check --------------------------------------------------------

DEPENDS = """nginx
  Depends: libc6
 |Depends: libssl3
  Depends: <debconf-2.0>
  Depends: iproute2
  PreDepends: libcrypt1
iproute2
  Depends: libbpf1
libssl3
  Depends: libc6:amd64
<debconf-2.0>
libc6
  Depends: libgcc-s1
libgcc-s1
  Depends: gcc-12-base
  Depends: libc6
"""


def test_apt_parsing_and_library_closure():
    graph = debian.parse_depends(DEPENDS)
    assert graph["nginx"] == ["libc6", "libssl3", "iproute2", "libcrypt1"]
    assert graph["libssl3"] == ["libc6"]
    assert debian.library_closure(graph, ["nginx"]) == ["libc6", "libcrypt1", "libgcc-s1", "libssl3", "nginx"]
    policy = "nginx:\n  Installed: (none)\n  Candidate: 1.22.1-9+deb12u11\nfoo:\n  Candidate: (none)\n"
    assert debian.parse_policy(policy) == {"nginx": "1.22.1-9+deb12u11", "foo": None}
    assert [debian.is_library(n) for n in ("zlib1g", "libc6", "libc-bin", "libssl-dev", "libmath-bigint-perl")] \
        == [True, True, False, False, False]
    assert debian.upstream_version("1:1.35.0-4+deb12u1+b1") == "1.35.0"
    assert debian.upstream_version("5.36.0-7+deb12u4") == "5.36.0"


def test_check_names_missing_tools_and_the_fix(monkeypatch):
    monkeypatch.setattr(requirements.shutil, "which", lambda prog: None if prog in ("gcc", "readelf") else "/x")
    assert images.apt_packages_needed() == ["binutils", "gcc"]
    problems = images.check()
    assert any(p.startswith("gcc is missing: it compiles the pause image") for p in problems)
    assert "Install: apt-get install binutils gcc (as root)" in problems
    monkeypatch.setattr(requirements.shutil, "which", lambda prog: "/usr/bin/" + prog)
    monkeypatch.setattr(requirements, "_static_libc", lambda: False)
    assert images.apt_packages_needed() == ["libc6-dev"]
