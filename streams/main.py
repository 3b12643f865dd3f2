"""The two worker processes: stream workers and the landing sink."""

from __future__ import annotations

from dataclasses import replace

import faust

from citybrain.settings import Settings
from streams import metrics, stalls, web_limits
from streams.app import create_app
from streams.cases import agents as cases
from streams.cases.api import register_api
from streams.flood import agents as flood
from streams.hotspots import agents as hotspots
from streams.intake import agents as intake
from streams.sink import agents as sink
from streams.vehicles import agents as vehicles
from streams.video import agents as video


def stream_app(settings: Settings) -> faust.App:
    """The stream worker app: intake validation and hotspot counting, with /metrics."""
    counters: dict[str, dict[str, int]] = {}

    def register_all(app: faust.App, settings: Settings) -> None:
        counters["hotspots"] = hotspots.register(app, settings).stats
        counters["intake"] = intake.register(app, settings)
        counters["flood"] = flood.register(app, settings)
        counters["vehicles"] = vehicles.register(app, settings)
        counters["video"] = video.register(app, settings)
        engine = cases.register(app, settings)
        counters["cases"] = engine.stats
        register_api(app, engine, settings)
        counters["stalls"] = stalls.register(app)
        if (limits := web_limits.in_flight_of(app)) is not None:
            counters["http"] = limits.refused
        metrics.register(app, counters)

    return create_app(settings, domains=(register_all,))


def sink_app(settings: Settings) -> faust.App:
    """The landing sink app (its own consumer group and web port)."""
    port = settings.sink_web_port if settings.web_port > 0 else 0
    counters: dict[str, dict[str, int]] = {}

    def register_all(app: faust.App, settings: Settings) -> None:
        counters["sink"] = sink.register(app, settings)
        counters["stalls"] = stalls.register(app)
        metrics.register(app, counters)

    return create_app(
        replace(settings, web_port=port),
        app_id=settings.app_id + sink.SINK_APP_SUFFIX,
        domains=(register_all,),
    )


def run(app: faust.App, *, loglevel: str = "warning") -> None:
    """Run a faust worker for ``app`` until it is stopped (SIGTERM / Ctrl-C)."""
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    worker.execute_from_commandline()
