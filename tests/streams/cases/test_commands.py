from datetime import UTC, datetime, timedelta

import pytest

from streams.cases.commands import Command, command_from_dict

DOC = {
    "command_id": "cmd-7",
    "case_id": "case-1",
    "name": "dispatch",
    "actor": "li.dispatcher",
    "role": "dispatcher",
    "at": "2026-07-15T10:00:00+08:00",
    "department_id": None,
    "payload": {"department_id": "E01"},
}


def test_a_command_document_parses_to_utc_and_round_trips():
    command = command_from_dict(DOC)
    assert command.at == datetime(2026, 7, 15, 2, 0, tzinfo=UTC)
    assert command.at.utcoffset() == timedelta(0)
    assert command.payload == {"department_id": "E01"}
    assert command_from_dict(command.to_dict()) == command
    assert command_from_dict({**DOC, "at": "2026-07-15T02:00:00Z"}) == command


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"command_id": ""}, "command_id"),
        ({"role": None}, "role"),
        ({"at": "yesterday"}, "ISO-8601"),
        ({"payload": ["department_id"]}, "payload"),
        ({"department_id": 7}, "department_id"),
    ],
)
def test_malformed_command_documents_say_what_is_wrong(change, says):
    with pytest.raises(ValueError, match=says):
        command_from_dict({**DOC, **change})


def test_commands_need_zone_aware_times_and_keep_their_payload_read_only():
    with pytest.raises(ValueError, match="tz-aware"):
        Command("c", "k", "accept", "a", "call_taker", datetime(2026, 7, 15, 10))
    payload = {"reason": "x"}
    command = Command(
        "c",
        "k",
        "cancel",
        "a",
        "leader",
        datetime(2026, 7, 15, 10, tzinfo=UTC),
        None,
        payload,
    )
    payload["reason"] = "changed"
    assert command.payload["reason"] == "x"
    with pytest.raises(TypeError):
        command.payload["reason"] = "y"  # type: ignore[index]
