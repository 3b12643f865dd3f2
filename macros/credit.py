"""Macros for the monthly credit scores (信用评价) of the muck-transport and outdoor-ad marts.

Every credit mart scores the same way: each subject (a company, a site) starts each local month
at 100 points, its violations deduct points, the score never falls below 0, and the grade is
A >= 90, B >= 75, C >= 60, D below. These macros write that shared SQL once; each renders plain
SQL that DuckDB and PostgreSQL both run (sqlglot transpiles it like the rest of the model).
"""

from __future__ import annotations

from sqlglot import exp
from sqlmesh import macro

MUCK_RULES = ("no_permit", "forbidden_zone", "off_route", "outside_window")
GRADE_FLOORS = (("A", 90), ("B", 75), ("C", 60))  # the lowest score of each grade; D below


def _parse(text: str) -> exp.Expr:
    return exp.maybe_parse(text, dialect="duckdb")


@macro()
def muck_violations(evaluator) -> exp.Expr:
    """The episodes of marts.muck_truck_violations with their site and local month, and the points
    each deducts by rule: variables muck_no_permit_deduction (default 20),
    muck_forbidden_zone_deduction (15), muck_off_route_deduction (10) and
    muck_outside_window_deduction (10); 0 for any other rule.

    A violation's site is the one its truck's first permit serves
    (intermediate.int_muck_permit_sites); no_permit violations have no permit, so no site.
    """
    # literal variable names: SQLMesh finds the variables a macro reads by them
    deductions = {
        "no_permit": evaluator.var("muck_no_permit_deduction", 20),
        "forbidden_zone": evaluator.var("muck_forbidden_zone_deduction", 15),
        "off_route": evaluator.var("muck_off_route_deduction", 10),
        "outside_window": evaluator.var("muck_outside_window_deduction", 10),
    }
    points = " ".join(
        f"WHEN '{rule}' THEN {exp.convert(deductions[rule]).sql(dialect='duckdb')}"
        for rule in MUCK_RULES
    )
    return _parse(
        "SELECT violations.alert_id, violations.violation_rule, violations.company,"
        " sites.site_permit_id,"
        " CAST(DATE_TRUNC('month', violations.violation_date) AS DATE) AS violation_month_local,"
        f" CASE violations.violation_rule {points} ELSE 0 END AS deduction_points"
        " FROM marts.muck_truck_violations AS violations"
        " LEFT JOIN intermediate.int_muck_permit_sites AS sites"
        " ON sites.permit_id = SPLIT_PART(violations.permit_ids, ',', 1)"
    )


@macro()
def muck_tallies(evaluator, subject: exp.Expr) -> exp.Expr:
    """The CTE ``violations`` (@muck_violations) counted per ``subject`` and month, by rule."""
    key = subject.sql(dialect="duckdb")
    counts = "".join(
        f" SUM(CASE WHEN violation_rule = '{rule}' THEN 1 ELSE 0 END) AS {rule}_count,"
        for rule in MUCK_RULES
    )
    return _parse(
        f"SELECT {key} AS subject, violation_month_local, COUNT(*) AS violation_count,{counts}"
        " SUM(deduction_points) AS deduction_points"
        f" FROM violations WHERE {key} IS NOT NULL GROUP BY {key}, violation_month_local"
    )


@macro()
def credit_scored(evaluator, *counts: exp.Expr) -> exp.Expr:
    """Every subject x month with its tallies (0 where it had none) and its credit score.

    Reads the CTEs ``subjects`` (column ``subject``), ``months`` (``credit_month_local``) and
    ``tallies`` (``subject``, ``violation_month_local``, the ``counts`` columns and
    ``deduction_points``).
    """
    names = [c.name for c in counts] + ["deduction_points"]
    zeroed = "".join(f" COALESCE(tallies.{n}, 0) AS {n}," for n in names)
    return _parse(
        f"SELECT subjects.subject, months.credit_month_local,{zeroed}"
        " GREATEST(0, 100 - COALESCE(tallies.deduction_points, 0)) AS credit_score"
        " FROM subjects CROSS JOIN months LEFT JOIN tallies"
        " ON tallies.subject = subjects.subject"
        " AND tallies.violation_month_local = months.credit_month_local"
    )


@macro()
def credit_grade(evaluator, score: exp.Expr) -> exp.Expr:
    """The grade of a credit score: A >= 90, B >= 75, C >= 60, D below."""
    whens = " ".join(f"WHEN {{score}} >= {floor} THEN '{grade}'" for grade, floor in GRADE_FLOORS)
    return _parse(f"CASE {whens} ELSE 'D' END".format(score=score.sql(dialect="duckdb")))
