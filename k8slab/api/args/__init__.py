"""Checking and parsing the verbs' arguments: types, durations, ``dry_run``, ``TYPE/NAME`` targets."""
