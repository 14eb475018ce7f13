"""Unit tests: kubectl AGE formatting and the K8sTable text/HTML forms."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from k8slab.api.output import table as T


@pytest.mark.parametrize("seconds,text", [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (5, "5s"), (119, "119s"), (120, "2m"), (182, "3m2s"),
    (599, "9m59s"), (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 60 * 5, "3h5m"),
    (8 * 3600, "8h"), (47 * 3600, "47h"), (2 * 86400 + 4 * 3600, "2d4h"), (3 * 86400, "3d"),
    (8 * 86400, "8d"), (400 * 86400, "400d"), (2 * 365 * 86400 + 86400, "2y1d"), (9 * 365 * 86400, "9y")])
def test_human_duration_matches_kubectl(seconds, text):
    assert T.human_duration(seconds) == text


def test_age_from_timestamp():
    now = datetime(2026, 11, 26, 1, 0, 0, tzinfo=timezone.utc)
    ts = (now - timedelta(minutes=3, seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert T.age(ts, now) == "3m2s"
    assert T.age(None, now) == "<unknown>"


def _pods():
    return T.make_table(["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
                        [["web-1", "1/1", "Running", 0, "5s"], ["web-22", "0/1", "Pending", None, "3m2s"]])


def test_text_form_is_kubectl_like():
    assert repr(_pods()).splitlines() == [
        "NAME     READY   STATUS    RESTARTS   AGE",
        "web-1    1/1     Running   0          5s",
        "web-22   0/1     Pending              3m2s"]


def test_is_a_dataframe_and_filters_keep_the_type():
    import pandas as pd

    df = _pods()
    running = df[df.STATUS == "Running"]
    assert isinstance(running, pd.DataFrame) and isinstance(running, T.K8sTable)
    assert list(running.NAME) == ["web-1"]
    assert repr(running).splitlines()[1].startswith("web-1")


def test_truncation_note_in_text_and_html(monkeypatch):
    monkeypatch.setattr(T, "MAX_ROWS", 60)
    rows = [[f"pod-{i:03d}", "Running"] for i in range(75)]
    df = T.make_table(["NAME", "STATUS"], rows)
    text = df.to_text()
    assert text.splitlines()[-1] == "… 15 more rows" and len(text.splitlines()) == 62
    html = df._repr_html_()
    assert "… 15 more rows" in html and html.count("<tr>") == 61
    assert len(df) == 75  # the data keeps every row
    assert "pod-074" in df.to_text(max_rows=None)


def test_html_has_no_index_and_escapes():
    html = T.make_table(["NAME"], [["<b>x</b>"]])._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<th" in html and ">0<" not in html


def test_empty_table_shows_kubectl_message():
    df = T.make_table(["NAME"], [], empty_message="No resources found in lab namespace.")
    assert repr(df) == "No resources found in lab namespace."
    assert "No resources found in lab namespace." in df._repr_html_()
    assert len(df) == 0 and list(df.columns) == ["NAME"]


def test_max_rows_is_read_at_display_time(monkeypatch):
    df = T.make_table(["NAME"], [[f"p{i}"] for i in range(10)])
    monkeypatch.setattr(T, "MAX_ROWS", 4)
    assert df.to_text().splitlines()[-1] == "… 6 more rows" and "… 6 more rows" in df._repr_html_()


def test_display_gives_text_and_html_only():
    from IPython.core.formatters import DisplayFormatter

    t = T.make_table(["NAME", "STATUS"], [["a", "Running"], ["b", None]])
    data, _ = DisplayFormatter().format(t)
    assert set(data) == {"text/plain", "text/html"}
    assert data["text/plain"] == t.to_text() and data["text/html"] == t._repr_html_()
    empty = T.make_table(["NAME"], [], empty_message="No resources found in x namespace.")
    data, _ = DisplayFormatter().format(empty)
    assert data["text/plain"] == "No resources found in x namespace."
