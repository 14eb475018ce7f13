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

from k8slab.client.http import HttpMixin
from k8slab.client.reflector import RECONNECTING, Reflector

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


class Connection(HttpMixin):
    """The client layer's REST calls over this process's own ``ApiClient`` (the reflector's session)."""

    def __init__(self, api_client, context: str = ""):
        self.api_client = api_client
        self.server = api_client.configuration.host
        self.context = context


class Provisioner:
    """Watches claims and volumes and acts on them; stops on :meth:`stop`."""

    def __init__(self, api_client, context: str = ""):
        from kubernetes import client

        self.core = client.CoreV1Api(api_client)
        self.storage = client.StorageV1Api(api_client)
        self.serialize = api_client.sanitize_for_serialization
        self.conn = Connection(api_client, context)
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

    def watch(self, path: str, handler) -> Reflector:
        """The kit's one list+watch loop on ``path``, in a thread: ``handler(obj)`` for every object
        of every (re)list (a claim not provisioned earlier is tried again) and every change."""
        def on_sync(items):
            for obj in list(items.values()):
                handler(obj)

        def on_event(type_, obj):
            if type_ in ("ADDED", "MODIFIED"):
                handler(obj)

        def on_state(state, detail):
            if state == RECONNECTING and detail:  # API restarts: the loop resumes or relists by itself
                log.info("watch of %s interrupted (%s); resuming", path, detail[:120])

        return Reflector(path, on_event=on_event, on_sync=on_sync, on_state=on_state, session=self.conn,
                         window=60, give_up_after=float("inf")).start()

    def run(self) -> None:
        watches = [self.watch("/api/v1/persistentvolumeclaims", self.on_claim),
                   self.watch("/api/v1/persistentvolumes", self.on_volume)]
        while not self._stop.is_set():
            self._stop.wait(1.0)
        for w in watches:
            w.stop()


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
                                                             context=args.context), args.context)
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
