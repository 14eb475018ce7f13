"""The bad-input catalogue (issue 15): run hostile and mistaken inputs against whichever k8slab is
importable, against the lab cluster (in a throwaway namespace), and classify each outcome.

Classes of outcome:
  clear    a k8slab error / IPython UsageError / ExpectationError, in time, cluster unchanged
  crash    any other exception (ReaderError, RecursionError, TypeError, ...)
  hang     no answer within LIMIT seconds (or memory limit hit)
  slow     a clear error, but after more than 3 s (an immediate mistake said late)
  damage   an error or success, but the cluster changed / wrong data stored / secret printed
  silent   no error where one was expected
  ok       expected success and it worked
Usage: [PYTHONPATH=<another checkout>] .venv/bin/python tools/bad_inputs_catalogue.py
"""
import json
import os
import random
import resource
import secrets
import signal
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
LIMIT = 15.0

import k8slab  # noqa: E402
from k8slab.client import session as S  # noqa: E402
from _k8s_objects import pin_lab_context, shell  # noqa: E402

pin_lab_context()
ip = shell()
ip.run_line_magic("load_ext", "k8slab")
import k8slab.errors as E  # noqa: E402
from IPython.core.error import UsageError as IUsage  # noqa: E402

NS = "k8slab-test-" + secrets.token_hex(3)
sess = S.current()
sess.request("POST", "/api/v1/namespaces", body={"metadata": {"name": NS, "labels": {"k8slab.dev/test": "true"}}})
HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n"


def cms():
    return sorted(i["metadata"]["name"] for i in sess.request("GET", f"/api/v1/namespaces/{NS}/configmaps")["items"]
                  if i["metadata"]["name"] != "kube-root-ca.crt")


def laughs():
    lines = ["lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        lines.append(f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" + "\n".join(lines) + "\n"


me = []
me.append(me)
ip.user_ns["me"] = me
YAML = {
    "nul": HEAD + "  a: b\x00c\n", "control": HEAD + "  a: \x07\n", "surrogate": HEAD + "  a: \ud800\n",
    "nonchar": HEAD + "  a: \ufffe\n", "garbage": bytes(range(256)).decode("latin-1"),
    "depth150": HEAD + "  a: " + "[" * 150 + "]" * 150, "depth3000": HEAD + "  a: " + "[" * 3000 + "]" * 3000,
    "depth5000-json": '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":' + '{"a":' * 5000 + "1" + "}" * 5001,
    "block3000": HEAD + "".join(" " * (i + 2) + f"k{i}:\n" for i in range(3000)) + " " * 3003 + "x: 1\n",
    "laughs": laughs(), "big": HEAD + "  a: " + "x" * (9 * 2**20),
    "binary-bad": HEAD + "  a: !!binary /w==\n", "set": HEAD + "  a: !!set {x, y}\n", "nan": HEAD + "  a: .nan\n",
    "inf": HEAD + "  a: .inf\n", "py-object": HEAD + "  a: !!python/object:os.system x\n",
    "py-tuple": HEAD + "  a: !!python/tuple [1, 2]\n",
    "name-int": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 123}\n",
    "name-list": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [a, b]}\n",
    "name-map": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {a: b}}\n",
    "ns-int": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: 7}\n",
    "ns-bool": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: yes}\n",
    "selfref-template": HEAD + "  a: {{ me }}\n",
}
CASES = []  # (id, fn, expect, check)


def no_cm():
    left = cms()
    return f"stored configmaps {left}" if left else ""


for name, text in YAML.items():
    CASES.append((f"yaml/{name}/magic", lambda t=text: ip.run_cell_magic("k8s", f"apply -n {NS}", t), "error", no_cm))
CASES.append(("yaml/binary-utf8 stored as kubectl", lambda: ip.run_cell_magic("k8s", f"apply -n {NS}", HEAD + "  a: !!binary aGVsbG8=\n"),
              "ok", lambda: "" if sess.request("GET", f"/api/v1/namespaces/{NS}/configmaps/c")["data"]["a"] == "hello" else "stored " + sess.request("GET", f"/api/v1/namespaces/{NS}/configmaps/c")["data"]["a"]))
