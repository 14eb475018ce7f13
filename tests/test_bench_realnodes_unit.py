"""Pure helpers of bench case 8 (real nodes): grouping, memory sums, formatting, the up report.

No cluster: the /proc readers are fed made-up text and a fake ``describe``.
"""

from __future__ import annotations

import yaml

from bench import __main__ as bench_main
from bench import case_realnodes as rn

STATUS = """Name:\tkubelet
Umask:\t0022
State:\tS (sleeping)
VmPeak:\t 1400000 kB
VmHWM:\t  110000 kB
VmRSS:\t  102636 kB
RssAnon:\t   40000 kB
Threads:\t18
"""

ROLLUP = """55ff7c081000-7ffed6450000 ---p 00000000 00:00 0                          [rollup]
Rss:                1684 kB
Pss:                 266 kB
Pss_Dirty:           112 kB
"""

POD_CG = "4:memory:/k8slab/k8slab-worker/kubepods/besteffort/pod0947/abc\n1:cpu:/k8slab/k8slab-worker/kubepods/besteffort/pod0947/abc\n"
SYSTEM_CG = "4:memory:/k8slab/k8slab-worker/system\n"


def test_parse_kib_reads_status_and_smaps_rollup():
    assert rn.parse_kib(STATUS, "VmRSS") == 102636
    assert rn.parse_kib(STATUS, "VmHWM") == 110000
    assert rn.parse_kib(ROLLUP, "Pss") == 266
    assert rn.parse_kib(ROLLUP, "Rss") == 1684
    # Pss_Dirty must not be taken for Pss, nor RssAnon for Rss
    assert rn.parse_kib("Pss_Dirty:  5 kB\nPss:  7 kB\n", "Pss") == 7
    assert rn.parse_kib("Name:\tkthreadd\nState:\tS\n", "VmRSS") is None  # kernel thread, zombie
    assert rn.parse_kib("VmRSS:\tgarbage\n", "VmRSS") is None


def test_program_groups():
    assert rn.program_group("kube-apiserver") == "kube-apiserver"
    assert rn.program_group("etcd") == "etcd"
    assert rn.program_group("kwok-controller") == "kwok"
    assert rn.program_group("k8slab-provisioner") == "provisioner"
    assert rn.program_group("control-plane/api-forwarder") == "api-forwarder"
    assert rn.program_group("control-plane/registry") == "registry"
    assert rn.program_group("control-plane/netns") == "netns holders"
    assert rn.program_group("k8slab-worker/holder") == "netns holders"
    assert rn.program_group("k8slab-worker2/kubelet") == "kubelet"
    assert rn.program_group("k8slab-worker/containerd") == "containerd"
    assert rn.program_group("k8slab-worker/kube-proxy") == "kube-proxy"


def test_cgroup_groups():
    assert rn.cgroup_group("containerd-shim", SYSTEM_CG) == "shims"
    assert rn.cgroup_group("runc", SYSTEM_CG) == "runc (transient)"
    assert rn.cgroup_group("runc:[2:INIT]", POD_CG) == "runc (transient)"
    assert rn.cgroup_group("pause", POD_CG) == "pause"
    assert rn.cgroup_group("sleep", POD_CG) == "containers"
    assert rn.cgroup_group("coredns", POD_CG) == "containers"
    assert rn.cgroup_group("sleep", SYSTEM_CG) == "other"  # e.g. a holder whose PID file was lost


def test_classify_counts_each_pid_once_and_names_programs_first():
    programs = {"etcd": 10, "kube-apiserver": 11, "kwok-controller": 12, "k8slab-provisioner": None,
                "control-plane/netns": 20, "k8slab-worker/holder": 30, "k8slab-worker/kubelet": 31,
                "k8slab-worker2/kubelet": 41, "dup/kubelet": 31}
    described = {20: ("sleep", "4:memory:/k8slab/control-plane\n"), 30: ("sleep", SYSTEM_CG),
                 31: ("kubelet", SYSTEM_CG), 50: ("containerd-shim", SYSTEM_CG), 51: ("pause", POD_CG),
                 52: ("sleep", POD_CG)}
    asked = []

    def describe(pid):
        asked.append(pid)
        return described.get(pid)

    got = rn.classify(programs, [20, 30, 31, 50, 51, 52, 53, 52], describe)
    assert got == {10: "etcd", 11: "kube-apiserver", 12: "kwok", 20: "netns holders", 30: "netns holders",
                   31: "kubelet", 41: "kubelet", 50: "shims", 51: "pause", 52: "containers"}
    assert sorted(asked) == [50, 51, 52, 53]  # named programs are not looked at again; 53 is gone


