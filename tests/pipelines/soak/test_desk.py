from datetime import UTC, datetime, timedelta

from pipelines.soak.desk import SoakDesk

T0 = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)
OWNERS = {"exposed_garbage": "E01", "unlicensed_peddler": "E02"}
ENDINGS = {"close", "not_register"}


def event(case_id, version, to_state, minutes, **extra):
    at = (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
    payload = extra.pop("payload", {})
    return {
        "case_id": case_id,
        "version": version,
        "to_state": to_state,
        "at": at,
        "payload": payload,
        "department_id": extra.get("department_id"),
    }


def machine_case(case_id, *, upto):
    opened = {"source": "video", "category": "unlicensed_peddler"}
    steps = [
        event(case_id, 1, "reported", 0, payload=opened),
        event(case_id, 2, "accepted", 0),
        event(case_id, 3, "registered", 0),
        event(case_id, 4, "dispatched", 0, department_id="E02"),
    ]
    return steps[:upto]


def citizen_case(case_id):
    opened = {"source": "citizen", "category": "exposed_garbage", "suggested_department_id": "E01"}
    return [event(case_id, 1, "reported", 5, payload=opened)]


def test_a_case_is_planned_once_it_waits_for_people_and_its_life_ends():
    desk = SoakDesk(seed=7, owner_of=OWNERS)
    assert desk.take(machine_case("case-m", upto=3) + citizen_case("case-c")) == 1
    assert "case-m" in desk.waiting and "case-c" in desk.picked  # registered: not yet dispatched
    assert desk.take(machine_case("case-m", upto=4)[3:]) == 1
    assert desk.waiting == {} and desk.picked == {"case-m", "case-c"}
    commands = desk.due(now_at=T0 + timedelta(days=3))
    by_case = {}
    for command in commands:
        by_case.setdefault(command["case_id"], []).append(command)
    assert by_case["case-m"][0]["name"] == "handle"  # a machine case starts at its department
    assert by_case["case-c"][0]["name"] == "accept"  # a citizen's at the call taker
    assert all(cs[-1]["name"] in ENDINGS for cs in by_case.values())  # every life ends
    # events of a picked case (the desk's own commands coming back) plan nothing again
    assert desk.take([event("case-c", 2, "accepted", 9)]) == 0 and desk.queue == []


def test_commands_wait_for_the_replays_event_time():
    desk = SoakDesk(seed=7, owner_of=OWNERS)
    desk.take(citizen_case("case-c"))
    assert desk.due(now_at=T0) == []  # its report came at T0 + 5 min; people act after
    first = desk.due(now_at=T0 + timedelta(minutes=21))
    assert [c["name"] for c in first] == ["accept"]
    rest = desk.due(now_at=T0 + timedelta(days=3))
    times = [c["at"] for c in first + rest]
    assert times == sorted(times) and desk.queue == []


def test_the_same_events_plan_the_same_commands():
    one, two = SoakDesk(seed=7, owner_of=OWNERS), SoakDesk(seed=7, owner_of=OWNERS)
    one.take(citizen_case("case-c") + machine_case("case-m", upto=4))
    two.take(machine_case("case-m", upto=4) + citizen_case("case-c"))
    later = T0 + timedelta(days=3)
    assert one.due(now_at=later) == two.due(now_at=later)