CASES.append(("yaml/timestamp kept as text", lambda: ip.run_cell_magic("k8s", f"apply -n {NS}", HEAD + "  a: 2001-12-14t21:59:43.10-05:00\n"),
              "ok", lambda: "" if sess.request("GET", f"/api/v1/namespaces/{NS}/configmaps/c")["data"]["a"] == "2001-12-14t21:59:43.10-05:00" else "stored " + sess.request("GET", f"/api/v1/namespaces/{NS}/configmaps/c")["data"]["a"]))
CASES.append(("yaml/emoji apply", lambda: ip.run_cell_magic("k8s", f"apply -n {NS}", HEAD + "  a: 😀 party 🎉\n"), "ok",
              lambda: "" if sess.request("GET", f"/api/v1/namespaces/{NS}/configmaps/c")["data"]["a"] == "😀 party 🎉" else "wrong"))
for name, obj in {"bytes": b"\xff", "object": object(), "set": {1, 2}, "nan": float("nan"), "circular": me}.items():
    CASES.append((f"dict/{name}", lambda o=obj: k8slab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": NS}, "data": {"a": o}}), "error", no_cm))

API = {
    "get(123)": lambda: k8slab.get(123), "get(pods, 1)": lambda: k8slab.get("pods", 1),
    "get namespace=123": lambda: k8slab.get("pods", namespace=123), "get output=list": lambda: k8slab.get("pods", output=["yaml"]),
    "scale(123)": lambda: k8slab.scale(123, replicas=1), "scale replicas='3'": lambda: k8slab.scale("deploy/web", replicas="3", namespace=NS),
    "scale replicas=-1": lambda: k8slab.scale("deploy/web", replicas=-1, namespace=NS),
    "logs(None)": lambda: k8slab.logs(None), "logs tail='10'": lambda: k8slab.logs("web", tail="10", namespace=NS),
    "describe namespace=1": lambda: k8slab.describe("pods", namespace=1), "wait for_=3": lambda: k8slab.wait("pod/x", for_=3, namespace=NS),
    "wait timeout=nan": lambda: k8slab.wait("pod/x", for_="delete", timeout=float("nan"), namespace=NS),
    "check cond 3": lambda: k8slab.check("pod/x", 3, namespace=NS), "exec cmd [ls, 3]": lambda: k8slab.exec("p", ["ls", 3], namespace=NS),
    "taint(nodes, None)": lambda: k8slab.taint("nodes", None), "label(pod/x, 1)": lambda: k8slab.label("pod/x", 1, namespace=NS),
    "rollout(None)": lambda: k8slab.rollout(None, "deploy/x"), "run port='80'": lambda: k8slab.run("web", image="nginx", port="80", namespace=NS, dry_run="server"),
    "explain(None)": lambda: k8slab.explain(None), "events types=list": lambda: k8slab.events(types=["Warning"], namespace=NS),
    "apply(12)": lambda: k8slab.apply(12), "get -o jsonpath={.items[a:b]}": lambda: k8slab.get("pods", namespace=NS, output="jsonpath={.items[a:b]}"),
    "get -o jsonpath={.items[0:2:0]}": lambda: k8slab.get("pods", namespace="kube-system", output="jsonpath={.items[0:2:0]}"),
    "RolloutWatcher.model.wait('abc')": lambda: __import__("k8slab.widgets", fromlist=["RolloutWatcher"]).RolloutWatcher("deploy/x", namespace=NS).model.wait("abc"),
    "WatchTable timeout='abc'": lambda: __import__("k8slab.widgets", fromlist=["WatchTable"]).WatchTable("pods", timeout="abc"),
}
for name, fn in API.items():
    CASES.append((f"api/{name}", fn, "error", None))


def mk_cm(name="keep"):
    k8slab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": NS}, "data": {"v": "1"}})


def apply_wait_abc():
    k8slab.apply(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: new, namespace: {NS}}}\n", wait="abc")


def delete_timeout_abc():
    mk_cm()
    k8slab.delete("cm/keep", namespace=NS, timeout="abc")


CASES.append(("api/apply wait='abc'", apply_wait_abc, "error", no_cm))
CASES.append(("api/delete timeout='abc'", delete_timeout_abc, "error",
              lambda: "" if cms() == ["keep"] else f"configmaps now {cms()}"))


def patch_bad_json():
    mk_cm("p")
    ip.run_line_magic("k8s", f"patch cm/p -n {NS} -p '{{\"data\": {{\"v\": }}}}'")


CASES.append(("magic/patch invalid JSON", patch_bad_json, "error",
              lambda: "" if (sess.request("GET", f"/api/v1/namespaces/{NS}/configmaps/p").get("data") or {}).get("v") == "1" else "patched"))
CASES.append(("magic/taint NAME without nodes (dry-run=server)",
              lambda: ip.run_line_magic("k8s", "taint k8slab-worker k8slab-cat=v:NoSchedule --dry-run=server"), "error", None))
for verb in ("get pods", "describe pods", "run web --image nginx:1.27 --dry-run=server", "logs web", "events"):
    CASES.append((f"magic/%%k8s {verb} with a body", lambda v=verb: ip.run_cell_magic("k8s", f"{v} -n {NS}", "kind: Pod\n"), "error", None))


for line in ("get pod ..", "get pod .", "get pod a%2Fb", "describe pod ..", "label pod/.. a=b", "logs ..",
             "events --types Bogus", "delete pod .. --dry-run=server"):
    CASES.append((f"magic/{line}", lambda l=line: ip.run_line_magic("k8s", f"{l} -n {NS}"), "error", None))
CASES.append(("magic/get pods -n a/b", lambda: ip.run_line_magic("k8s", "get pods -n a/b"), "error", None))
CASES.append(("magic/cordon ..", lambda: ip.run_line_magic("k8s", "cordon .. --dry-run=server"), "error", None))
CASES.append(("magic/check (no argument)", lambda: ip.run_line_magic("k8s", "check"), "error", None))
CASES.append(("api/apply(None, files=[1])", lambda: k8slab.apply(None, files=[1]), "error", None))
CASES.append(("api/delete(files=123)", lambda: k8slab.delete(files=123), "error", None))
CASES.append(("api/apply(b'\\xff')", lambda: k8slab.apply(b"apiVersion: v1\nkind: ConfigMap\n\xff"), "error", None))
CASES.append(("magic/apply -f /dev/zero", lambda: ip.run_line_magic("k8s", f"apply -f /dev/zero -n {NS}"), "error", None))
CASES.append(("api/use(namespace=123)", lambda: k8slab.use(namespace=123), "error", None))
CASES.append(("api/logs tail=-1 (kubectl: all lines)", lambda: k8slab.logs("nope", tail=-1, namespace=NS), "quick-error", None))
CASES.append(("api/secret tls missing cert names --cert", lambda: _tls(), "error", None))


def _tls():
    from k8slab.api.generators.objects import secret_tls
    try:
        secret_tls("t", "/no/tls.crt", "/no/tls.key")
    except E.K8sLabError as exc:
        if "--cert" not in str(exc):
            raise RuntimeError("unclear: " + str(exc)) from None
        raise


def secret_raw(path_tail):
    def fn():
        try:
            sess.request("POST", f"/api/v1/namespaces/{NS}/secrets", body={"metadata": {"name": "pw"}, "stringData": {"password": "hunter2"}})
        except E.K8sLabError:
            pass
        out = ip.run_line_magic("k8s", f"get --raw /api/v1/namespaces/{NS}/secrets{path_tail}")
        if "aHVudGVyMg==" in str(out):
            raise RuntimeError("LEAK")
        return out
    return fn


CASES.append(("magic/get --raw secret", secret_raw("/pw"), "ok", None))
CASES.append(("magic/get --raw secret list", secret_raw(""), "ok", None))
CASES.append(("magic/get --raw secret watch", secret_raw("?watch=1&timeoutSeconds=1"), "ok", None))
for line in (f"wait pod/missing --for=condition=Ready -n {NS}", f"wait deploy/coredns -n kube-system --for=condition=Available=maybe",
             f"check deploy/missing -n {NS}", f"check deploy/coredns -n kube-system replicas=abc"):
    CASES.append((f"magic/{line.split(' -n')[0]}", lambda l=line: ip.run_line_magic("k8s", l), "quick-error", None))


def half_applied():
    port = random.randint(30100, 32700)
    mk_cm("changed")
    newns = NS + "-x"
    svc = "apiVersion: v1\nkind: Service\nmetadata: {{name: {n}}}\nspec: {{type: NodePort, selector: {{app: {n}}}, ports: [{{port: 80, nodePort: {p}}}]}}\n"
    text = (f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {newns}}}\n---\napiVersion: v1\nkind: ConfigMap\n"
            f"metadata: {{name: changed}}\ndata: {{v: new}}\n---\n{svc.format(n='a', p=port)}---\n{svc.format(n='b', p=port)}")
    k8slab.apply(text, namespace=NS)


