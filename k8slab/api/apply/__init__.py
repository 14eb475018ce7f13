"""Server-side apply of YAML documents: the verb, its live reads, its diffs, its undo and its errors."""
