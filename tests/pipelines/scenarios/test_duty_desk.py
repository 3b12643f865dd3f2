"""The demo's duty desk writes commands the case lifecycle accepts, in time, reproducibly."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from pipelines.scenarios.demo_county.duty_desk import (
    cases_from_events,
    desk_commands,
    supervisor_reports,
)
from streams.cases.commands import command_from_dict
from streams.cases.lifecycle import Refusal, apply

DAY_START = datetime(2026, 7, 14, 16, tzinfo=UTC)  # local midnight of 2026-07-15
END = DAY_START + timedelta(days=1)
OWNERS = {"exposed_garbage": "D01", "noise": "D05", "illegal_parking": "D03"}


def report(case_id: str, at: datetime, *, category="exposed_garbage", suggested="D01") -> dict:
    return {
        "case_id": case_id,
        "version": 1,
        "at": at.isoformat(),
        "to_state": "reported",
        "department_id": None,
        "payload": {
            "category": category,
            "lat": 30.25,
            "lng": 120.15,
            "source": "citizen",
            "suggested_department_id": suggested,
        },
    }


def engine_replay(commands: list[dict]) -> dict:
    """Apply commands through the real lifecycle, as the case engine does."""
    cases: dict = {}
    for doc in commands:
        command = command_from_dict(doc)
        case = cases.get(command.case_id, SEEDED.get(command.case_id))
        result = apply(case, command)
        assert not isinstance(result, Refusal), (doc, result)
        cases[command.case_id] = result[0]
    return cases


SEEDED: dict = {}


def seeded_cases(n: int) -> dict:
    """``n`` citizen cases through the lifecycle's own report command, through the day."""
    SEEDED.clear()
    events = []
    for i in range(n):
        at = DAY_START + timedelta(minutes=7 * i)
        doc = {
            "command_id": f"r{i}",
            "case_id": f"c{i:03d}",
            "name": "report",
            "actor": "case-engine",
            "role": "system",
            "at": at.isoformat(),
            "payload": report(f"c{i:03d}", at)["payload"],
        }
        case, event = apply(None, command_from_dict(doc))
        SEEDED[case["case_id"]] = case
        events.append(event)
    return cases_from_events(events)


def test_every_command_is_accepted_by_the_lifecycle_and_in_time():
    cases = seeded_cases(200)
    places = [
        {
            "grid_code": "33019900100101",
            "centre_lat": 30.25,
            "centre_lng": 120.15,
            "category": "noise",
        }
    ]
    patrol = supervisor_reports(seed=7, day_start_at=DAY_START, end_at=END, places=places)
    commands = desk_commands(cases, patrol, seed=7, end_at=END, owner_of=OWNERS)
    assert [c["at"] for c in commands] == sorted(c["at"] for c in commands)
    assert all(DAY_START <= command_from_dict(c).at <= END for c in commands)
    final = engine_replay(commands)
    states = Counter(case["state"] for case in final.values())
    # the day ends with cases at every step, some refused, some closed
    assert {"closed", "not_registered", "dispatched", "handled"} <= set(states)
    assert sum(1 for c in commands if c["name"] == "rework") > 0
    patrol_cases = {c["case_id"] for c in patrol}
    assert {final[i]["state"] for i in patrol_cases} - {"reported"}  # supervisors' reports worked
    assert all(c["role"] == "supervisor" for c in commands if c["name"] in ("verify", "rework"))
    handlers = [c for c in commands if c["name"] == "handle"]
    assert all(c["department_id"] == c["actor"].removesuffix("-op") for c in handlers)


def test_the_same_events_give_the_same_commands_and_nothing_after_the_day():
    cases = seeded_cases(40)
    first = desk_commands(cases, [], seed=3, end_at=END, owner_of=OWNERS)
    assert desk_commands(cases, [], seed=3, end_at=END, owner_of=OWNERS) == first
    late = cases_from_events([report("late", END - timedelta(minutes=1))])
    assert desk_commands(late, [], seed=3, end_at=END, owner_of=OWNERS) == []


def test_cases_fold_to_their_latest_event():
    opened = report("c1", DAY_START)
    dispatched = {
        **opened,
        "version": 4,
        "to_state": "dispatched",
        "department_id": "D01",
        "payload": {"department_id": "D01"},
    }
    (case,) = cases_from_events([dispatched, opened]).values()
    assert (case.state, case.department_id, case.category, case.source) == (
        "dispatched",
        "D01",
        "exposed_garbage",
        "citizen",
    )


def test_the_desk_never_acts_before_the_newest_thing_it_knows_of_a_case():
    # a citizen report at 10:27, then a video alert observed at 07:26 linked to it later
    opened = report("c1", DAY_START + timedelta(hours=18, minutes=27))
    linked = {**opened, "version": 2, "at": (DAY_START + timedelta(hours=15)).isoformat()}
    cases = cases_from_events([opened, linked])
    assert cases["c1"].at == DAY_START + timedelta(hours=18, minutes=27)
    commands = desk_commands(cases, [], seed=3, end_at=END, owner_of=OWNERS)
    assert commands
    assert min(datetime.fromisoformat(c["at"]) for c in commands) > cases["c1"].at


def test_links_applied_in_either_order_give_the_same_case_and_commands():
    # two cameras' alerts linked to one dispatched case: the engine numbers the link
    # events in arrival order, which differs between deliveries (e.g. after a crash)
    opened = report("c1", DAY_START + timedelta(hours=1))
    dispatched = {**opened, "version": 4, "to_state": "dispatched", "department_id": "D01"}

    def link(version: int, at: datetime) -> dict:
        return {**dispatched, "version": version, "at": at.isoformat(), "payload": {}}

    early, late = DAY_START + timedelta(minutes=30), DAY_START + timedelta(hours=2)
    one = cases_from_events([opened, dispatched, link(5, late), link(6, early)])
    other = cases_from_events([opened, dispatched, link(5, early), link(6, late)])
    assert one == other
    assert one["c1"].at == late
    assert desk_commands(one, [], seed=3, end_at=END, owner_of=OWNERS) == desk_commands(
        other, [], seed=3, end_at=END, owner_of=OWNERS
    )
