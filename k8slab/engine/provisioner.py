"""Dynamic volume provisioning for the kwok and local engines' ``standard`` StorageClass.

On kind, rancher's local-path-provisioner runs as a pod. KWOK runs no pods, so
the engine runs this small controller beside the control plane instead, under the
same provisioner name. It does the provisioner's half of the protocol only; the
real kube-controller-manager (PV controller) and kube-scheduler (volume binding)
do the rest:

* a claim of a class with our provisioner, once it may be provisioned (Immediate
  mode, or the scheduler has set ``volume.kubernetes.io/selected-node``), gets a
  PersistentVolume pre-bound to it through ``claimRef``, pinned to that node;
* a Released volume we provisioned whose reclaim policy is Delete is deleted.

Run as ``python -m k8slab.engine.provisioner --kubeconfig PATH --context NAME``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time

PROVISIONER = "rancher.io/local-path"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
BASE_PATH = "/var/local-path-provisioner"

log = logging.getLogger("k8slab.provisioner")


def volume_for(pvc: dict, sc: dict, node: str | None) -> dict:
    """The PersistentVolume that satisfies ``pvc`` (plain dicts in, plain dict out)."""
    meta = pvc["metadata"]
    name = f"pvc-{meta['uid']}"
    spec = {
        "capacity": {"storage": pvc["spec"]["resources"]["requests"]["storage"]},
        "accessModes": pvc["spec"].get("accessModes") or ["ReadWriteOnce"],
        "volumeMode": pvc["spec"].get("volumeMode") or "Filesystem",
        "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy") or "Delete",
        "storageClassName": sc["metadata"]["name"],
        "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                     "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]},
        "hostPath": {"path": f"{BASE_PATH}/{name}_{meta['namespace']}_{meta['name']}",
                     "type": "DirectoryOrCreate"},
    }
    if node:
        spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}}
    if sc.get("mountOptions"):
        spec["mountOptions"] = sc["mountOptions"]
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "annotations": {PROVISIONED_BY: PROVISIONER}},
            "spec": spec}


def wants_volume(pvc: dict, sc: dict | None) -> tuple[bool, str | None]:
    """Whether ``pvc`` should be provisioned now, and on which node."""
    if sc is None or sc.get("provisioner") != PROVISIONER:
        return False, None
    if pvc["spec"].get("volumeName") or (pvc.get("status") or {}).get("phase") != "Pending":
        return False, None
    node = (pvc["metadata"].get("annotations") or {}).get(SELECTED_NODE)
    if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and not node:
        return False, None
    return True, node


class Provisioner:
    """Watches claims and volumes and acts on them; stops on :meth:`stop`."""

    def __init__(self, api_client):
        from kubernetes import client

        self.core = client.CoreV1Api(api_client)
        self.storage = client.StorageV1Api(api_client)
        self.serialize = api_client.sanitize_for_serialization
        self._stop = threading.Event()

    def stop(self):
        self._stop.set()

    def _class(self, name: str | None) -> dict | None:
        from kubernetes.client import ApiException

        if not name:
            return None
        try:
            return self.serialize(self.storage.read_storage_class(name))
        except ApiException:
            return None

    def on_claim(self, pvc: dict) -> None:
        from kubernetes.client import ApiException

        sc = self._class(pvc["spec"].get("storageClassName"))
        ok, node = wants_volume(pvc, sc)
        if not ok:
            return
        pv = volume_for(pvc, sc, node)
        try:
            self.core.create_persistent_volume(pv)
            log.info("provisioned %s for %s/%s on %s", pv["metadata"]["name"],
                     pvc["metadata"]["namespace"], pvc["metadata"]["name"], node or "any node")
        except ApiException as exc:
            if exc.status != 409:  # already provisioned on an earlier event
                log.warning("could not provision %s: %s", pv["metadata"]["name"], exc.reason)

    def on_volume(self, pv: dict) -> None:
        from kubernetes.client import ApiException

        ann = pv["metadata"].get("annotations") or {}
        if (ann.get(PROVISIONED_BY) == PROVISIONER
                and (pv.get("status") or {}).get("phase") == "Released"
                and pv["spec"].get("persistentVolumeReclaimPolicy") == "Delete"):
            try:
                self.core.delete_persistent_volume(pv["metadata"]["name"])
                log.info("deleted released volume %s", pv["metadata"]["name"])
            except ApiException as exc:
                if exc.status != 404:
                    log.warning("could not delete %s: %s", pv["metadata"]["name"], exc.reason)

    def _loop(self, list_fn, handler) -> None:
        from kubernetes import watch

        failures = 0
        while not self._stop.is_set():
            try:
                listing = list_fn(_request_timeout=30)
                for item in listing.items:
                    handler(self.serialize(item))
                rv = listing.metadata.resource_version
                w = watch.Watch()
                for event in w.stream(list_fn, resource_version=rv, timeout_seconds=60,
                                      _request_timeout=90):
                    if self._stop.is_set():
                        w.stop()
                        break
                    failures = 0
                    if event["type"] in ("ADDED", "MODIFIED"):
                        handler(self.serialize(event["object"]))
            except Exception as exc:  # API restarts, 410 Gone: relist after a growing pause
                failures += 1
                if failures in (1, 5) or failures % 30 == 0:
                    log.info("watch interrupted (%s); relisting", str(exc).splitlines()[0][:120])
                self._stop.wait(min(10.0, 0.5 * 2 ** min(failures, 5)))

    def run(self) -> None:
        threads = [
            threading.Thread(target=self._loop, daemon=True,
                             args=(self.core.list_persistent_volume_claim_for_all_namespaces,
                                   self.on_claim)),
            threading.Thread(target=self._loop, daemon=True,
                             args=(self.core.list_persistent_volume, self.on_volume)),
        ]
        for t in threads:
            t.start()
        while not self._stop.is_set():
            self._stop.wait(1.0)


def main(argv: list[str] | None = None) -> int:
    from kubernetes import config

    parser = argparse.ArgumentParser(prog="k8slab-provisioner", description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--context", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("urllib3").setLevel(logging.ERROR)  # one line per outage, not per retry
    prov = None
    for _ in range(60):  # the API server may still be starting
        try:
            prov = Provisioner(config.new_client_from_config(config_file=args.kubeconfig,
                                                             context=args.context))
            break
        except Exception as exc:
            log.info("waiting for kubeconfig: %s", exc)
            time.sleep(1)
    if prov is None:
        return 1
    signal.signal(signal.SIGTERM, lambda *_: prov.stop())
    signal.signal(signal.SIGINT, lambda *_: prov.stop())
    log.info("provisioning for %s", PROVISIONER)
    prov.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
