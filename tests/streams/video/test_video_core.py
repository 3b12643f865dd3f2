from citybrain.contracts.alert import validate
from streams.cases.classify import class_code
from streams.video import places
from streams.video.core import VideoRules
from streams.video.rules import Suppression
from tests.streams.video.conftest import LAT, LNG, detection, seen
from tests.streams.video.test_video_permits import permit

DEG_PER_M = 1 / 111_195


def by_time(*groups):
    return sorted((r for g in groups for r in g), key=lambda r: r["event_at"])


def test_two_cameras_seeing_one_vendor_make_one_alert():
    a = seen(30, 1200, camera_id="CAM-A", object_id="a1")
    b = seen(30, 1200, start_s=60, camera_id="CAM-B", object_id="b7", lat=LAT + 20 * DEG_PER_M)
    alerts, counts = VideoRules().replay(by_time(a, b))
    assert [x["details"]["camera"]["camera_id"] for x in alerts] == ["CAM-A"]
    assert counts["suppressed"] == 1


def test_a_camera_far_away_or_much_later_is_its_own_problem():
    a = seen(30, 600, camera_id="CAM-A", object_id="a1")
    far = seen(30, 600, camera_id="CAM-B", object_id="b1", lat=LAT + 0.01)
    later = seen(30, 5400, start_s=4800, camera_id="CAM-C", object_id="c1")
    alerts, _ = VideoRules().replay(by_time(a, far, later))
    assert sorted(x["details"]["camera"]["camera_id"] for x in alerts) == [
        "CAM-A",
        "CAM-B",
        "CAM-C",
    ]


def test_two_objects_of_one_camera_are_two_alerts():
    rows = by_time(seen(30, 600, object_id="o1"), seen(30, 600, object_id="o2", n=1))
    assert len(VideoRules().replay(rows)[0]) == 2


def test_the_alert_passes_its_contract_carries_evidence_and_classifies():
    rows = seen(30, 900)
    (alert,), _ = VideoRules(cameras=[{"camera_id": "CAM-0001", "name": "东街01号"}]).replay(rows)
    row = validate(alert)
    assert (row["source"], row["category"], row["level"]) == (
        "video",
        "unlicensed_peddler",
        "persistent",
    )
    assert class_code(row["category"]).code == "04-01"
    evidence = row["details"]["evidence"]
    assert evidence["camera_id"] == "CAM-0001" and evidence["samples"] == 11
    assert (evidence["first_seen_at"], evidence["due_at"]) == (
        "2026-07-15T10:00:00.000Z",
        "2026-07-15T10:05:00.000Z",
    )
    assert evidence["message_ids"][0] == rows[0]["event_id"]
    assert evidence["message_ids"][-1] == rows[10]["event_id"]
    assert alert["title"].endswith("东街01号") and alert["event_id"] == alert["alert_id"] + ".1"


def test_permits_decide_ads_parking_and_sites():
    rules = VideoRules(
        cameras=[
            {"camera_id": "CAM-P", "no_parking": True},
            {"camera_id": "CAM-Q", "no_parking": False},
        ],
        permits=[permit("PA-1", "parking", windows="17:00-19:30")],
    )
    ad = seen(60, 600, label="small_ad", object_id="ad")
    parked = seen(30, 600, camera_id="CAM-P", label="vehicle", event_type="parked")
    allowed_view = seen(
        30, 600, camera_id="CAM-Q", label="vehicle", event_type="parked", lat=LAT + 0.01
    )
    alerts, counts = rules.replay(by_time(ad, parked, allowed_view))
    assert [(a["category"], a["level"]) for a in alerts] == [
        ("illegal_small_ads", "unpermitted_ad")
    ]
    assert counts["legal_permitted_parking"] == 1 and counts["legal_not_no_parking_view"] == 1


def test_a_redelivered_candidate_is_a_duplicate_not_a_second_alert():
    rules = VideoRules()
    _, (candidate,), _ = rules.judge(None, seen(30, 600))
    value, alert, outcome = rules.place(None, candidate)
    assert outcome == "alert" and alert is not None
    again, alert, outcome = rules.place(value, candidate)
    assert (outcome, alert, again) == ("duplicate", None, value)


def test_old_place_entries_are_forgotten():
    policy = Suppression(open_s=600, keep_s=600)
    first = {"alert_id": "x", "camera_id": "A", "lat": LAT, "lng": LNG, "due_s": 0.0}
    value, outcome, _ = places.decide(None, first, policy=policy)
    second = {**first, "alert_id": "y", "camera_id": "B", "due_s": 601.0}
    value, outcome, _ = places.decide(value, second, policy=policy)
    assert outcome == "alert" and [e["alert_id"] for e in value["open"]] == ["y"]


def test_a_late_candidate_from_another_partition_is_still_suppressed():
    policy = Suppression()
    first = {"alert_id": "x", "camera_id": "A", "lat": LAT, "lng": LNG, "due_s": 0.0}
    value, _, _ = places.decide(None, first, policy=policy)
    later = {**first, "alert_id": "z", "camera_id": "C", "lat": LAT + 0.05, "due_s": 9000.0}
    value, _, _ = places.decide(value, later, policy=policy)
    late = {**first, "alert_id": "y", "camera_id": "B", "due_s": 60.0}
    assert places.decide(value, late, policy=policy)[1:] == ("suppressed", "x")


def test_a_low_confidence_neighbour_does_not_suppress_anything():
    a = seen(30, 600, camera_id="CAM-A", confidence=0.3)
    b = seen(30, 600, camera_id="CAM-B", object_id="b", lat=LAT + 10 * DEG_PER_M)
    alerts, _ = VideoRules().replay(by_time(a, b))
    assert [x["details"]["camera"]["camera_id"] for x in alerts] == ["CAM-B"]
    assert detection()["category"] == "unlicensed_peddler"
