"""Prometheus text metrics on the worker's web port (``GET /metrics``).

Every domain's ``register`` returns a dict of live counters; this page
exposes them, so counts of accepted, rejected and late records are visible
without reading logs. Beside them, ``citybrain_consumer_lag_messages`` gauges
how far this worker is behind on each partition it owns (the partition's end
offset minus the next offset the worker would commit), so a slow sink or
warehouse shows as growing lag rather than as lost data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import faust

METRIC = "citybrain_records_total"
LAG = "citybrain_consumer_lag_messages"


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


def exposition(
    counters: Mapping[str, Mapping[str, int]], lag: Mapping[tuple[str, int], int] | None = None
) -> str:
    """Prometheus text format of ``{agent: {counter: value}}`` and of the consumer lag."""
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
    return "\n".join(lines) + "\n"


def register(app: faust.App, counters: Mapping[str, Mapping[str, int]]) -> None:
    """Serve ``counters`` at ``/metrics`` on the app's web server."""

    @app.page("/metrics")
    async def metrics(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
        body = exposition(counters, consumer_lag(app.consumer))
        return web.text(body, content_type="text/plain; version=0.0.4")
