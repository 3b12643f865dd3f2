"""A county's case policy from YAML: every key read, every mistake named."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from citybrain.settings import load
from streams.cases.limits import DEFAULT_TIME_LIMITS, TimeLimit, Urgency
from streams.cases.policy import CasePolicy
from streams.cases.policy_file import PolicyError, load_policy, policy_from_doc

EXAMPLE = Path(__file__).parents[3] / "streams" / "cases" / "policy.example.yaml"


def test_the_example_file_loads_and_states_the_defaults_it_does_not_change():
    policy = load_policy(EXAMPLE)
    default = CasePolicy()
    assert policy.alert_severities == default.alert_severities
    assert policy.auto_dispatch_sources == default.auto_dispatch_sources
    assert dict(policy.urgency_by_severity) == dict(default.urgency_by_severity)
    assert (policy.max_links_per_case, policy.deadline_check_s) == (200, 30.0)
    assert policy.retire_after_h == policy.forget_retired_after_h == 720.0
    assert policy.dedup == default.dedup
    calendar = policy.clock.calendar
    assert date(2025, 10, 8) in calendar.holidays and not calendar.is_workday(date(2025, 10, 8))
    assert calendar.is_workday(date(2025, 9, 28))  # a Sunday made a workday
    assert policy.clock.limits[("exposed_garbage", Urgency.URGENT)] == TimeLimit(1, working=False)
    untouched = ("noise", Urgency.NORMAL)
    assert policy.clock.limits[untouched] == DEFAULT_TIME_LIMITS[untouched]


def test_a_holiday_moves_a_handling_deadline_past_it():
    case = {
        "state": "dispatched",
        "category": "exposed_garbage",
        "urgency": "normal",
        "dispatched_at": "2025-09-30T08:00:00+00:00",  # 16:00 local, the eve of National Day
        "extension_hours": 0,
    }
    with_holidays = load_policy(EXAMPLE).clock.deadline_at(case)
    without = CasePolicy().clock.deadline_at(case)
    assert datetime.fromisoformat(without) < datetime(2025, 10, 2, tzinfo=UTC)
    # 1.5 working hours on the 30th, then nothing until the 9th: 08:30-09:00 local on the 9th
    assert datetime.fromisoformat(with_holidays) == datetime(2025, 10, 9, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"alert_severity": {}}, "unknown key"),
        ({"alert_severities": {"flood": ["Red"]}}, "alert_severities.flood: unknown"),
        ({"alert_severities": {"drones": "*"}}, "alert_severities: unknown key"),
        ({"auto_dispatch_sources": "video"}, "auto_dispatch_sources: expected a list"),
        ({"urgency_by_severity": {"Severe": "asap"}}, "urgency_by_severity.Severe"),
        ({"max_links_per_case": 0}, "max_links_per_case"),
        ({"retire_after_h": -1}, "retire_after_h"),
        ({"forget_retired_after_h": "30d"}, "forget_retired_after_h"),
        ({"deadline_check_s": "30"}, "deadline_check_s"),
        ({"dedup": {"merge_distance_m": -1}}, "dedup.merge_distance_m"),
        ({"calendar": {"holidays": ["2025-13-01"]}}, "calendar.holidays"),
        ({"calendar": {"timezone": "Mars/Olympus"}}, "calendar:"),
        ({"calendar": {"periods": [["12:00", "08:30"]]}}, "calendar:"),
        ({"calendar": {"weekend": [7]}}, "calendar.weekend"),
        (
            {"calendar": {"holidays": [date(2025, 1, 1)], "make_up_workdays": [date(2025, 1, 1)]}},
            "both holiday and make-up",
        ),
        ({"time_limits": {"graffiti": {}}}, "time_limits.graffiti: unknown category"),
        ({"time_limits": {"noise": {"soon": {"hours": 1}}}}, "time_limits.noise: unknown key"),
        ({"time_limits": {"noise": {"normal": {"hours": 0}}}}, "time_limits.noise.normal.hours"),
        ({"warn_from": 1.5}, "warn_from"),
        ([1, 2], "policy: expected a mapping"),
    ],
)
def test_every_mistake_is_refused_with_its_key(doc, message):
    with pytest.raises(PolicyError, match=message):
        policy_from_doc(doc)


def test_a_file_error_names_the_file(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("alert_severities: [unclosed")
    with pytest.raises(PolicyError, match=f"{path}: not YAML"):
        load_policy(path)
    path.write_text(yaml.safe_dump({"max_links_per_case": -3}))
    with pytest.raises(PolicyError, match=f"{path}: max_links_per_case"):
        load_policy(path)
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")


def test_the_setting_reaches_the_worker_environment(tmp_path):
    from pipelines.processes import settings_env

    settings = load({"HOME": str(tmp_path), "CITYBRAIN_CASE_POLICY": str(EXAMPLE)})
    assert settings.case_policy_path == EXAMPLE
    assert settings_env(settings)["CITYBRAIN_CASE_POLICY"] == str(EXAMPLE)
    assert "CITYBRAIN_CASE_POLICY" not in settings_env(load({"HOME": str(tmp_path)}))
