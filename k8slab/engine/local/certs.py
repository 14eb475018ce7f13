"""Client certificates for the real nodes: each program is who it is, not the cluster's admin.

A worker's kubelet authenticates as ``system:node:<node>`` in the group ``system:nodes``, so
the API server's Node authorizer lets it read and write only what concerns its own node
(its Node, its lease, the pods bound to it and the Secrets, ConfigMaps and volumes those
pods use). kube-proxy authenticates as ``system:kube-proxy``, which the default RBAC policy
binds to the ``system:node-proxier`` ClusterRole (read Services, EndpointSlices, Nodes).
Both are signed by the lab cluster's CA (the one kwokctl made), with openssl, and kept in
the node's own ``etc/pki`` (keys readable by root only). A certificate is made again when
it is missing, names another subject or was signed by another CA (a cluster made anew).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from ...errors import EngineError

DAYS = 3650


def _openssl(args: list[str], what: str, stdin: str | None = None) -> str:
    try:
        done = subprocess.run(["openssl", *args], input=stdin, capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        raise EngineError("openssl is not installed; it makes the nodes' certificates "
                          "(fix: apt-get install -y openssl)") from None
    except subprocess.TimeoutExpired:
        raise EngineError(f"openssl did not finish {what} within 30 s") from None
    if done.returncode != 0:
        raise EngineError(f"openssl failed {what}: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    return done.stdout


def subject(cn: str, org: str | None) -> str:
    """The certificate subject as openssl's ``-subj`` takes it."""
    return (f"/O={org}" if org else "") + f"/CN={cn}"


def current(crt: Path, key: Path, ca_crt: Path, cn: str, org: str | None) -> bool:
    """Whether ``crt`` exists, names ``cn``/``org`` and verifies against ``ca_crt``."""
    if not (crt.is_file() and key.is_file()):
        return False
    try:
        subj = _openssl(["x509", "-in", str(crt), "-noout", "-subject", "-nameopt", "compat"], "reading a certificate")
        _openssl(["verify", "-CAfile", str(ca_crt), str(crt)], "verifying a certificate")
    except EngineError:
        return False
    return subj.strip() == f"subject={subject(cn, org)}"


def ensure(crt: Path, key: Path, ca_crt: Path, ca_key: Path, cn: str, org: str | None = None) -> bool:
    """Make ``crt``/``key`` for ``cn`` (in group ``org``) unless current; True when made."""
    if current(crt, key, ca_crt, cn, org):
        return False
    crt.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=crt.parent) as tmp:
        new_key, csr, new_crt, ext = (Path(tmp, n) for n in ("key", "csr", "crt", "ext"))
        _openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(new_key)],
                 f"making a key for {cn}")
        _openssl(["req", "-new", "-key", str(new_key), "-subj", subject(cn, org), "-out", str(csr)],
                 f"making a request for {cn}")
        ext.write_text("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                       "extendedKeyUsage=clientAuth\n")
        _openssl(["x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key),
                  "-set_serial", str(int.from_bytes(os.urandom(16), "big") >> 1), "-days", str(DAYS), "-sha256", "-extfile", str(ext), "-out", str(new_crt)],
                 f"signing the certificate of {cn}")
        os.chmod(new_key, 0o600)
        os.replace(new_key, key)
        os.replace(new_crt, crt)
    return True
