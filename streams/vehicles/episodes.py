"""One vehicle's stored value and how a fix changes it: last position and violation episodes.

The value is one JSON object per vehicle (a faust Table keyed by vehicle id,
co-partitioned with ``gps.fixes``), replaced on every kept fix, never mutated::

    {"last": {event_id, fixed_at, at_s, lat, lng, speed_kmh, heading_deg, ...},
     "episodes": {kind: {"alert_id", "started_s", "violating_s", "compliant_s"}}}

A fix first passes :func:`streams.vehicles.tracks.verdict` against ``last``;
a dropped fix (duplicate, out of order, implausible jump) changes nothing and
sends nothing, so a redelivered fix is harmless. A kept fix becomes ``last``
and then steps each rule's episode with its compliance (``kind`` broken,
``None`` kept, ``UNJUDGED`` not judged (parked, or an earlier rule broken)):

- a breach with no open episode, or more than ``gap_s`` (default 900 s) after
  the episode's last breach, opens an episode and sends **one** alert, whose
  id is fixed by the vehicle, the rule and the breach's event time;
- an episode closes once the vehicle has been compliant for ``clear_s``
  (default 300 s; crossing another stretch of its own corridor does not end
  a detour) or has not breached for ``gap_s``.

A rule given a duration in ``sustain_s`` (the sweeper speed rule) alerts only
once it has been broken on consecutive fixes for at least that long: until
then its episode is *pending* (no ``alert_id``) and holds the breaching fixes
(up to ``EVIDENCE_MAX_FIXES``, the latest kept); any compliant fix, or more
than ``PENDING_GAP_S`` (default 120 s) between two breaching fixes, drops it.
The alert then carries those fixes as evidence and its id the time of the
first; the open episode keeps no fixes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from streams.vehicles.tracks import KEPT, Fix, verdict

GAP_S = 900.0
CLEAR_S = 300.0
PENDING_GAP_S = 120.0
EVIDENCE_MAX_FIXES = 20
UNJUDGED = "unjudged"


@dataclass(frozen=True, slots=True)
class Step:
    """The vehicle's new value, the verdict on the fix and the alerts opened by it."""

    value: dict[str, Any]
    verdict: str
    opened: tuple[dict[str, Any], ...] = ()


def fix_of(last: Mapping[str, Any] | None) -> Fix | None:
    """The stored last fix as a :class:`Fix`."""
    if not last:
        return None
    return Fix(at_s=last["at_s"], lat=last["lat"], lng=last["lng"], speed_kmh=last["speed_kmh"])


def alert_id(*, vehicle_id: str, kind: str, at_s: float) -> str:
    """``vehicles-<vehicle id>-<rule>-<UTC yyyymmddThhmmssZ of the first breach>``."""
    stamp = datetime.fromtimestamp(at_s, UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"vehicles-{vehicle_id}-{kind}-{stamp}"


def _episode(
    old: Mapping[str, Any] | None,
    *,
    breach: bool,
    at_s: float,
    fix: Mapping[str, Any],
    gap_s: float,
    clear_s: float,
    sustain_s: float,
):
    """(new episode or None, True when it opens now: the alert is due)."""
    pending = old is not None and "alert_id" not in old
    if old is not None and at_s - old["violating_s"] > (PENDING_GAP_S if pending else gap_s):
        old, pending = None, False
    if breach:
        if old is None:
            new = {"started_s": at_s, "violating_s": at_s, "compliant_s": None}
            if sustain_s > 0:
                new["evidence"] = [fix]
        elif pending:
            evidence = [*old["evidence"], fix][-EVIDENCE_MAX_FIXES:]
            new = {**old, "violating_s": at_s, "evidence": evidence}
        else:
            return {**old, "violating_s": at_s, "compliant_s": None}, False
        return new, at_s - new["started_s"] >= sustain_s
    if old is None or pending:
        return None, False
    since = old["compliant_s"]
    if since is None:
        return {**old, "compliant_s": at_s}, False
    return (None if at_s - since >= clear_s else old), False


def step(
    value: Mapping[str, Any] | None,
    row: Mapping[str, Any],
    *,
    compliance: Mapping[str, str | None] | None = None,
    gap_s: float = GAP_S,
    clear_s: float = CLEAR_S,
    sustain_s: Mapping[str, float] | None = None,
) -> Step:
    """Apply one ``gps.fixes`` row; ``compliance`` maps each checked rule to its outcome.

    ``compliance`` is ``{rule: rule}`` for the rule broken, ``{rule: None}`` for
    the rules kept and ``UNJUDGED`` for rules not judged; ``None`` checks nothing.
    ``sustain_s`` gives rules that must hold for a duration (seconds) before
    they alert; others alert on their first breaching fix.
    """
    old = dict(value or {"last": None, "episodes": {}})
    at_s = row["event_at"].timestamp()
    fix = Fix(at_s=at_s, lat=row["lat"], lng=row["lng"], speed_kmh=row["speed_kmh"])
    reason = verdict(fix_of(old["last"]), fix)
    if reason != KEPT:
        return Step(old, reason)
    last = {
        "event_id": row["event_id"],
        "fixed_at": row["event_at"].isoformat(),
        "at_s": at_s,
        "lat": row["lat"],
        "lng": row["lng"],
        "speed_kmh": row["speed_kmh"],
        "heading_deg": row["heading_deg"],
        "status_flags": row.get("status_flags", 0),
        "alarm_flags": row.get("alarm_flags", 0),
    }
    episodes = dict(old["episodes"])
    opened = []
    for kind, outcome in (compliance or {}).items():
        if outcome == UNJUDGED:
            continue
        episode, is_new = _episode(
            episodes.get(kind),
            breach=outcome == kind,
            at_s=at_s,
            fix=last,
            gap_s=gap_s,
            clear_s=clear_s,
            sustain_s=(sustain_s or {}).get(kind, 0.0),
        )
        if is_new:
            evidence = episode.pop("evidence", None) or [last]
            episode["alert_id"] = alert_id(
                vehicle_id=row["vehicle_id"], kind=kind, at_s=episode["started_s"]
            )
            opened.append(
                {
                    "kind": kind,
                    "alert_id": episode["alert_id"],
                    "fix": evidence[0],  # the first breaching fix
                    "evidence": evidence,
                }
            )
        if episode is None:
            episodes.pop(kind, None)
        else:
            episodes[kind] = episode
    return Step({"last": last, "episodes": episodes}, reason, tuple(opened))
