"""The command side of one case in one batch: events, effects, refusals, crash repair."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from citybrain.contracts import alert
from citybrain.contracts.base import isoformat_utc
from streams.cases.clocks import due_mark
from streams.cases.commands import Command
from streams.cases.engine import replay
from streams.cases.journal import CaseJournal
from streams.cases.lifecycle import RECENT_COMMAND_IDS
from streams.cases.policy import CasePolicy
from streams.cases.wire import ALERTS, EVENTS, PLACES, REFUSALS

POLICY = CasePolicy()
T0 = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Asia/Shanghai
SIGNAL = {
    "signal_id": "alert:cam-1",
    "source": "video",
    "channel": None,
    "category": "unlicensed_peddler",
    "severity": "Minor",
    "lat": 30.254,
    "lng": 120.1692,
    "at": isoformat_utc(T0),
    "title": "游商",
}


def command(name, *, n, role="system", payload=None, case_id="case-1", department_id=None):
    at = T0 + timedelta(minutes=n)
    return Command(f"c{n}", case_id, name, "someone", role, at, department_id, payload or {})


def machine_report(**extra):
    payload = {
        "category": "unlicensed_peddler",
        "lat": 30.254,
        "lng": 120.1692,
        "source": "video",
        "suggested_department_id": "E01",
        "signal_id": "alert:cam-1",
        "signal": SIGNAL,
    }
    return command("report", n=0, payload=payload | extra)


def run(journal, *commands):
    counts, out = Counter(), []
    for c in commands:
        out += journal.run(c, policy=POLICY, counts=counts)
    return out, counts


def test_a_machine_report_publishes_four_events_and_nothing_else():
    journal = CaseJournal.load(None, None, policy=POLICY)
    out, counts = run(journal, machine_report())
    assert [(m.topic, m.value["command"]) for m in out] == [
        (EVENTS, "report"),
        (EVENTS, "accept"),
        (EVENTS, "register"),
        (EVENTS, "dispatch"),
    ]
    assert [m.value["event_id"] for m in out] == [f"case-1:{v}" for v in range(1, 5)]
    assert all(m.key == "case-1" for m in out) and journal.changed
    assert journal.case["department_id"] == "E01" and counts["events"] == 4
    assert replay(journal.history, clock=POLICY.clock) == journal.case


def test_a_command_is_applied_once_even_long_after_its_id_left_the_case():
    journal = CaseJournal.load(None, None, policy=POLICY)
    first, _ = run(journal, machine_report())
    links = [command("link", n=n, payload={"signal_id": f"alert:{n}"}) for n in range(1, 80)]
    run(journal, *links)
    assert links[0].command_id not in journal.case["command_ids"]  # only the recent 64
    assert len(journal.case["command_ids"]) == RECENT_COMMAND_IDS
    stored = CaseJournal.load(journal.case, journal.history, policy=POLICY)
    out, counts = run(stored, links[0], machine_report())
    assert counts["commands_applied_before"] == 2 and not stored.changed
    # what they caused is sent again, identical (the first send may have been lost)
    assert [m.value for m in out] == [journal.history[4]] + [m.value for m in first]


def test_a_link_and_a_report_of_one_case_make_the_same_case_in_either_order():
    link_payload = dict(machine_report().payload) | {"signal_id": "alert:cam-2"}
    link = command("link", n=1, payload=link_payload)
    in_order = CaseJournal.load(None, None, policy=POLICY)
    run(in_order, machine_report(), link)
    reversed_ = CaseJournal.load(None, None, policy=POLICY)
    _, counts = run(reversed_, link, machine_report(), link, machine_report())
    assert counts["commands_applied_before"] == 2
    assert [e["command"] for e in reversed_.history] == [
        "report",
        "accept",
        "register",
        "dispatch",
        "link",
    ]
    signals = [
        e["payload"]["signal_id"] for e in reversed_.history if e["command"] in ("report", "link")
    ]
    assert signals == ["alert:cam-2", "alert:cam-1"]
    assert reversed_.case["merged_count"] == in_order.case["merged_count"] == 1
    assert reversed_.case["department_id"] == in_order.case["department_id"] == "E01"


def test_refusals_are_published_with_their_reason_and_never_raise():
    journal = CaseJournal.load(None, None, policy=POLICY)
    run(journal, machine_report())
    out, counts = run(journal, command("verify", n=5, role="supervisor"))
    (refusal,) = out
    assert refusal.topic == REFUSALS and refusal.value["code"] == "invalid_state"
    assert "dispatched" in refusal.value["reason"] and refusal.value["command_id"] == "c5"
    assert counts["commands_refused"] == 1
    again, _ = run(journal, command("verify", n=5, role="supervisor"))
    assert again == out  # the same refusal, the same id


def test_a_person_reported_case_joins_the_index_and_leaves_it_when_it_ends():
    journal = CaseJournal.load(None, None, policy=POLICY)
    report = {"category": "exposed_garbage", "lat": 30.254, "lng": 120.1692}
    out, _ = run(journal, command("report", n=0, role="supervisor", payload=report))
    indexed = [m for m in out if m.topic == PLACES]
    assert indexed and all(m.value["type"] == "index" for m in indexed)
    assert {m.value["entry"]["case_id"] for m in indexed} == {"case-1"}
    out, _ = run(journal, command("cancel", n=1, role="leader", payload={"reason": "dup"}))
    removed = [m.value for m in out if m.topic == PLACES]
    assert {m["key"] for m in removed} == {m.value["key"] for m in indexed}
    assert all(m["type"] == "unindex" and m["case_id"] == "case-1" for m in removed)


def test_a_link_to_an_ended_case_sends_its_signal_back_to_be_placed_again():
    journal = CaseJournal.load(None, None, policy=POLICY)
    person = {k: v for k, v in machine_report().payload.items() if k != "source"}
    run(journal, command("report", n=0, role="supervisor", payload=person))
    run(journal, command("cancel", n=1, role="leader", payload={"reason": "gone"}))
    late = command("link", n=2, payload={"signal_id": "alert:cam-2", "signal": SIGNAL})
    out, _ = run(journal, late)
    assert [m.topic for m in out] == [REFUSALS, PLACES, PLACES]
    assert [m.value["type"] for m in out[1:]] == ["unindex", "signal"]
    assert out[2].value["signal"] == SIGNAL and out[1].key == out[2].key


def test_deadline_marks_raise_an_alert_then_update_it_and_handling_cancels_it():
    journal = CaseJournal.load(None, None, policy=POLICY)
    run(journal, machine_report())
    warn = due_mark(journal.case, now_at=T0 + timedelta(minutes=50), clock=POLICY.clock)
    overdue = due_mark(journal.case, now_at=T0 + timedelta(minutes=70), clock=POLICY.clock)
    handle = command(
        "handle",
        n=80,
        role="department_handler",
        department_id="E01",
        payload={"feedback": "vendor moved on"},
    )
    out, _ = run(journal, warn, overdue, handle)
    alerts = [m.value for m in out if m.topic == ALERTS]
    assert [(a["msg_type"], a["severity"], a["level"]) for a in alerts] == [
        ("Alert", "Moderate", "yellow"),
        ("Update", "Severe", "red"),
        ("Cancel", "Severe", "red"),
    ]
    assert len({a["alert_id"] for a in alerts}) == 1 and len({a["event_id"] for a in alerts}) == 3
    for a in alerts:
        row = alert.validate(a)
        assert row["source"] == "cases" and row["details"]["case_id"] == "case-1"
    assert journal.case["overdue"] and journal.case["state"] == "handled"


def test_a_case_written_ahead_of_its_history_is_rebuilt_from_the_history():
    journal = CaseJournal.load(None, None, policy=POLICY)
    run(journal, machine_report())
    ahead = dict(journal.case)
    # the crash lost the history write of the whole batch but kept the case write
    rebuilt = CaseJournal.load(ahead, [], policy=POLICY)
    assert rebuilt.case is None and rebuilt.changed
    out, _ = run(rebuilt, machine_report())
    assert rebuilt.case == ahead and rebuilt.history == journal.history
    assert len(out) == 4  # published again: identical copies with the same event ids


def link(n, *, case_id="case-1"):
    signal = SIGNAL | {"signal_id": f"alert:cam-{n}", "message_id": f"m-{n}"}
    payload = {"category": "unlicensed_peddler", "lat": 30.254, "lng": 120.1692, "source": "video"}
    payload |= {"signal_id": signal["signal_id"], "signal": signal}
    at = T0 + timedelta(minutes=n)
    return Command(
        f"{case_id}:link:alert:cam-{n}", case_id, "link", "case-engine", "system", at, None, payload
    )


def test_every_command_for_a_retired_case_is_refused_saying_so():
    stone = {
        "case_id": "case-1",
        "state": "closed",
        "ended_at": "2026-06-01T02:00:00Z",
        "retired_at": "2026-07-01T02:00:00Z",
    }
    journal = CaseJournal.load(None, None, policy=POLICY, retired=stone)
    out, counts = run(journal, machine_report(), link(3))
    assert counts["commands_for_retired_cases"] == 2 and not journal.changed
    assert journal.case is None and journal.history == []
    refusals = [m.value for m in out if m.topic == REFUSALS]
    assert [r["code"] for r in refusals] == ["retired", "retired"]
    assert "ended (closed) at 2026-06-01T02:00:00Z" in refusals[0]["reason"]
    # the link's signal goes back to be placed again, as for a case that just ended
    assert [m.value["type"] for m in out if m.topic == PLACES] == ["unindex", "signal"]
