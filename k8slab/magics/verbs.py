"""The ``%k8s`` verbs: name → one-line summary, and the module implementing each."""

from __future__ import annotations

import importlib

from IPython.core.error import UsageError

VERBS: dict[str, str] = {
    "apply": "create or update objects from the cell's YAML, or from files (server-side apply)",
    "diff": "what applying the cell's YAML (or -f files) would change; the same as apply --diff",
    "create": "create one object from flags: deployment, job, cronjob, configmap, secret, service, ingress, namespace",
    "run": "start one pod: %k8s run web --image nginx:1.27 [-- ARGS]",
    "expose": "create a Service for a Deployment, Pod, ReplicaSet or Service",
    "get": "list objects as a table (a DataFrame), or print them (-o yaml|json|name|jsonpath|custom-columns)",
    "describe": "a compact summary of one object: status, conditions, containers, recent events",
    "delete": "delete objects by TYPE/NAME, label or manifest",
    "events": "the namespace's events, or one object's, sorted by time",
    "logs": "a pod's container logs",
    "exec": "run a command in a container (clusters that run containers, e.g. kind)",
    "label": "set (KEY=VALUE) or remove (KEY-) labels of objects",
    "annotate": "set (KEY=VALUE) or remove (KEY-) annotations of objects",
    "patch": "change fields of objects with a strategic merge, JSON merge or JSON patch",
    "set": "set image: change container images of a Deployment, pod or other pod template",
    "scale": "set the replicas of a Deployment, ReplicaSet or StatefulSet",
    "rollout": "status, history, undo, restart, pause or resume a rollout",
    "cordon": "mark nodes unschedulable (running pods stay)",
    "uncordon": "mark nodes schedulable again",
    "drain": "cordon a node and evict its pods, which their controllers make again elsewhere",
    "taint": "add (KEY=VALUE:EFFECT) or remove (KEY:EFFECT-) node taints",
    "wait": "wait for a condition, a deletion or a JSONPath value",
    "check": "assert a condition on the cluster for an exercise (✓ or ✗)",
    "curl": "one HTTP(S) request to the lab (the ingress controller, a NodePort), shown like curl -i",
    "solution": "a lesson's reference solution: %k8s solution N shows it; %%k8s solution N keeps it",
    "explain": "the documentation of a type or field, from the server's OpenAPI",
    "api-resources": "the resource types the server serves",
    "tree": "the ownership tree of an object (Deployment → ReplicaSets → Pods)",
    "version": "the kit's and the API server's versions",
    "cluster-info": "where the control plane and the cluster's services answer",
    "addons": "install (or --remove) a lab addon: ingress (Traefik, IngressClass nginx, Gateway API)",
    "use": "set the sticky context and namespace of the notebook",
    "help": "list the verbs, or show one verb's usage",
}


def module_for(verb: str):
    """Import ``k8slab.magics.cmd.<verb>`` (``api-resources`` → ``api_resources``)."""
    if verb not in VERBS:
        import difflib

        close = difflib.get_close_matches(verb, list(VERBS), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UsageError(f"%k8s: unknown verb {verb!r}.{hint}\nVerbs: {', '.join(VERBS)}\n"
                         "(usage: %k8s help VERB)")
    name = "k8slab.magics.cmd." + verb.replace("-", "_")
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name != name:
            raise
        raise UsageError(f"%k8s {verb} is not available in this version of k8slab.") from e


_PARSERS: dict = {}


def parser_for(verb: str):
    """The verb's ``CmdParser``, built once."""
    if verb not in _PARSERS:
        _PARSERS[verb] = module_for(verb).build_parser()
    return _PARSERS[verb]
