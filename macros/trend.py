"""The previous-period comparison of the incident trend marts (category, cell, GB/T class).

Every trend mart compares a subject's incidents in a period (local day, ISO week, month of
intermediate.int_incident_periods) with the period before it the same way: every period x every
subject seen in any period, the two counts (0 where there were none), kept where either is
above 0 (so a subject that went quiet shows its fall to zero). This macro writes that SQL once;
it renders plain SQL that DuckDB and PostgreSQL both run, like macros/credit.py.
"""

from __future__ import annotations

from sqlglot import exp
from sqlmesh import macro

PERIOD_COLUMNS = (
    "period_grain",
    "period_start_date_local",
    "period_end_date_local",
    "previous_period_start_date_local",
    "is_period_complete",
    "has_previous_period",
)


def _on(side: str, start: str, key: str) -> str:
    return (
        f" ON {side}.period_grain = periods.period_grain"
        f" AND {side}.period_start_date_local = periods.{start}"
        f" AND {side}.{key} = seen.{key}"
    )


@macro()
def trend_compared(evaluator, subject: exp.Expr) -> exp.Expr:
    """Each period x ``subject`` with incident_count and previous_incident_count.

    Reads the CTE ``counts`` (period_grain, period_start_date_local, ``subject``,
    incident_count: one row per period and subject). Returns the six period columns of
    intermediate.int_incident_periods, ``subject``, incident_count and previous_incident_count,
    one row per period and subject where either count is above 0.
    """
    key = subject.sql(dialect="duckdb")
    periods = "".join(f" periods.{c}," for c in PERIOD_COLUMNS)
    return exp.maybe_parse(
        f"SELECT{periods} seen.{key},"
        " COALESCE(current_period.incident_count, 0) AS incident_count,"
        " COALESCE(previous_period.incident_count, 0) AS previous_incident_count"
        " FROM intermediate.int_incident_periods AS periods"
        f" CROSS JOIN (SELECT DISTINCT {key} FROM counts) AS seen"
        " LEFT JOIN counts AS current_period"
        + _on("current_period", "period_start_date_local", key)
        + " LEFT JOIN counts AS previous_period"
        + _on("previous_period", "previous_period_start_date_local", key)
        + " WHERE COALESCE(current_period.incident_count, 0) > 0"
        " OR COALESCE(previous_period.incident_count, 0) > 0",
        dialect="duckdb",
    )
