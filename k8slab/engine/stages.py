"""The KWOK Stages the kwok engine runs: KWOK's own defaults plus k8slab's crash loop.

Supplying any Stage to kwokctl turns KWOK's built-in defaults off, so the engine
passes the full set itself: KWOK's node and pod stages, read from the pinned KWOK
module (copied next to the binaries when it is built), and k8slab's own stages in
``stages/*.yaml``. The upstream pod-ready and pod-complete stages are narrowed so
they leave crash-looping pods to k8slab's stages.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from ..errors import EngineError

# True for a pod with a container whose command + args exit non-zero (`sh -c "exit 1"`,
# `false`). Kept in step with the templates in stages/crashloop.yaml.
CRASH_QUERY = (
    '[.spec.containers[] | ((.command // []) + (.args // [])) | join(" ") '
    '| test("(^|[;&|( ])exit[ ]+0*[1-9]") or test("^(/usr)?(/bin/)?false$")] | any'
)

UPSTREAM = {
    # file under the KWOK module's kustomize/stage/ -> stage it defines
    "node/fast/node-initialize.yaml": "node-initialize",
    "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml": "node-heartbeat-with-lease",
    "pod/fast/pod-ready.yaml": "pod-ready",
    "pod/fast/pod-complete.yaml": "pod-complete",
    "pod/fast/pod-delete.yaml": "pod-delete",
}
NARROWED = {"pod-ready", "pod-complete"}
OWN_DIR = Path(__file__).with_name("stages")


def _not_crashing() -> dict:
    return {"key": CRASH_QUERY, "operator": "NotIn", "values": ["true"]}


def load_upstream(stage_root: Path) -> list[dict]:
    """Read KWOK's default stages from ``stage_root`` (a copy of kustomize/stage)."""
    stages = []
    for rel, name in UPSTREAM.items():
        path = stage_root / rel
        try:
            doc = yaml.safe_load(path.read_text())
        except OSError as exc:
            raise EngineError(f"KWOK's default stage {rel} is missing from {stage_root}; "
                              f"rebuild the engine: k8slab build --force") from exc
        if doc.get("metadata", {}).get("name") != name:
            raise EngineError(f"{path} does not define stage {name!r}; rebuild: k8slab build --force")
        if name in NARROWED:
            doc = copy.deepcopy(doc)
            doc["spec"]["selector"]["matchExpressions"].append(_not_crashing())
        stages.append(doc)
    return stages


def load_own() -> list[dict]:
    """k8slab's own stages, with the crash query filled in."""
    out = []
    for path in sorted(OWN_DIR.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc:
                continue
            for expr in doc["spec"]["selector"].get("matchExpressions", []):
                if expr["key"] == "K8SLAB_CRASHES":
                    expr["key"] = CRASH_QUERY
            out.append(doc)
    return out


def all_stages(stage_root: Path) -> list[dict]:
    """Every Stage the engine passes to kwokctl."""
    return load_upstream(stage_root) + load_own()
