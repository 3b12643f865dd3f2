"""A run's outputs against the clean run's: pure functions over :mod:`pipelines.chaos.outputs`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pipelines.chaos.outputs import SECTIONS, Outputs

EXAMPLES = 3


@dataclass(frozen=True)
class TableDiff:
    """One table: rows in the reference, rows in the run, and what differs."""

    table: str
    expected: int
    actual: int
    missing: int  # rows of the reference the run lacks (counting duplicates)
    extra: int  # rows the run has beyond the reference (counting duplicates)
    examples: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        return self.missing == 0 and self.extra == 0


@dataclass(frozen=True)
class SectionDiff:
    """One section (landing, marts, …): its tables' diffs."""

    section: str
    tables: tuple[TableDiff, ...] = field(default_factory=tuple)

    @property
    def matched(self) -> bool:
        return all(t.matched for t in self.tables)

    def summary(self) -> dict:
        """JSON-ready: match or mismatch, row counts, and the tables that differ."""
        return {
            "status": "match" if self.matched else "mismatch",
            "tables": len(self.tables),
            "rows": sum(t.actual for t in self.tables),
            "expected_rows": sum(t.expected for t in self.tables),
            "missing": sum(t.missing for t in self.tables),
            "extra": sum(t.extra for t in self.tables),
            "differing": [
                {
                    "table": t.table,
                    "expected": t.expected,
                    "actual": t.actual,
                    "missing": t.missing,
                    "extra": t.extra,
                    "examples": list(t.examples),
                }
                for t in self.tables
                if not t.matched
            ],
        }


def diff_rows(table: str, expected: list[str], actual: list[str]) -> TableDiff:
    """Multiset difference of two tables' canonical rows."""
    want, got = Counter(expected), Counter(actual)
    missing, extra = want - got, got - want
    examples = [f"missing {r}" for r in sorted(missing)[:EXAMPLES]]
    examples += [f"extra {r}" for r in sorted(extra)[:EXAMPLES]]
    return TableDiff(
        table,
        len(expected),
        len(actual),
        sum(missing.values()),
        sum(extra.values()),
        tuple(examples),
    )


def diff_section(section: str, expected: dict[str, list[str]], actual: dict[str, list[str]]):
    """Every table of a section, a table absent on one side counting as empty there."""
    names = sorted(set(expected) | set(actual))
    return SectionDiff(
        section, tuple(diff_rows(n, expected.get(n, []), actual.get(n, [])) for n in names)
    )


def compare(expected: Outputs, actual: Outputs) -> dict[str, SectionDiff]:
    """Every section of a run against the reference."""
    return {s: diff_section(s, expected.get(s, {}), actual.get(s, {})) for s in SECTIONS}


def matched_apart_from(diffs: dict[str, SectionDiff], tables: frozenset[str]) -> bool:
    """True when every table outside ``tables`` matched (the ``cases`` section is made of them).

    The chaos report's second verdict: everything but case grouping equal, and
    ``case_signals`` (each signal placed exactly once) equal too.
    """
    return all(
        t.matched
        for name, section in diffs.items()
        if name != "cases"
        for t in section.tables
        if t.table not in tables
    )
