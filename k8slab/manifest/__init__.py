"""Reading manifests: YAML documents from cells, files and directories, with ``{{ name }}`` templating."""

from k8slab.manifest.loader import Manifest, from_objects, load_paths, load_text

__all__ = ["Manifest", "from_objects", "load_paths", "load_text"]
