"""The verbs that read: ``get``, ``describe``, ``events``, ``logs``, ``exec``, ``explain``, discovery, ``curl``."""
