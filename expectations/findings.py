"""GX validation results → findings a person can act on, and their rendering.

Pure functions: no GX import, no I/O. A finding is one failed expectation on
one file (or on the whole hour partition when the expectation is about the
table), with how many rows broke it and which event ids.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from expectations.common import FILE_COLUMN

NO_ID = "<no event_id>"


@dataclass(frozen=True)
class Finding:
    """One expectation that failed on one landing file."""

    topic: str
    hour_path: str  # <topic>/date=YYYY-MM-DD/hour=HH
    file: str | None  # relative to the landing root; None: the whole hour partition
    expectation: str  # GX expectation type
    column: str | None
    description: str
    unexpected_rows: int
    batch_rows: int
    event_ids: tuple[str, ...]  # of the failing rows in this file, first ones first
    error: str | None = None  # when GX could not evaluate the expectation


def findings_of(
    result: Any, *, topic: str, hour_path: str, batch_rows: int, max_ids: int = 10
) -> list[Finding]:
    """The findings of one GX suite validation result (``ExpectationSuiteValidationResult``)."""
    found = []
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        kwargs = config.kwargs
        column = kwargs.get("column") or ",".join(
            str(kwargs[k]) for k in ("column_A", "column_B") if k in kwargs
        )
        common = {
            "topic": topic,
            "hour_path": hour_path,
            "expectation": config.type,
            "column": column or None,
            "description": config.description or config.type,
            "batch_rows": batch_rows,
        }
        error = (item.exception_info or {}).get("exception_message")
        rows = (item.result or {}).get("unexpected_index_list") or []
        if error or not rows:
            count = (item.result or {}).get("unexpected_count") or 0
            found.append(
                Finding(file=None, unexpected_rows=count, event_ids=(), error=error, **common)
            )
            continue
        by_file: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            event_id = row.get("event_id")
            by_file[row[FILE_COLUMN]].append(NO_ID if event_id is None else str(event_id))
        for file, ids in sorted(by_file.items()):
            found.append(
                Finding(
                    file=file, unexpected_rows=len(ids), event_ids=tuple(ids[:max_ids]), **common
                )
            )
    return found


def is_mart(finding: Finding) -> bool:
    """A finding about a mart (``schema.table``) rather than a landing hour partition."""
    return "/" not in finding.hour_path


def where(finding: Finding) -> str:
    """The file a finding is about, or its hour partition (mart) for table-level expectations."""
    whole = "whole mart" if is_mart(finding) else "whole hour partition"
    return finding.file or f"{finding.hour_path} ({whole})"


def render_finding(finding: Finding) -> str:
    """What failed and on which rows, on one line (without the file)."""
    what = f"{finding.expectation}({finding.column or ''}): {finding.description}"
    if finding.error:
        return f"{what}: could not be evaluated: {finding.error}"
    scope = "rows checked" if is_mart(finding) else "rows in the hour"
    rows = f"{finding.unexpected_rows} of {finding.batch_rows} {scope}"
    ids = ", ".join(finding.event_ids)
    more = " …" if finding.unexpected_rows > len(finding.event_ids) and ids else ""
    return f"{what}: {rows}" + (f": {ids}{more}" if ids else "")


def render(
    findings: list[Finding],
    *,
    batches: int,
    files: int,
    rows: int,
    label: str = "citybrain check",
    checked: str | None = None,
) -> str:
    """The whole report: ``FAIL <file>`` then its failed expectations; a verdict line last."""
    by_place: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_place[where(finding)].append(finding)
    lines = []
    for place, found in by_place.items():
        lines.append(f"FAIL {place}")
        lines += [f"  {render_finding(f)}" for f in found]
    checked = checked or f"{batches} hour partitions, {files} files, {rows} rows"
    if findings:
        verdict = f"{len(findings)} failed expectations in {len(by_place)} files"
        lines.append(f"{label}: {verdict} ({checked})")
    else:
        lines.append(f"{label}: passed ({checked})")
    return "\n".join(lines)


def as_json(findings: list[Finding], *, batches: int, files: int, rows: int) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    return {
        "passed": not findings,
        "hour_partitions": batches,
        "files": files,
        "rows": rows,
        "failures": [{**asdict(f), "event_ids": list(f.event_ids)} for f in findings],
    }
