"""The public Python API: plain functions returning data (DataFrames, dicts, text).

Each function here is what a ``%k8s`` verb calls; they talk to the cluster
only through :mod:`k8slab.client`.
"""
