"""Watching and waiting: the informer over the client's reflector, watch-until, readiness rules, ``wait`` and ``check``."""
