from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from streams.cases.deadlines import (
    WorkCalendar,
    calendar_from_dict,
    deadline_at,
    hours_between,
    is_due_soon,
    is_overdue,
    traffic_light,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# National Day 2025: 1-8 October off, Sunday 28 September and Saturday 11 October worked
NATIONAL_DAY = calendar_from_dict(
    {
        "holidays": [f"2025-10-{d:02d}" for d in range(1, 9)],
        "make_up_workdays": ["2025-09-28", "2025-10-11"],
    }
)
PLAIN = WorkCalendar()


def sh(*args) -> datetime:
    """A UTC datetime from Asia/Shanghai wall-clock fields."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (sh(2026, 7, 15, 9, 0), 2, sh(2026, 7, 15, 11, 0)),  # inside the morning
        (sh(2026, 7, 15, 8, 30), 3.5, sh(2026, 7, 15, 12, 0)),  # exactly the morning: 12:00
        (sh(2026, 7, 15, 11, 0), 2, sh(2026, 7, 15, 15, 0)),  # across lunch
        (sh(2026, 7, 15, 12, 30), 1, sh(2026, 7, 15, 15, 0)),  # reported at lunch
        (sh(2026, 7, 15, 16, 30), 2, sh(2026, 7, 16, 9, 30)),  # across the night
        (sh(2026, 7, 15, 22, 0), 0.5, sh(2026, 7, 16, 9, 0)),  # reported at night
        (sh(2026, 7, 15, 6, 0), 4, sh(2026, 7, 15, 14, 30)),  # reported before work
        (sh(2026, 7, 17, 16, 0), 4, sh(2026, 7, 20, 11, 0)),  # Friday → Monday
        (sh(2026, 7, 18, 10, 0), 1, sh(2026, 7, 20, 9, 30)),  # reported on Saturday
        (sh(2026, 7, 15, 9, 0), 35, sh(2026, 7, 22, 9, 0)),  # five working days
        (sh(2026, 7, 15, 9, 0), 0, sh(2026, 7, 15, 9, 0)),
    ],
)
def test_working_hour_deadlines(start, hours, due):
    assert deadline_at(start, hours, PLAIN) == due
    assert deadline_at(start, hours, PLAIN).tzinfo is UTC
    assert hours_between(start, due, PLAIN) == pytest.approx(hours)


def test_holidays_are_skipped_and_make_up_workdays_count():
    # Tuesday 30 September 16:00 + 4 h: 1.5 h that day, holiday 1-8 Oct, Thursday 9 Oct
    assert deadline_at(sh(2025, 9, 30, 16, 0), 4, NATIONAL_DAY) == sh(2025, 10, 9, 11, 0)
    assert deadline_at(sh(2025, 9, 30, 16, 0), 4, PLAIN) == sh(2025, 10, 1, 11, 0)
    # Saturday 27 September is off, Sunday 28 September is a make-up workday
    assert deadline_at(sh(2025, 9, 27, 10, 0), 1, NATIONAL_DAY) == sh(2025, 9, 28, 9, 30)
    assert deadline_at(sh(2025, 9, 27, 10, 0), 1, PLAIN) == sh(2025, 9, 29, 9, 30)
    # Friday 10 October 17:00 + 1 h: Saturday 11 October is worked
    assert deadline_at(sh(2025, 10, 10, 17, 0), 1, NATIONAL_DAY) == sh(2025, 10, 11, 9, 0)
    assert hours_between(sh(2025, 9, 30, 8, 0), sh(2025, 10, 9, 0, 0), NATIONAL_DAY) == 7


def test_natural_hours_run_day_and_night():
    start = sh(2026, 7, 17, 23, 0)  # Friday night
    assert deadline_at(start, 2, NATIONAL_DAY, working=False) == sh(2026, 7, 18, 1, 0)
    assert hours_between(start, sh(2026, 7, 18, 1, 0), PLAIN, working=False) == 2


def test_working_periods_and_zone_are_configurable():
    night_shift = calendar_from_dict(
        {"timezone": "Asia/Shanghai", "periods": ["20:00-23:00"], "weekend": []}
    )
    assert night_shift.periods == ((time(20), time(23)),)
    assert night_shift.workday_hours == 3 and PLAIN.workday_hours == 7
    assert deadline_at(sh(2026, 7, 18, 22, 0), 2, night_shift) == sh(2026, 7, 19, 21, 0)


def test_naive_times_and_bad_calendars_are_refused():
    with pytest.raises(ValueError, match="naive"):
        deadline_at(datetime(2026, 7, 15, 9), 1, PLAIN)
    with pytest.raises(ValueError, match="hours"):
        deadline_at(sh(2026, 7, 15, 9), -1, PLAIN)
    with pytest.raises(ValueError, match="overlap"):
        WorkCalendar(periods=((time(8), time(12)), (time(11), time(17))))
    with pytest.raises(ValueError, match="holiday and make-up"):
        WorkCalendar(
            holidays=frozenset({date(2025, 10, 1)}), make_up_workdays=frozenset({date(2025, 10, 1)})
        )
    never = WorkCalendar(weekend=frozenset(range(7)))
    with pytest.raises(ValueError, match="no working time"):
        deadline_at(sh(2026, 7, 15, 9), 1, never)


def test_overdue_and_warning_before_the_deadline():
    start, due = sh(2026, 7, 15, 11, 0), sh(2026, 7, 15, 15, 0)  # 2 working hours
    assert not is_overdue(now_at=due, deadline_at=due)
    assert is_overdue(now_at=sh(2026, 7, 15, 15, 1), deadline_at=due)
    # 13:00 (lunch): 1 working hour left, although two wall-clock hours remain
    warn = {"deadline_at": due, "warn_before_hours": 1, "calendar": PLAIN}
    assert is_due_soon(now_at=sh(2026, 7, 15, 13, 0), **warn)
    assert not is_due_soon(now_at=sh(2026, 7, 15, 11, 30), **warn)
    assert not is_due_soon(now_at=sh(2026, 7, 15, 15, 30), **warn)  # overdue, not "soon"
    assert not is_due_soon(now_at=sh(2026, 7, 15, 13, 0), **warn, working=False)
    light = {"start_at": start, "deadline_at": due, "calendar": PLAIN}
    assert traffic_light(now_at=sh(2026, 7, 15, 14, 30), **light) == "green"  # 75 % used
    assert traffic_light(now_at=sh(2026, 7, 15, 14, 36), **light) == "yellow"  # 80 %
    assert traffic_light(now_at=sh(2026, 7, 15, 15, 0, 1), **light) == "red"
