"""Retiring ended cases on event time: the partition's clock, its day lists, tombstones."""

from datetime import UTC, datetime, timedelta

from citybrain.contracts.base import isoformat_utc
from streams.cases.commands import Command
from streams.cases.retirement import Retirement, clock_key, day_key, moves_event_time, tombstone

T0 = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)  # day 2026-07-15 ends 22 h later


def at(hours):
    return isoformat_utc(T0 + timedelta(hours=hours))


def command(name="link", *, hours, role="system"):
    return Command(
        f"c-{name}-{hours}", "case-x", name, "someone", role, T0 + timedelta(hours=hours)
    )


def ended(case_id, hours, state="closed"):
    return {"case_id": case_id, "state": state, "ended_at": at(hours), "category": "noise"}


class Store(dict):
    """The ``case_retired`` table of one partition, as a dict between batches."""

    def batch(self):
        return Retirement(self.get(clock_key(0)), self.get, partition=0)

    def write(self, retirement):
        for key, value in retirement.writes().items():
            if value is None:
                self.pop(key, None)
            else:
                self[key] = value


def due(r, retire_after_h=24, forget_after_h=48):
    d = r.due(retire_after_h=retire_after_h, forget_after_h=forget_after_h)
    return d.retire, d.forget


def test_event_time_moves_only_forward_and_only_with_the_engines_signals():
    r = Store().batch()
    r.observe(command(hours=5))
    r.observe(command(hours=3))  # late: the partition has seen later already
    assert r.record["newest_at"] == at(5)
    r.observe(command("mark_overdue", hours=900))  # timed by the wall clock
    r.observe(command("warn_deadline", hours=900))
    assert r.record["newest_at"] == at(5)
    # people act through the API, which stamps the wall clock: on a replay, months ahead
    r.observe(command("accept", hours=900, role="call_taker"))
    r.observe(command("link", hours=900, role="call_taker"))
    r.observe(command("report", hours=900, role="supervisor"))
    assert r.record["newest_at"] == at(5)
    assert not moves_event_time(command("mark_overdue", hours=1))
    assert not moves_event_time(command("close", hours=1, role="leader"))
    assert moves_event_time(command("link", hours=1))
    assert moves_event_time(command("report", hours=1))
    assert moves_event_time(command("dispatch", hours=1))  # a follow-up, timed by its report


def test_a_days_ended_cases_are_retired_after_the_retention_then_forgotten():
    store = Store()
    r = store.batch()
    r.note(ended("case-b", 10))
    r.note(ended("case-a", 2, state="cancelled"))
    r.note(ended("case-a", 2))  # noted again after a re-delivery: once
    r.note(ended("case-c", 30))  # the next day
    r.note({"case_id": "case-open", "state": "dispatched", "ended_at": None})
    r.note(None)
    assert due(r) == ([], [])  # no event time yet
    store.write(r)
    assert store[day_key(0, "2026-07-15")] == ["case-b", "case-a"]
    assert store[clock_key(0)]["days"] == {"2026-07-15": "ended", "2026-07-16": "ended"}
    r = store.batch()
    r.observe(command(hours=22 + 24 - 0.1))  # just before the day's end + 24 h
    assert due(r) == ([], [])
    r.observe(command(hours=22 + 24))
    assert due(r) == (["case-b", "case-a"], [])
    assert due(r) == ([], [])  # retired once
    store.write(r)
    r = store.batch()
    r.observe(command(hours=22 + 24 + 24))
    assert due(r) == (["case-c"], [])
    r.observe(command(hours=22 + 24 + 48))
    assert due(r) == ([], ["case-b", "case-a"])  # tombstones forgotten 48 h after retiring
    store.write(r)
    assert day_key(0, "2026-07-15") not in store
    assert store[clock_key(0)]["days"] == {"2026-07-16": "retired"}


def test_a_case_ending_on_a_day_already_retired_is_retired_with_the_next_batch():
    store = Store()
    r = store.batch()
    r.note(ended("case-a", 2))
    r.observe(command(hours=100))
    assert due(r, forget_after_h=1000) == (["case-a"], [])
    store.write(r)
    r = store.batch()
    r.note(ended("case-late", 3))  # its end was dated that day, but arrived now
    assert due(r, forget_after_h=1000) == (["case-late"], [])
    store.write(r)
    assert store[day_key(0, "2026-07-15")] == ["case-a", "case-late"]


def test_nothing_noted_or_seen_writes_nothing():
    r = Store().batch()
    assert due(r, retire_after_h=0, forget_after_h=0) == ([], []) and r.writes() == {}


def test_a_tombstone_keeps_who_what_and_when_not_the_history():
    case = ended("case-a", 2) | {
        "version": 9,
        "department_id": "E01",
        "reported_at": at(0),
        "command_ids": ["c"] * 64,
        "description": "x" * 500,
    }
    stone = tombstone(case, retired_at=at(800))
    assert stone == {
        "case_id": "case-a",
        "state": "closed",
        "category": "noise",
        "department_id": "E01",
        "reported_at": at(0),
        "ended_at": at(2),
        "version": 9,
        "retired_at": at(800),
    }
