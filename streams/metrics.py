"""Prometheus text metrics on the worker's web port (``GET /metrics``).

Every domain's ``register`` returns a dict of live counters; this page
exposes them, so counts of accepted, rejected and late records are visible
without reading logs. Beside them, ``citybrain_consumer_lag_messages`` gauges
how far this worker is behind on each partition it owns (the partition's end
offset minus the next offset the worker would commit), so a slow sink or
warehouse shows as growing lag rather than as lost data.

``citybrain_table_keys`` and ``citybrain_table_bytes`` gauge each faust Table
this process holds (keys, and the JSON size of their values): what the soak
test (``citybrain soak``) watches to show windowed state expires rather than
growing with every event. ``citybrain_process_resident_memory_bytes`` is the
process's own RSS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import faust
import orjson

METRIC = "citybrain_records_total"
LAG = "citybrain_consumer_lag_messages"
TABLE_KEYS = "citybrain_table_keys"
TABLE_BYTES = "citybrain_table_bytes"
RSS = "citybrain_process_resident_memory_bytes"


def consumer_lag(consumer: Any) -> dict[tuple[str, int], int]:
    """Messages behind per owned (topic, partition): end offset minus the next to commit.

    ``consumer`` is the app's faust consumer; a partition with nothing committed
    yet counts from the offset it is reading, else is left out.
    """
    try:
        assigned = sorted(consumer.assignment())
    except Exception:  # not started yet, or stopping: no partitions to report (not a 500)
        return {}
    lag = {}
    for tp in assigned:
        try:
            end = consumer.highwater(tp)
        except Exception:
            continue
        done = consumer._committed_offset.get(tp)  # faust keeps the next offset to commit
        if done is None:
            done = consumer._read_offset.get(tp)
        if end is not None and done is not None:
            lag[(tp.topic, tp.partition)] = max(int(end) - int(done), 0)
    return lag


def table_sizes(tables: Mapping[str, Any]) -> dict[str, tuple[int, int]]:
    """``{table name: (keys, bytes)}`` of the tables' locally held partitions.

    Bytes are the JSON size of the values (what the changelog carries), so a
    table whose keys stay few but whose values grow shows that growth too.
    """
    sizes = {}
    for name, table in sorted(tables.items()):
        keys = size = 0
        for key, value in list(table.items()):
            keys += 1
            size += len(str(key)) + len(orjson.dumps(value, default=str))
        sizes[name] = (keys, size)
    return sizes


def resident_bytes(status_path: str = "/proc/self/status") -> int | None:
    """This process's resident set size (``VmRSS``) in bytes; None where /proc has none."""
    try:
        with open(status_path) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def exposition(
    counters: Mapping[str, Mapping[str, int]],
    lag: Mapping[tuple[str, int], int] | None = None,
    tables: Mapping[str, tuple[int, int]] | None = None,
    rss_bytes: int | None = None,
) -> str:
    """Prometheus text of ``{agent: {counter: value}}``, the consumer lag, tables and RSS."""
    lines = [
        f"# HELP {METRIC} Records seen by citybrain agents, by agent and counter.",
        f"# TYPE {METRIC} counter",
    ]
    for agent in sorted(counters):
        for counter, value in sorted(counters[agent].items()):
            lines.append(f'{METRIC}{{agent="{agent}",counter="{counter}"}} {value}')
    if lag is not None:
        lines += [
            f"# HELP {LAG} Messages this worker has not yet committed, per owned partition.",
            f"# TYPE {LAG} gauge",
        ]
        for (topic, partition), value in sorted(lag.items()):
            lines.append(f'{LAG}{{topic="{topic}",partition="{partition}"}} {value}')
    if tables is not None:
        lines += [
            f"# HELP {TABLE_KEYS} Keys held in each faust Table (this process's partitions).",
            f"# TYPE {TABLE_KEYS} gauge",
        ]
        lines += [f'{TABLE_KEYS}{{table="{t}"}} {k}' for t, (k, _) in sorted(tables.items())]
        lines += [
            f"# HELP {TABLE_BYTES} JSON size of each faust Table's keys and values, bytes.",
            f"# TYPE {TABLE_BYTES} gauge",
        ]
        lines += [f'{TABLE_BYTES}{{table="{t}"}} {b}' for t, (_, b) in sorted(tables.items())]
    if rss_bytes is not None:
        lines += [
            f"# HELP {RSS} Resident memory of this process, bytes.",
            f"# TYPE {RSS} gauge",
            f"{RSS} {rss_bytes}",
        ]
    return "\n".join(lines) + "\n"


def register(app: faust.App, counters: Mapping[str, Mapping[str, int]]) -> None:
    """Serve ``counters`` at ``/metrics`` on the app's web server."""

    @app.page("/metrics")
    async def metrics(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
        body = exposition(
            counters,
            consumer_lag(app.consumer),
            table_sizes(dict(app.tables.items())),
            resident_bytes(),
        )
        return web.text(body, content_type="text/plain; version=0.0.4")
