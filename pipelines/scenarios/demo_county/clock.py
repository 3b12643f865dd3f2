"""The demo day's clock: local (Asia/Shanghai) hours to UTC instants."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")


def day_start_utc(day: date) -> datetime:
    """Local midnight of ``day`` as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=LOCAL).astimezone(UTC)


def at_local_hour(day: date, hour: float) -> datetime:
    """The UTC instant ``hour`` local hours after local midnight of ``day``."""
    return day_start_utc(day) + timedelta(hours=hour)


def local_hour(moment: datetime) -> float:
    """Local clock hour (0–24, fractional) of a tz-aware instant."""
    local = moment.astimezone(LOCAL)
    return local.hour + local.minute / 60 + local.second / 3600


def poisson(rnd: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method for small means, normal approximation above 30)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rnd.gauss(mean, mean**0.5)))
    limit, k, product = 2.718281828459045 ** (-mean), 0, rnd.random()
    while product > limit:
        k += 1
        product *= rnd.random()
    return k
