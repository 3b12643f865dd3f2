"""The case engine's policy from a YAML file (``CITYBRAIN_CASE_POLICY``).

A county sets what the engine acts on by itself, its time limits and its work
calendar (the year's official holidays and make-up workdays, published by the
State Council each November) without code. Every key is optional; an absent
key keeps the default of :mod:`streams.cases.policy`. Unknown keys and bad
values are refused with the key's path, so a typo cannot silently fall back to
a default. ``streams/cases/policy.example.yaml`` shows every key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from citybrain.categories import CATEGORIES
from citybrain.contracts.alert import SEVERITIES, SOURCES
from streams.cases.deadlines import WorkCalendar
from streams.cases.dedup import DedupPolicy
from streams.cases.limits import DEFAULT_TIME_LIMITS, TimeLimit, Urgency
from streams.cases.policy import CasePolicy, Clock

KEYS = {
    "alert_severities",
    "auto_dispatch_sources",
    "urgency_by_severity",
    "max_links_per_case",
    "retire_after_h",
    "forget_retired_after_h",
    "deadline_check_s",
    "dedup",
    "calendar",
    "time_limits",
    "warn_from",
}
ALERT_SOURCES = tuple(sorted(SOURCES))
CASE_SOURCES = (*ALERT_SOURCES, "citizen")
SEVERITY_NAMES = tuple(sorted(SEVERITIES))


class PolicyError(ValueError):
    """The policy file is not a valid policy; the message names the key."""


def _require(ok: bool, where: str, what: str) -> None:
    if not ok:
        raise PolicyError(f"{where}: {what}")


def _mapping(value: Any, where: str, allowed: set[str] | None = None) -> Mapping[str, Any]:
    _require(isinstance(value, dict), where, "expected a mapping")
    if allowed is not None:
        unknown = sorted(set(value) - allowed)
        _require(not unknown, where, f"unknown key(s) {unknown}; known: {sorted(allowed)}")
    return value


def _names(value: Any, where: str, known: tuple[str, ...]) -> frozenset[str]:
    if value == "*":
        return frozenset(known)
    _require(isinstance(value, list), where, "expected a list (or '*' for all)")
    unknown = sorted(str(v) for v in value if v not in known)
    _require(not unknown, where, f"unknown {unknown}; known: {list(known)}")
    return frozenset(value)


def _days(value: Any, where: str) -> frozenset[date]:
    _require(isinstance(value, list), where, "expected a list of dates (YYYY-MM-DD)")
    days = set()
    for item in value:
        _require(isinstance(item, date), where, f"{item!r} is not a date (YYYY-MM-DD)")
        days.add(item)
    return frozenset(days)


def _clock_time(text: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(text))
    except ValueError:
        raise PolicyError(f"{where}: {text!r} is not a time (HH:MM)") from None


def _calendar(value: Any) -> WorkCalendar:
    keys = {"timezone", "periods", "weekend", "holidays", "make_up_workdays"}
    doc = _mapping(value, "calendar", keys)
    kwargs: dict[str, Any] = {}
    if "timezone" in doc:
        kwargs["timezone"] = str(doc["timezone"])
    if "periods" in doc:
        periods = doc["periods"]
        ok = isinstance(periods, list) and all(isinstance(p, list) and len(p) == 2 for p in periods)
        _require(ok, "calendar.periods", "expected a list of [from, to] times")
        kwargs["periods"] = tuple(
            (_clock_time(start, "calendar.periods"), _clock_time(end, "calendar.periods"))
            for start, end in periods
        )
    if "weekend" in doc:
        weekend = doc["weekend"]
        _require(
            isinstance(weekend, list) and all(isinstance(d, int) and 0 <= d <= 6 for d in weekend),
            "calendar.weekend",
            "expected weekday numbers 0 (Monday) to 6 (Sunday)",
        )
        kwargs["weekend"] = frozenset(weekend)
    for key in ("holidays", "make_up_workdays"):
        if key in doc:
            kwargs[key] = _days(doc[key], f"calendar.{key}")
    try:
        return WorkCalendar(**kwargs)
    except (ValueError, KeyError) as exc:  # overlapping periods, unknown zone, a day both ways
        raise PolicyError(f"calendar: {exc}") from None


def _time_limits(value: Any) -> Mapping[tuple[str, Urgency], TimeLimit]:
    limits = dict(DEFAULT_TIME_LIMITS)
    for category, by_urgency in _mapping(value, "time_limits").items():
        where = f"time_limits.{category}"
        _require(category in CATEGORIES, where, f"unknown category; known: {sorted(CATEGORIES)}")
        for urgency, spec in _mapping(by_urgency, where, {u.value for u in Urgency}).items():
            doc = _mapping(spec, f"{where}.{urgency}", {"hours", "working"})
            hours = doc.get("hours")
            _require(
                isinstance(hours, int | float) and not isinstance(hours, bool) and hours > 0,
                f"{where}.{urgency}.hours",
                "expected a positive number of hours",
            )
            working = doc.get("working", True)
            _require(isinstance(working, bool), f"{where}.{urgency}.working", "true or false")
            limits[(category, Urgency(urgency))] = TimeLimit(float(hours), working=working)
    return MappingProxyType(limits)


def _number(value: Any, where: str, *, low: float, high: float | None = None) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= low
    _require(ok and (high is None or value <= high), where, f"expected a number >= {low}")
    return value


def policy_from_doc(doc: Any) -> CasePolicy:
    """A :class:`CasePolicy` from a parsed policy document."""
    doc = _mapping(doc or {}, "policy", KEYS)
    kwargs: dict[str, Any] = {}
    if "alert_severities" in doc:
        by_source = _mapping(doc["alert_severities"], "alert_severities", set(SOURCES))
        kwargs["alert_severities"] = MappingProxyType(
            {
                source: _names(value, f"alert_severities.{source}", SEVERITY_NAMES)
                for source, value in by_source.items()
            }
        )
    if "auto_dispatch_sources" in doc:
        kwargs["auto_dispatch_sources"] = _names(
            doc["auto_dispatch_sources"], "auto_dispatch_sources", CASE_SOURCES
        )
    if "urgency_by_severity" in doc:
        by_severity = _mapping(doc["urgency_by_severity"], "urgency_by_severity", set(SEVERITIES))
        urgencies = {u.value for u in Urgency}
        for severity, urgency in by_severity.items():
            _require(urgency in urgencies, f"urgency_by_severity.{severity}", f"one of {urgencies}")
        kwargs["urgency_by_severity"] = MappingProxyType(dict(by_severity))
    if "max_links_per_case" in doc:
        kwargs["max_links_per_case"] = int(
            _number(doc["max_links_per_case"], "max_links_per_case", low=1)
        )
    for key in ("retire_after_h", "forget_retired_after_h"):
        if key in doc:
            kwargs[key] = float(_number(doc[key], key, low=0))
    if "deadline_check_s" in doc:
        kwargs["deadline_check_s"] = float(
            _number(doc["deadline_check_s"], "deadline_check_s", low=1)
        )
    if "dedup" in doc:
        dedup = _mapping(doc["dedup"], "dedup", {"merge_distance_m", "same_cell"})
        kwargs["dedup"] = DedupPolicy(
            merge_distance_m=float(
                _number(dedup.get("merge_distance_m", 50.0), "dedup.merge_distance_m", low=0)
            ),
            same_cell=bool(dedup.get("same_cell", True)),
        )
    clock: dict[str, Any] = {}
    if "calendar" in doc:
        clock["calendar"] = _calendar(doc["calendar"])
    if "time_limits" in doc:
        clock["limits"] = _time_limits(doc["time_limits"])
    if "warn_from" in doc:
        clock["warn_from"] = float(_number(doc["warn_from"], "warn_from", low=0.01, high=1))
    if clock:
        kwargs["clock"] = Clock(**clock)
    return CasePolicy(**kwargs)


def load_policy(path: Path) -> CasePolicy:
    """The policy in the YAML file at ``path``; :class:`PolicyError` names what is wrong."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the case policy ({exc})") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not YAML ({exc})") from None
    try:
        return policy_from_doc(doc)
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from None
