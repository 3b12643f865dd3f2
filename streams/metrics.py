"""Prometheus text metrics on the worker's web port (``GET /metrics``).

Every domain's ``register`` returns a dict of live counters; this page
exposes them, so counts of accepted, rejected and late records are visible
without reading logs.
"""

from __future__ import annotations

from collections.abc import Mapping

import faust

METRIC = "citybrain_records_total"


def exposition(counters: Mapping[str, Mapping[str, int]]) -> str:
    """Prometheus text format of ``{agent: {counter: value}}``."""
    lines = [
        f"# HELP {METRIC} Records seen by citybrain agents, by agent and counter.",
        f"# TYPE {METRIC} counter",
    ]
    for agent in sorted(counters):
        for counter, value in sorted(counters[agent].items()):
            lines.append(f'{METRIC}{{agent="{agent}",counter="{counter}"}} {value}')
    return "\n".join(lines) + "\n"


def register(app: faust.App, counters: Mapping[str, Mapping[str, int]]) -> None:
    """Serve ``counters`` at ``/metrics`` on the app's web server."""

    @app.page("/metrics")
    async def metrics(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
        return web.text(exposition(counters), content_type="text/plain; version=0.0.4")
