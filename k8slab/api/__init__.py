"""The public Python API: plain functions returning data (DataFrames, dicts, text).

Each function here is what a ``%k8s`` verb calls; they talk to the cluster
only through :mod:`k8slab.client`. The sub-packages, by what they hold:

``args``        argument checks, durations, ``dry_run``, ``TYPE/NAME`` targets, the YAML a verb is given
``output``      kubectl's tables, YAML/JSON/``-o name``, JSONPath, Secret masking, pod templates
``read``        the verbs that read: get, describe, events, logs, exec, explain, api-resources, tree, version, curl
``apply``       server-side apply: the verb, its live reads, diffs, undo and errors
``write``       the verbs that change objects: create, delete, label/annotate, patch, set image, scale,
                nodes, rollout, addons
``generators``  objects built from flags (``create TYPE NAME``, ``run``, ``expose``)
``watch``       the informer and watch-until over the client's one list+watch loop, readiness, wait, check

``context`` hands the session to the magics and widgets. Which sub-package may import which is
pinned by ``tests/test_client_layering.py`` (``API_LAYERS``).
"""
