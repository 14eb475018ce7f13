"""A ``get`` table's objects stay with their rows through pandas operations, and "No resources
found" is shown only when the server answered no rows."""

from __future__ import annotations

import pytest

from k8slab.api.output import table as T

OBJS = [{"metadata": {"name": n}} for n in ("a", "b", "c", "d")]


@pytest.fixture
def pods():
    rows = [["a", "Running", 0], ["b", "Pending", 3], ["c", "Running", 1], ["d", "Failed", 2]]
    return T.make_table(["NAME", "STATUS", "RESTARTS"], rows, empty_message="No resources found in x namespace.",
                        objects=OBJS)


def _names(table) -> list[str]:
    return [o["metadata"]["name"] for o in table.objects]


@pytest.mark.parametrize("op", [
    lambda t: t[t.STATUS == "Running"],
    lambda t: t.sort_values("RESTARTS"),
    lambda t: t.sort_values("NAME", ascending=False).head(2),
    lambda t: t.iloc[[3, 1]],
    lambda t: t.loc[t.RESTARTS > 0, ["NAME"]],
    lambda t: t.query("STATUS != 'Pending'"),
    lambda t: t.tail(3).copy(),
    lambda t: t.drop_duplicates("STATUS"),
    lambda t: t.nlargest(2, "RESTARTS"),
])
def test_objects_follow_their_rows(pods, op):
    out = op(pods)
    assert isinstance(out, T.K8sTable)
    assert _names(out) == list(out["NAME"])


def test_a_replaced_index_drops_the_link_instead_of_lying(pods):
    shuffled = pods.sort_values("RESTARTS").reset_index(drop=True)
    assert shuffled.objects is None  # new labels 0..3 no longer name the server's rows
    assert _names(pods) == ["a", "b", "c", "d"]


def test_no_resources_found_only_for_an_empty_server_answer(pods):
    filtered = pods[pods.STATUS == "Unknown"]
    assert len(filtered) == 0 and filtered.objects == []
    assert str(filtered) == "NAME   STATUS   RESTARTS"
    assert "No resources found" not in filtered._repr_html_()
    empty = T.make_table(["NAME"], [], empty_message="No resources found in x namespace.", objects=[])
    assert str(empty) == "No resources found in x namespace."
    assert str(empty[empty.columns[:1]]) == "No resources found in x namespace."  # still the server's answer


def test_objects_must_match_the_rows():
    with pytest.raises(ValueError, match="2 objects for 1 rows"):
        T.make_table(["NAME"], [["a"]], objects=OBJS[:2])
