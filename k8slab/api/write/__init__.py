"""The verbs that change objects other than apply: create, delete, label, patch, set image, scale, nodes, rollout."""
