"""One soak sample: RSS of each process and what its ``/metrics`` page says.

Reading ``/proc/<pid>/status`` (``VmRSS``) works for any process we know
the id of, the broker's JVM included; table sizes and lag come from the
workers' own Prometheus text.
"""

from __future__ import annotations

import re
import urllib.request
from dataclasses import dataclass, field

MIB = 1024 * 1024
_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][\w:]*)(\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)$")
_LABEL = re.compile(r'(\w+)="([^"]*)"')
# the case engine's counters a soak reports: how many cases ended and left the tables
CASE_COUNTERS = ("cases_opened", "cases_retired", "retired_cases_forgotten")


def rss_mib(pid: int) -> float | None:
    """Resident set size of ``pid`` in MiB; None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def parse_metrics(text: str) -> list[tuple[str, dict[str, str], float]]:
    """Prometheus text exposition → ``(name, labels, value)`` per sample line."""
    samples = []
    for line in text.splitlines():
        match = _SAMPLE.match(line.strip())
        if not match or line.startswith("#"):
            continue
        labels = dict(_LABEL.findall(match["labels"] or ""))
        samples.append((match["name"], labels, float(match["value"])))
    return samples


@dataclass(frozen=True)
class Scrape:
    """The figures the soak keeps from one ``/metrics`` page."""

    table_keys: dict[str, int] = field(default_factory=dict)
    table_bytes: dict[str, int] = field(default_factory=dict)
    lag: int = 0
    case_counts: dict[str, int] = field(default_factory=dict)


def scrape(text: str) -> Scrape:
    """Table sizes, the total consumer lag and :data:`CASE_COUNTERS` from a ``/metrics`` page."""
    keys: dict[str, int] = {}
    size: dict[str, int] = {}
    counts: dict[str, int] = {}
    lag = 0
    for name, labels, value in parse_metrics(text):
        if name == "citybrain_table_keys":
            keys[labels["table"]] = int(value)
        elif name == "citybrain_table_bytes":
            size[labels["table"]] = int(value)
        elif name == "citybrain_consumer_lag_messages":
            lag += int(value)
        elif name == "citybrain_records_total" and _is_case_counter(labels):
            counts[labels["counter"]] = int(value)
    return Scrape(keys, size, lag, counts)


def _is_case_counter(labels: dict[str, str]) -> bool:
    return labels.get("agent") == "cases" and labels.get("counter") in CASE_COUNTERS


def fetch_metrics(port: int, timeout_s: float = 10.0) -> str | None:
    """The text of ``http://127.0.0.1:<port>/metrics``; None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout_s) as r:
            return r.read().decode()
    except OSError:
        return None
