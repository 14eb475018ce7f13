"""Case 9: the ingress addon on the real-node engine (``k8slab addons ingress``).

- install: ``ingress.remove`` (untimed), then ``k8slab.addons("ingress")`` and the first
  routed answer (``k8slab.curl`` of an Ingress host, retried until it answers 200), with
  Traefik's binary and image cached. Target: 20 s. There is no kubectl counterpart.
- request: one request through Traefik to a backend pod, from the notebook's kernel:
  ``k8slab.curl("http://bench.example/")`` beside the ``curl`` program with
  ``--resolve bench.example:80:ADDRESS`` (the 'kubectl' column; it includes starting a
  process, which is most of its time), interleaved. Target: median 10 ms.

Skipped where the lab's pods are simulated (the addon is refused there).
"""

from __future__ import annotations

import shutil
import subprocess
import time

from . import fixtures as fx
from .common import Ctx, Result, interleave, median, spread

TARGET_INSTALL_S = 20.0
TARGET_REQUEST_S = 0.010
HOST = "bench.example"

BACKEND = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostname: web
      terminationGracePeriodSeconds: 1
      containers:
      - {name: app, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [serve-hostname, --port=8080]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
  - host: bench.example
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
"""


def skipped(why: str) -> Result:
    return Result("9 ingress addon (real nodes)", None, None, 0, f"skipped: {why}")


def run(ctx: Ctx) -> list[Result]:
    import k8slab
    from k8slab.engine import ingress

    if not k8slab.runs_containers():
        return [skipped("the lab cluster simulates its pods (k8slab up --engine local)")]
    k8slab.addons("ingress")  # builds what is missing: not part of the measure
    with fx.namespace("bench-ingress") as ns:
        k8slab.apply(BACKEND, namespace=ns)
        k8slab.wait("deploy/web", namespace=ns, for_="condition=Available", timeout=120)
        k8slab.curl(f"http://{HOST}/", expect_status=200, wait=60)

        installs = []
        for _ in range(ctx.runs(3)):
            ingress.remove(echo=ctx.log)
            t0 = time.perf_counter()
            k8slab.addons("ingress")
            k8slab.curl(f"http://{HOST}/", expect_status=200, wait=120)
            installs.append(time.perf_counter() - t0)
            ctx.log(f"install to first routed answer: {installs[-1]:.2f} s")

        address = ingress.status().addresses[0]
        curl = shutil.which("curl")
        ours = lambda: k8slab.curl(f"http://{HOST}/")  # noqa: E731
        theirs = (lambda: subprocess.run([curl, "-s", "-o", "/dev/null", "--resolve", f"{HOST}:80:{address}",
                                          f"http://{HOST}/"], check=True)) if curl else None  # noqa: E731
        n = ctx.runs(200, 5)
        if theirs:
            ta, tb = interleave(ours, theirs, n, warmup=3)
        else:
            ta, tb = interleave(ours, ours, n, warmup=3)[0], []
    install = median(installs)
    req = median(ta)
    return [
        Result("9 ingress addon install → first routed answer", install, None, len(installs),
               f"target {TARGET_INSTALL_S:.0f} s ({'met' if install <= TARGET_INSTALL_S else 'MISSED'}); "
               f"runs {spread(installs)}; binaries and image cached"),
        Result("9 one request through Traefik (k8slab.curl vs curl --resolve)", req,
               median(tb) if tb else None, n,
               f"target {TARGET_REQUEST_S * 1000:.0f} ms ({'met' if req <= TARGET_REQUEST_S else 'MISSED'}); "
               f"k8slab {spread(ta)}" + (f", curl (a process each) {spread(tb)}" if tb else ", no curl program")),
    ]
