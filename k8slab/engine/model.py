"""Plain data describing a lab cluster's state."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class ClusterStatus:
    """What ``k8slab status`` reports about one cluster.

    ``state`` is one of: ``absent`` (no such cluster), ``running`` (API healthy,
    every node Ready), ``starting`` (API up, nodes not Ready yet), ``stopped`` (state
    on disk, no process running), ``broken`` (some processes dead or the API silent).
    """

    name: str
    engine: str
    context: str
    kubeconfig: str
    state: str = "absent"
    problem: str = ""
    server: str = ""
    api_ok: bool = False
    processes: dict[str, int | None] = dataclasses.field(default_factory=dict)
    nodes: dict[str, bool] = dataclasses.field(default_factory=dict)
    images: str = ""  # where real nodes pull from (the local engine)
    egress: str = ""  # what pods reach beyond the lab (the local engine)

    @property
    def healthy(self) -> bool:
        return self.state == "running"

    def fix(self) -> str:
        """The command that fixes this state (empty when nothing needs fixing)."""
        if self.state == "absent":
            return f"k8slab up --name {self.name}"
        if self.state == "broken" and self.engine == "kind" and not self.server:
            # Docker or kind did not answer: the cluster's containers cannot even be seen
            return f"start Docker, then: k8slab up --name {self.name}"
        if self.state in ("stopped", "broken"):
            return f"k8slab down --name {self.name} && k8slab up --name {self.name}"
        if self.state == "starting":
            return f"k8slab up --name {self.name}   (waits until every node is Ready)"
        return ""

    def lines(self) -> list[str]:
        out = [f"cluster {self.name} ({self.engine} engine): {self.state}"
               + (f" - {self.problem}" if self.problem else "")]
        if self.server:
            out.append(f"  server:     {self.server}")
        out.append(f"  kubeconfig: {self.kubeconfig}  (context {self.context})")
        if self.images:
            out.append(f"  images:     {self.images}")
        if self.egress:
            out.append(f"  egress:     {self.egress}")
        for comp, pid in self.processes.items():
            out.append(f"  {comp:<28} {'running (pid %d)' % pid if pid else 'NOT RUNNING'}")
        for node, ready in self.nodes.items():
            out.append(f"  node {node:<19} {'Ready' if ready else 'NotReady'}")
        if self.fix():
            out.append(f"  fix: {self.fix()}")
        return out
