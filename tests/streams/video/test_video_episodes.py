import json
from pathlib import Path

from citybrain.contracts import video
from streams.video import episodes
from streams.video.rules import DEFAULT_RULES, Rule, config_from
from tests.streams.video.conftest import T0, detection, seen

SAMPLES = Path("/work/shared/data/deepstream/smart-parking-demo-1.jsonl")


def test_a_peddler_alerts_once_after_five_minutes_not_per_frame():
    rows = seen(30, 1800)  # half an hour, every 30 s
    value, due, counts = episodes.step(None, rows, rules=DEFAULT_RULES)
    assert len(due) == 1 and counts["sightings"] == len(rows)
    assert due[0]["due_s"] - due[0]["first_s"] == 300  # N = 5 min
    assert due[0]["alert_id"] == "video-CAM-0001-unlicensed_peddler-obj-1-20260715T100000Z"
    # the next batch of the same object sends nothing more
    _, again, _ = episodes.step(value, seen(30, 2400, start_s=1830), rules=DEFAULT_RULES)
    assert again == []


def test_a_passer_by_under_the_persistence_makes_no_alert():
    _, due, _ = episodes.step(None, seen(30, 270), rules=DEFAULT_RULES)
    assert due == []


def test_a_gap_longer_than_the_rule_starts_a_new_episode_with_its_own_id():
    rows = seen(30, 400) + seen(30, 1400, start_s=1000)  # gone 10 min > gap 120 s
    _, due, _ = episodes.step(None, rows, rules=DEFAULT_RULES)
    assert [d["first_s"] - T0.timestamp() for d in due] == [0, 1000]
    assert len({d["alert_id"] for d in due}) == 2


def test_low_confidence_detections_do_not_count():
    rows = seen(30, 900, confidence=0.4)
    _, due, counts = episodes.step(None, rows, rules=DEFAULT_RULES)
    assert due == [] and counts["low_confidence"] == len(rows)
    rules = {**DEFAULT_RULES, "unlicensed_peddler": Rule(min_confidence=0.3)}
    _, due, _ = episodes.step(None, rows, rules=rules)
    assert len(due) == 1


def test_piles_need_k_samples_over_thirty_minutes():
    sparse = [detection(label="material_pile", at_s=s) for s in (0, 900, 1800)]
    _, due, _ = episodes.step(None, sparse, rules=DEFAULT_RULES)
    assert len(due) == 1 and due[0]["samples"] == 3  # K = 3 across 30 min
    _, due, _ = episodes.step(None, sparse[:2], rules=DEFAULT_RULES)
    assert due == []
    short = [detection(label="material_pile", at_s=s) for s in range(0, 1200, 60)]
    _, due, _ = episodes.step(None, short, rules=DEFAULT_RULES)
    assert due == []  # twenty minutes of a pile is not yet a pile


def test_a_redelivered_detection_changes_nothing():
    rows = seen(30, 240)
    value, _, _ = episodes.step(None, rows, rules=DEFAULT_RULES)
    again, due, _ = episodes.step(value, rows[-1:], rules=DEFAULT_RULES)
    assert again == value and due == []


def test_a_batch_re_read_after_a_crash_counts_no_sighting_twice():
    # the worker counted offsets 0..7, then crashed before committing: 0..11 come again
    rows = [{**r, episodes.OFFSET_FIELD: i} for i, r in enumerate(seen(30, 330))]
    value, _, _ = episodes.step(None, rows[:8], rules=DEFAULT_RULES)
    again, due, counts = episodes.step(value, rows, rules=DEFAULT_RULES)
    once, due_once, _ = episodes.step(None, rows, rules=DEFAULT_RULES)
    assert again == once and due == due_once
    assert counts["redelivered"] == 8
    assert again["objects"][rows[0]["object_id"]]["samples"] == len(rows)
    assert again["offset"] == 11


def test_the_stored_value_is_not_mutated():
    value, _, _ = episodes.step(None, seen(30, 120), rules=DEFAULT_RULES)
    frozen = json.dumps(value, sort_keys=True)
    episodes.step(value, seen(30, 900, start_s=150), rules=DEFAULT_RULES)
    assert json.dumps(value, sort_keys=True) == frozen


def test_evidence_keeps_the_first_message_ids():
    _, due, _ = episodes.step(None, seen(30, 600), rules=DEFAULT_RULES)
    assert len(due[0]["refs"]) == episodes.EVIDENCE_MAX_REFS
    assert due[0]["refs"][0] == "CAM-0001-obj-1-0.0-0"


def test_long_object_ids_keep_alert_ids_within_the_contract():
    long_id = "x" * 128
    out = episodes.alert_id(camera_id="C", category="illegal_parking", object_id=long_id, first_s=0)
    assert len(out) <= 128 and out.startswith("video-C-illegal_parking-")


def test_the_real_garage_parks_cars_once_each_so_nothing_persists():
    rows = [video.validate(json.loads(line)) for line in SAMPLES.open()]
    by_camera: dict[str, list] = {}
    for row in rows:
        by_camera.setdefault(row["camera_id"], []).append(row)
    due = [d for rs in by_camera.values() for d in episodes.step(None, rs, rules=DEFAULT_RULES)[1]]
    assert due == []  # 18 parked cars, each reported once; 3,003 moving: traffic
    instant = config_from({"rules": {"illegal_parking": {"min_samples": 1, "persist_s": 0}}})
    due = [d for rs in by_camera.values() for d in episodes.step(None, rs, rules=instant.rules)[1]]
    assert len(due) == 18 and {d["category"] for d in due} == {"illegal_parking"}
