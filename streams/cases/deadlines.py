"""SLA clocks: deadlines counted in working hours or natural hours on a calendar.

Times go in and come out as UTC tz-aware datetimes; working time is counted on
the calendar's wall clock (Asia/Shanghai by default): working periods such as
08:30-12:00 and 14:00-17:30, weekends and public holidays off, make-up
workdays (调休) on. Natural hours are plain elapsed time. A deadline that
lands exactly on the end of a working period is that end (12:00, not 14:00).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MAX_SEARCH_DAYS = 3660  # a calendar with no working time in ten years is an error

Period = tuple[datetime, datetime]


@dataclass(frozen=True)
class WorkCalendar:
    """Working periods per workday, weekend days (Monday = 0), holidays, make-up workdays."""

    timezone: str = "Asia/Shanghai"
    periods: tuple[tuple[time, time], ...] = ((time(8, 30), time(12)), (time(14), time(17, 30)))
    weekend: frozenset[int] = frozenset({5, 6})
    holidays: frozenset[date] = frozenset()
    make_up_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # raises for an unknown zone
        bounds = [t for period in self.periods for t in period]
        if not self.periods or bounds != sorted(bounds) or any(a == b for a, b in self.periods):
            raise ValueError(f"working periods must be ordered and not overlap: {self.periods}")
        if both := self.holidays & self.make_up_workdays:
            raise ValueError(f"days both holiday and make-up workday: {sorted(both)}")

    def is_workday(self, day: date) -> bool:
        """True when ``day`` (a local date) has working periods."""
        if day in self.make_up_workdays:
            return True
        return day.weekday() not in self.weekend and day not in self.holidays

    @property
    def workday_hours(self) -> float:
        """Working hours of one workday (7.0 for the default periods)."""
        day = date(2000, 1, 1)
        return sum(
            (datetime.combine(day, b) - datetime.combine(day, a)).total_seconds() / 3600
            for a, b in self.periods
        )


def calendar_from_dict(doc: Mapping[str, Any]) -> WorkCalendar:
    """A calendar from configuration, e.g. ``{"periods": ["08:30-12:00"], "holidays": [...]}``.

    Keys (all optional): ``timezone``, ``periods`` (``"HH:MM-HH:MM"``),
    ``weekend`` (weekday numbers, Monday = 0), ``holidays`` and
    ``make_up_workdays`` (ISO dates).
    """
    default = WorkCalendar()
    periods = tuple(
        tuple(time.fromisoformat(t) for t in text.split("-")) for text in doc.get("periods", [])
    )
    return WorkCalendar(
        timezone=doc.get("timezone", default.timezone),
        periods=periods or default.periods,  # type: ignore[arg-type]
        weekend=frozenset(doc.get("weekend", default.weekend)),
        holidays=frozenset(date.fromisoformat(d) for d in doc.get("holidays", [])),
        make_up_workdays=frozenset(date.fromisoformat(d) for d in doc.get("make_up_workdays", [])),
    )


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: times must carry a zone")
    return moment.astimezone(UTC)


def _working_periods(
    start_at: datetime, calendar: WorkCalendar
) -> Iterator[tuple[datetime, datetime]]:
    """UTC (start, end) of every working period from the local day of ``start_at`` on."""
    zone = ZoneInfo(calendar.timezone)
    first_day = start_at.astimezone(zone).date()
    for offset in range(MAX_SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        if calendar.is_workday(day):
            for a, b in calendar.periods:
                yield (
                    datetime.combine(day, a, zone).astimezone(UTC),
                    datetime.combine(day, b, zone).astimezone(UTC),
                )
    raise ValueError(f"no working time within {MAX_SEARCH_DAYS} days of {start_at}")


def deadline_at(
    start_at: datetime, hours: float, calendar: WorkCalendar, *, working: bool = True
) -> datetime:
    """The UTC moment ``hours`` after ``start_at``, in working hours (or natural hours)."""
    if hours < 0:
        raise ValueError(f"hours must be >= 0, got {hours}")
    start = _utc(start_at)
    remaining = timedelta(hours=hours)
    if not working or not remaining:
        return start + remaining
    for period_start, period_end in _working_periods(start, calendar):
        begin = max(period_start, start)
        if begin >= period_end:
            continue
        if remaining <= period_end - begin:
            return begin + remaining
        remaining -= period_end - begin
    raise AssertionError("unreachable: _working_periods raises when exhausted")


def hours_between(
    start_at: datetime, end_at: datetime, calendar: WorkCalendar, *, working: bool = True
) -> float:
    """Working (or natural) hours from ``start_at`` to ``end_at``; negative when end is first."""
    start, end = _utc(start_at), _utc(end_at)
    if end < start:
        return -hours_between(end, start, calendar, working=working)
    if not working:
        return (end - start).total_seconds() / 3600
    total = timedelta()
    for period_start, period_end in _working_periods(start, calendar):
        if period_start >= end:
            break
        overlap = min(period_end, end) - max(period_start, start)
        total += max(overlap, timedelta())
    return total.total_seconds() / 3600


def is_overdue(*, now_at: datetime, deadline_at: datetime) -> bool:
    """True once ``now_at`` is past the deadline."""
    return _utc(now_at) > _utc(deadline_at)


def is_due_soon(
    *,
    now_at: datetime,
    deadline_at: datetime,
    warn_before_hours: float,
    calendar: WorkCalendar,
    working: bool = True,
) -> bool:
    """True when not overdue and at most ``warn_before_hours`` (same clock) remain."""
    if is_overdue(now_at=now_at, deadline_at=deadline_at):
        return False
    return hours_between(now_at, deadline_at, calendar, working=working) <= warn_before_hours


def traffic_light(
    *,
    start_at: datetime,
    deadline_at: datetime,
    now_at: datetime,
    calendar: WorkCalendar,
    working: bool = True,
    yellow_from: float = 0.8,
) -> str:
    """``green`` below ``yellow_from`` of the time limit used, ``yellow`` up to it, then ``red``."""
    if is_overdue(now_at=now_at, deadline_at=deadline_at):
        return "red"
    limit = hours_between(start_at, deadline_at, calendar, working=working)
    used = hours_between(start_at, now_at, calendar, working=working)
    return "yellow" if limit <= 0 or used >= yellow_from * limit else "green"
