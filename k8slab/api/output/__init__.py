"""Printed forms: kubectl's tables, YAML/JSON/``-o name``, JSONPath, Secret masking."""