def test_aggregate_sums_per_group_in_order():
    procs = [rn.Proc(1, "containers", 2000, 1500), rn.Proc(2, "kubelet", 100_000, 60_000),
             rn.Proc(3, "kubelet", 102_000, 61_000), rn.Proc(4, "kube-apiserver", 300_000, 290_000),
             rn.Proc(5, "pause", 700, 100), rn.Proc(6, "containers", 3000, 2500),
             rn.Proc(7, "mystery", 50, 40), rn.Proc(8, "etcd", 60_000, 59_000)]
    groups = rn.aggregate(procs)
    assert [g.name for g in groups] == ["kube-apiserver", "etcd", "kubelet", "pause", "containers", "mystery"]
    kubelet = groups[2]
    assert (kubelet.count, kubelet.rss_kib, kubelet.pss_kib) == (2, 202_000, 121_000)
    assert (groups[4].count, groups[4].rss_kib) == (2, 5000)
    assert rn.total_kib(groups) == sum(p.rss_kib for p in procs)
    assert rn.total_kib(groups, pss=True) == sum(p.pss_kib for p in procs)


def test_aggregate_without_pss_gives_no_pss_total():
    groups = rn.aggregate([rn.Proc(1, "etcd", 10, None), rn.Proc(2, "etcd", 20, 5), rn.Proc(3, "kwok", 7, 7)])
    assert groups[0].pss_kib is None and groups[0].rss_kib == 30
    assert rn.total_kib(groups) == 37
    assert rn.total_kib(groups, pss=True) is None
    assert rn.aggregate([]) == [] and rn.total_kib([]) == 0


def test_fmt_size_and_format_groups():
    assert rn.fmt_size(512) == "512 KiB"
    assert rn.fmt_size(1024) == "1 MiB"
    assert rn.fmt_size(300 * 1024) == "300 MiB"
    assert rn.fmt_size(1024 * 1024) == "1.00 GiB"
    assert rn.fmt_size(int(1.5 * 1024 * 1024)) == "1.50 GiB"
    groups = [rn.Group("kube-apiserver", 1, 300 * 1024, None), rn.Group("kubelet", 2, 200 * 1024, None),
              rn.Group("pause", 12, 8 * 1024, None)]
    assert rn.format_groups(groups) == "kube-apiserver 300 MiB, kubelet ×2 200 MiB, pause ×12 8 MiB"
    with_pss = [rn.Group("shims", 12, 205 * 1024, 60 * 1024), rn.Group("etcd", 1, 67 * 1024, None)]
    assert rn.format_groups(with_pss, pss=True) == "shims ×12 205 MiB (PSS 60 MiB), etcd 67 MiB"
    assert rn.format_groups(with_pss) == "shims ×12 205 MiB, etcd 67 MiB"


def test_up_report():
    out = ("engine: local\nreal nodes ready in 11.2s\ncluster k8slab is up (local engine, 3 nodes Ready) in 12.3s\n"
           "kubeconfig: /root/.local/state/k8slab/kubeconfig  context: kwok-k8slab\n")
    assert rn.up_report(out) == "12.3s"
    assert rn.up_report("cluster x is up (kwok engine, 3 nodes Ready) in 1m05s\n") == "1m05s"
    assert rn.up_report("cluster k8slab is already running (local engine); reusing it\n") == "?"


def test_deployment_yaml():
    obj = yaml.safe_load(rn.deployment_yaml())
    spec = obj["spec"]
    assert obj["kind"] == "Deployment" and obj["metadata"]["labels"] == {"k8slab.dev/bench": "true"}
    assert spec["replicas"] == 10
    pod = spec["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 1
    assert pod["containers"][0]["image"] == "busybox:1.36"
    assert pod["containers"][0]["command"] == ["sleep", "3600"]
    assert spec["selector"]["matchLabels"] == spec["template"]["metadata"]["labels"]


def test_verdict():
    assert rn.verdict(12.0, 15) == "target <= 15 s: met"
    assert rn.verdict(16.0, 15) == "target <= 15 s: MISSED"
    assert rn.verdict(1.2, 1.5, "GiB") == "target <= 1.5 GiB: met"
    assert rn.verdict(None, 5) == "target <= 5 s: not measured"


def test_rows_keep_the_json_shape():
    r = rn.skipped("not root")
    d = r.as_dict()
    assert set(d) == {"case", "k8slab_s", "kubectl_s", "ratio", "n", "notes"}
    assert d["case"].split()[0] == "8" and d["ratio"] is None and "not root" in d["notes"]
    assert "| 8 real nodes (--engine local) | – | – | – | 0 |" in bench_main.format_table([d])


def test_case_8_is_known_but_not_in_the_default_run():
    assert 8 in bench_main.ALL and 8 not in bench_main.DEFAULT
    assert bench_main._cases("8") == [8]
    assert bench_main._cases("all") == list(bench_main.ALL)
