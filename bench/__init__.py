"""Benchmarks of k8slab side by side with kubectl, on the local engine.

Run ``python -m bench`` (or ``make bench``); ``--quick`` uses tiny sizes (the
smoke test), ``--cases 2,3`` picks cases. Each case times k8slab and the same
operation done by kubectl on the same cluster in the same run, interleaved,
and reports medians; the results go to ``bench/results/latest.json``.

One module per case group: :mod:`bench.case_load_ext` (1), :mod:`bench.case_get`
(2, 3), :mod:`bench.case_apply` (4), :mod:`bench.case_rollout` (5),
:mod:`bench.case_engine` (6), :mod:`bench.case_notebooks` (7).
"""
