"""describe_pod_template: kubectl's ``DescribePodTemplate`` layout on plain dicts (the cluster
comparison is in test_rollout_dry_run_side_by_side.py)."""

from __future__ import annotations

from k8slab.api.output.pod_template import describe_pod_template


def test_an_empty_template_says_none_where_kubectl_does():
    assert describe_pod_template({"spec": {"containers": [{"name": "c", "image": "i"}]}}) == [
        "Pod Template:", "  Labels:\t<none>", "  Containers:", "   c:", "    Image:\ti",
        "    Port:\t<none>", "    Host Port:\t<none>", "    Environment:\t<none>", "    Mounts:\t<none>",
        "  Volumes:\t<none>", "  Node-Selectors:\t<none>", "  Tolerations:\t<none>"]
    assert describe_pod_template(None) == ["Pod Template:", "  <unset>"]


def test_tolerations_sort_by_key_and_read_as_kubectl_writes_them():
    lines = describe_pod_template({"spec": {"containers": [], "tolerations": [
        {"key": "b", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30},
        {"operator": "Exists"}, {"key": "a", "value": "v", "effect": "NoSchedule"}]}})
    i = lines.index("  Tolerations:\top=Exists")
    assert lines[i + 1:i + 3] == ["\ta=v:NoSchedule", "\tb:NoExecute op=Exists for 30s"]


def test_long_annotations_are_cut_and_last_applied_is_left_out():
    lines = describe_pod_template({"metadata": {"annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": "{}", "n": "x" * 200}}, "spec": {}})
    assert "  Annotations:\tn: " + "x" * 140 + "..." in lines
    assert not any("last-applied" in line for line in lines)


def test_a_volume_of_another_type_is_unknown_not_an_error():
    lines = describe_pod_template({"spec": {"volumes": [{"name": "p", "projected": {"sources": []}}]}})
    assert lines[lines.index("  Volumes:") + 1:lines.index("  Volumes:") + 3] == ["   p:", "    <unknown>"]
