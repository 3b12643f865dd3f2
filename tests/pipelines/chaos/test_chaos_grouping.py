import duckdb
import orjson

from pipelines.chaos.grouping import grouping
from pipelines.chaos.outputs import CASE_GROUPS_SQL, canonical_rows
from pipelines.cli.chaos import grouping_note

COLUMNS = ("case_id", "signal_ids", "opened_by", "opener_source", "opener_at")
REPORT = "report:R17841101956315243"  # a citizen report, 10:09:55
VIDEO = "alert:video-CAM-0005-lane_occupation-CAM-0005-3127b27f-20260715T111109Z"  # 11:11:09
LATE = "report:R178411829010748763"  # a citizen report, 12:24:50
AT = {
    REPORT: ("citizen", "2026-07-15T10:09:55.293Z"),
    VIDEO: ("video", "2026-07-15T11:11:09.890Z"),
    LATE: ("citizen", "2026-07-15T12:24:50.331Z"),
}


def groups(*cases: tuple[str, list[str]]) -> list[str]:
    """Case-group rows: (opener, every signal of the case)."""
    return canonical_rows(
        COLUMNS,
        [
            (f"case-{opener}", orjson.dumps(sorted(signals)).decode(), opener, *AT[opener])
            for opener, signals in cases
        ],
    )


def test_equal_groups_differ_in_nothing():
    clean = groups((REPORT, [REPORT, VIDEO, LATE]))
    assert grouping(clean, clean) == {
        "signal_cases": 1,
        "other_opener": 0,
        "opener_sources": {},
        "opener_gap_min": {"max": None, "median": None},
        "sets_only_in_clean": 0,
        "sets_only_in_run": 0,
    }


def test_a_case_opened_by_another_of_its_signals_says_which_and_how_far_apart():
    clean = groups((REPORT, [REPORT, VIDEO]))
    run = groups((VIDEO, [REPORT, VIDEO]))
    found = grouping(clean, run)
    assert found["other_opener"] == 1
    assert found["opener_sources"] == {"citizen → video": 1}
    assert found["opener_gap_min"] == {"max": 61.2, "median": 61.2}
    assert found["sets_only_in_clean"] == found["sets_only_in_run"] == 0


def test_a_signal_that_opened_its_own_case_is_a_set_grouped_otherwise():
    """Seen in a two-worker run: anchored at the camera, the case was too far for the report."""
    clean = groups((REPORT, [REPORT, VIDEO, LATE]))
    run = groups((VIDEO, [REPORT, VIDEO]), (LATE, [LATE]))
    found = grouping(clean, run)
    assert found["signal_cases"] == 2
    assert found["other_opener"] == 0  # no set of the clean run is there to compare openers
    assert (found["sets_only_in_clean"], found["sets_only_in_run"]) == (1, 2)
    assert "2 grouped otherwise" in grouping_note(found)


def test_a_reference_without_case_groups_gives_no_diagnosis():
    assert grouping([], groups((REPORT, [REPORT]))) is None
    assert grouping_note(None) == ""


def test_the_note_names_the_paths_when_an_opener_moved():
    found = grouping(groups((REPORT, [REPORT, VIDEO])), groups((VIDEO, [REPORT, VIDEO])))
    note = grouping_note(found)
    assert "1 of 1 cases opened by another signal (citizen → video 1" in note
    assert "61.2 min" in note
    assert grouping_note(grouping(groups((REPORT, [REPORT])), groups((REPORT, [REPORT])))) == ""


def test_case_groups_are_read_from_report_and_link_events_leaving_patrol_cases_out(tmp_path):
    def event(case_id, command, signal_id, source, at):
        signal = {"signal_id": signal_id, "source": source, "signal": {"at": at}}
        return case_id, command, orjson.dumps(signal if signal_id else {}).decode()

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("CREATE SCHEMA landing")
        con.execute(
            "CREATE TABLE landing.cases_events (case_id TEXT, command TEXT, payload_json TEXT)"
        )
        rows = [
            event(f"case-{REPORT}", "report", REPORT, *AT[REPORT]),
            event(f"case-{REPORT}", "accept", None, None, None),
            event(f"case-{REPORT}", "link", VIDEO, *AT[VIDEO]),
            event("case-patrol-1", "report", None, None, None),
        ]
        con.executemany("INSERT INTO landing.cases_events VALUES (?, ?, ?)", rows)
        cursor = con.execute(CASE_GROUPS_SQL)
        found = canonical_rows([d[0] for d in cursor.description], cursor.fetchall())
    assert found == groups((REPORT, [REPORT, VIDEO]))