def half_check():
    bad = []
    if sess.request("GET", f"/api/v1/namespaces/{NS}/configmaps/changed")["data"]["v"] != "1":
        bad.append("configmap changed")
    if sess.request("GET", f"/api/v1/namespaces/{NS}/services")["items"]:
        bad.append("a service stayed")
    try:
        n = sess.request("GET", f"/api/v1/namespaces/{NS}-x")
        if not n["metadata"].get("deletionTimestamp"):
            bad.append("namespace stayed")
        sess.request("DELETE", f"/api/v1/namespaces/{NS}-x")
    except E.K8sLabError:
        pass
    return ", ".join(bad)


CASES.append(("apply/two NodePorts on one port after a Namespace and a changed ConfigMap", half_applied, "error", half_check))


def cleanup():
    for kind in ("configmaps", "services", "secrets"):
        for i in sess.request("GET", f"/api/v1/namespaces/{NS}/{kind}")["items"]:
            if i["metadata"]["name"] not in ("kube-root-ca.crt",) and not i["metadata"]["name"].startswith("default-token"):
                try:
                    sess.request("DELETE", f"/api/v1/namespaces/{NS}/{kind}/{i['metadata']['name']}")
                except E.K8sLabError:
                    pass


def is_clear(exc):
    return isinstance(exc, (E.K8sLabError, IUsage))


