"""One module per ``%k8s`` verb, imported by name on first use.

Each module defines ``build_parser() -> CmdParser`` and
``run(args, cell, shell) -> object`` (the return value is the cell's result).
"""
