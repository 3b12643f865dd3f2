from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from citybrain.categories import CATEGORIES
from streams.cases.classify import Urgency
from streams.cases.deadlines import WorkCalendar
from streams.cases.lifecycle import apply
from streams.cases.limits import DEFAULT_TIME_LIMITS, TimeLimit, case_deadline_at, time_limit

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkCalendar()


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def test_every_category_has_a_limit_at_every_urgency():
    for category in CATEGORIES:
        for urgency in Urgency:
            limit = time_limit(category, urgency.value)
            assert limit.hours > 0
            assert limit.working is (urgency is Urgency.NORMAL)


def test_limits_say_their_clock():
    assert time_limit("exposed_garbage", "normal") == TimeLimit(4, working=True)
    assert time_limit("manhole_cover", "urgent") == TimeLimit(1, working=False)
    assert time_limit("road_damage", "emergency") == TimeLimit(1, working=False)
    with pytest.raises(KeyError):
        time_limit("exposed_garbage", "normal", limits={})


def test_a_case_deadline_starts_at_dispatch_and_adds_approved_postponements(command):
    case = command.walk("dispatched")  # unlicensed peddler, 1 working hour
    dispatched = datetime.fromisoformat(case["dispatched_at"])
    assert dispatched == sh(2026, 7, 15, 10, 4)
    assert case_deadline_at(case, calendar=CALENDAR) == sh(2026, 7, 15, 11, 4)
    case, _ = apply(case, command("request_postponement", "department_handler"))
    case, _ = apply(case, command("approve_postponement", "dispatcher"))
    # 1 + 4 working hours from 10:04: 1 h 56 min before lunch, 3 h 04 min after
    assert case_deadline_at(case, calendar=CALENDAR) == sh(2026, 7, 15, 17, 4)
    own = {**DEFAULT_TIME_LIMITS, ("unlicensed_peddler", Urgency.NORMAL): TimeLimit(2)}
    assert case_deadline_at(case, calendar=CALENDAR, limits=own) == sh(2026, 7, 16, 9, 4)
    assert case_deadline_at(command.walk("registered"), calendar=CALENDAR) is None


def test_urgent_cases_count_natural_hours(command):
    case = command.walk("dispatched", category="waterlogging")
    assert case["urgency"] == "urgent"
    assert case_deadline_at(case, calendar=CALENDAR) == sh(2026, 7, 15, 12, 4)
