"""Retiring ended cases on event time: the partition's clock, the due list, tombstones."""

from datetime import UTC, datetime, timedelta

from citybrain.contracts.base import isoformat_utc
from streams.cases.commands import Command
from streams.cases.retirement import Retirement, clock_key, is_world_time, tombstone

T0 = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)


def at(hours):
    return isoformat_utc(T0 + timedelta(hours=hours))


def command(name="accept", *, hours, role="call_taker"):
    return Command(
        f"c-{name}-{hours}", "case-x", name, "someone", role, T0 + timedelta(hours=hours)
    )


def ended(case_id, hours, state="closed"):
    return {"case_id": case_id, "state": state, "ended_at": at(hours), "category": "noise"}


def test_event_time_moves_only_forward_and_only_with_the_worlds_commands():
    r = Retirement.load(None)
    r.observe(command(hours=5))
    r.observe(command(hours=3))  # late: the partition has seen later already
    assert r.record["newest_at"] == at(5) and r.changed
    r.observe(command("mark_overdue", hours=900, role="system"))  # timed by the wall clock
    r.observe(command("warn_deadline", hours=900, role="system"))
    assert r.record["newest_at"] == at(5)
    assert not is_world_time(command("mark_overdue", hours=1, role="system"))
    assert is_world_time(command("link", hours=1, role="system"))


def test_an_ended_case_is_due_once_the_partition_is_past_its_end_plus_the_retention():
    r = Retirement.load(None)
    r.note(ended("case-b", 10))
    r.note(ended("case-a", 2, state="cancelled"))
    r.note(ended("case-a", 2))  # noted again after a re-delivery: once
    r.note({"case_id": "case-open", "state": "dispatched", "ended_at": None})
    r.note(None)
    assert r.record["ended"] == [[at(2), "case-a"], [at(10), "case-b"]]
    assert r.due(retire_after_h=24) == []  # no event time yet
    r.observe(command(hours=25.9))
    assert r.due(retire_after_h=24) == []
    r.observe(command(hours=26))
    assert r.due(retire_after_h=24) == ["case-a"]
    assert r.due(retire_after_h=24) == []  # taken out: retired once
    r.observe(command(hours=40))
    assert r.due(retire_after_h=24) == ["case-b"] and r.record["ended"] == []


def test_a_stored_record_round_trips_and_a_fresh_one_is_unchanged():
    r = Retirement.load(None)
    assert not r.changed and r.due(retire_after_h=0) == []
    r.observe(command(hours=1))
    r.note(ended("case-a", 0))
    again = Retirement.load(r.record)
    assert again.record == r.record and not again.changed
    assert again.due(retire_after_h=1) == ["case-a"]
    assert clock_key(2) == "~partition:2"


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
