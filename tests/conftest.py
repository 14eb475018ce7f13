"""Shared fixtures: the real lab cluster and a throwaway namespace per test.

The ``cluster`` fixture reuses a healthy running lab cluster, or starts one with
``k8slab up`` (the local kwok engine) when none answers. Tests that need the
cluster ask for ``cluster`` or ``namespace``; pure unit tests ask for neither.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

TEST_LABEL = "k8slab.dev/test"


def _healthy(kubeconfig: str) -> bool:
    from kubernetes import client, config

    try:
        api = client.ApiClient(config.new_client_from_config(config_file=kubeconfig).configuration)
        client.VersionApi(api).get_code(_request_timeout=5)
        return True
    except Exception:
        return False


def pytest_collection_modifyitems(session, config, items):
    """Tests that take the lab cluster down and up run before any other uses it."""
    items.sort(key=lambda item: item.get_closest_marker("host_cycle") is None)


@pytest.fixture(scope="session")
def kubeconfig() -> str:
    """Path of the lab cluster's kubeconfig (the file k8slab owns)."""
    from k8slab.engine.paths import kubeconfig_path

    return str(kubeconfig_path())


def _ensure_up() -> None:
    proc = subprocess.run([sys.executable, "-m", "k8slab", "up"], text=True,
                          capture_output=True, timeout=1800)
    if proc.returncode != 0:
        pytest.fail(f"k8slab up failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


@pytest.fixture(scope="session")
def cluster(kubeconfig):
    """The running lab cluster; started with ``k8slab up`` if it is not answering."""
    if not (os.path.exists(kubeconfig) and _healthy(kubeconfig)):
        _ensure_up()
    from kubernetes import config

    return config.new_client_from_config(config_file=kubeconfig)


@pytest.fixture
def namespace(cluster):
    """A fresh namespace ``k8slab-test-<random>``, labelled, deleted after the test."""
    from kubernetes import client

    core = client.CoreV1Api(cluster)
    name = f"k8slab-test-{secrets.token_hex(3)}"
    body = {"metadata": {"name": name, "labels": {TEST_LABEL: "true"}}}
    try:
        core.create_namespace(body, _request_timeout=10)
    except client.ApiException:
        raise
    except Exception:  # the cluster went away (an earlier test stopped a component): bring it back
        _ensure_up()
        core.create_namespace(body, _request_timeout=10)
    try:
        yield name
    finally:
        try:
            core.delete_namespace(name, propagation_policy="Background")
        except client.ApiException as exc:
            if exc.status != 404:
                raise


@pytest.fixture(scope="module")
def web(cluster):
    """One namespace with a ready 2-replica Deployment ``web``, a Service, a ConfigMap and a Secret."""
    from _k8s_objects import create, make_web, pin_lab_context

    from k8slab.client import session as S

    pin_lab_context()
    name = f"k8slab-test-{secrets.token_hex(3)}"
    create(None, {"apiVersion": "v1", "kind": "Namespace",
                  "metadata": {"name": name, "labels": {TEST_LABEL: "true"}}})
    try:
        make_web(name)
        yield name
    finally:
        S.current().request("DELETE", f"/api/v1/namespaces/{name}")
