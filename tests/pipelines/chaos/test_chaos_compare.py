from datetime import UTC, datetime

from pipelines.chaos.compare import compare, diff_rows
from pipelines.chaos.outputs import canonical_row, canonical_rows


def outputs(**tables):
    sections = {s: {} for s in ("landing", "marts", "hotspots", "cases", "case_signals", "alerts")}
    for name, rows in tables.items():
        section, table = name.split("__")
        sections[section][table] = rows
    return sections


def test_canonical_rows_are_order_and_type_stable():
    at = datetime(2026, 7, 15, 1, 2, tzinfo=UTC)
    assert canonical_row(["b", "a"], [1, at]) == canonical_row(["a", "b"], [at, 1])
    assert canonical_row(["a"], [None]) == '{"a":null}'
    assert canonical_rows(["x"], [(2,), (1,)]) == ['{"x":"1"}', '{"x":"2"}']


def test_equal_outputs_match():
    reference = outputs(landing__alerts=["a", "b"], cases__c=["x"])
    diffs = compare(reference, outputs(landing__alerts=["b", "a"], cases__c=["x"]))
    assert all(d.matched for d in diffs.values())
    assert diffs["landing"].summary()["status"] == "match"


def test_a_duplicated_row_is_a_mismatch():
    diff = diff_rows("alerts", ["a", "b"], ["a", "b", "b"])
    assert not diff.matched and diff.extra == 1 and diff.missing == 0
    assert diff.examples == ("extra b",)


def test_a_lost_row_and_a_missing_table_are_mismatches():
    reference = outputs(marts__m=["r1", "r2"], hotspots__h=["w"])
    diffs = compare(reference, outputs(marts__m=["r1"]))
    assert diffs["marts"].summary()["missing"] == 1
    summary = diffs["hotspots"].summary()
    assert summary["status"] == "mismatch"
    assert summary["differing"][0]["table"] == "h" and summary["differing"][0]["actual"] == 0


def test_floats_summed_in_another_order_are_the_same_output():
    mean_m = 340.31333333333333
    assert canonical_row(["m"], [mean_m]) == canonical_row(["m"], [mean_m + 5.7e-14])
    assert canonical_row(["m"], [mean_m]) != canonical_row(["m"], [mean_m + 1e-6])


def test_case_grouping_apart_needs_everything_else_and_the_case_signals_to_match():
    from pipelines.chaos.compare import matched_apart_from

    reference = outputs(
        landing__alerts=["a"],
        landing__cases_events=["e1", "e2"],
        cases__state=["c1"],
        case_signals__signals=["s1"],
    )
    grouping = outputs(
        landing__alerts=["a"],
        landing__cases_events=["e1", "e3"],
        cases__state=["c2"],
        case_signals__signals=["s1"],
    )
    tables = frozenset({"cases_events"})
    diffs = compare(reference, grouping)
    assert not all(d.matched for d in diffs.values())
    assert matched_apart_from(diffs, tables)
    lost_signal = dict(grouping, case_signals={"signals": []})
    assert not matched_apart_from(compare(reference, lost_signal), tables)
    lost_alert = dict(grouping, landing={"alerts": [], "cases_events": ["e1", "e2"]})
    assert not matched_apart_from(compare(reference, lost_alert), tables)