def run_case(fn):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
        t0 = time.monotonic()
        try:
            fn()
            res = {"raised": None}
        except BaseException as exc:  # noqa: BLE001
            res = {"raised": type(exc).__name__, "clear": is_clear(exc), "msg": str(exc)[:160].replace("\n", " | ")}
        res["took"] = time.monotonic() - t0
        os.write(w, json.dumps(res).encode())
        os._exit(0)
    os.close(w)
    deadline = time.monotonic() + LIMIT
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(r)
        return {"raised": "HANG", "took": LIMIT}
    data = os.read(r, 100000)
    os.close(r)
    return json.loads(data) if data else {"raised": "DIED", "took": 0}


counts = {}
try:
    for cid, fn, expect, check in CASES:
        cleanup()
        res = run_case(fn)
        damage = ""
        if check:
            try:
                damage = check()
            except Exception as exc:  # noqa: BLE001
                damage = f"check failed: {exc}"
        raised = res["raised"]
        if raised in ("HANG", "DIED"):
            verdict = "hang"
        elif raised and not res.get("clear"):
            verdict = "crash"
        elif damage:
            verdict = "damage"
        elif expect == "ok":
            verdict = "ok" if raised is None else ("damage" if "LEAK" in res.get("msg", "") else "crash")
        elif raised is None:
            verdict = "silent"
        elif res["took"] > 3.0:
            verdict = "slow"
        else:
            verdict = "clear"
        if expect == "ok" and raised == "RuntimeError":
            verdict = "damage"
        counts[verdict] = counts.get(verdict, 0) + 1
        print(f"{verdict:7s} {res['took']:6.2f}s {cid}: {raised or ''} {res.get('msg', '')[:110]} {damage}", flush=True)
finally:
    cleanup()
    sess.request("DELETE", f"/api/v1/namespaces/{NS}")
print("TOTAL", len(CASES), json.dumps(counts, sort_keys=True))
