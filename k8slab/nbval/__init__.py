"""nbval support: the Kubernetes-aware output sanitizer shipped with k8slab.

Example:
    pytest --nbval notebooks/ --nbval-sanitize-with "$(python -c 'import k8slab.nbval; print(k8slab.nbval.sanitize_path())')"
"""

from __future__ import annotations

from pathlib import Path


def sanitize_path() -> str:
    """Path of ``sanitize.cfg``, the file to pass to nbval's ``--nbval-sanitize-with``.

    Returns:
        The absolute path of the sanitizer file inside the installed package.
    """
    return str(Path(__file__).with_name("sanitize.cfg"))
