import pytest

from citybrain.contracts import alert
from citybrain.contracts.base import ContractViolation

GOOD = {
    "event_id": "0000000011.waterlogging.1784095200.1",
    "alert_id": "0000000011.waterlogging.1784095200",
    "msg_type": "Alert",
    "source": "flood",
    "category": "waterlogging",
    "severity": "Severe",
    "level": "red",
    "event_at": "2026-07-15T06:00:00Z",
    "sent_at": "2026-07-15T06:00:01+00:00",
    "lat": 30.25,
    "lng": 120.15,
    "title": "下穿积水红色预警",
    "details": {"depth_m": 0.31},
}


def test_a_flood_alert_is_accepted_with_utc_times():
    row = alert.validate(dict(GOOD))
    assert row["event_at"].isoformat() == "2026-07-15T06:00:00+00:00"
    assert (row["lat"], row["lng"], row["details"]) == (30.25, 120.15, {"depth_m": 0.31})


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"msg_type": "Ack"}, "msg_type 'Ack' is not one of"),
        ({"source": "twitter"}, "source 'twitter'"),
        ({"severity": "high"}, "severity 'high'"),
        ({"category": "ufo"}, "unknown category 'ufo'"),
        ({"details": [1]}, "details must be a JSON object"),
        ({"lat": 91}, "lat"),
        ({"event_at": "yesterday"}, "event_at"),
    ],
)
def test_a_bad_alert_is_refused_with_a_reason(change, reason):
    with pytest.raises(ContractViolation, match=reason):
        alert.validate({**GOOD, **change})


def test_one_places_alerts_share_a_key_so_they_keep_their_order():
    update = {**GOOD, "msg_type": "Update", "event_id": "u1", "severity": "Extreme"}
    next_door = {**GOOD, "alert_id": "another-station", "lat": 30.2505, "lng": 120.1504}
    assert alert.message_key(GOOD) == alert.message_key(update) == alert.message_key(next_door)
    assert alert.message_key(GOOD) != alert.message_key({**GOOD, "category": "exposed_garbage"})
    assert alert.message_key(GOOD) != alert.message_key({**GOOD, "lat": 31.25})
    assert alert.message_key(GOOD).startswith(b"waterlogging|")
