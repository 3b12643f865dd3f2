"""The two worker processes: stream workers and the landing sink."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace

import faust
from aiokafka.errors import KafkaConnectionError

from citybrain.settings import Settings
from streams import guard, metrics, stalls, web_limits
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
        counters["case_api"] = register_api(app, engine, settings, across_workers=True)
        counters["stalls"] = stalls.register(app)
        guard.watch_rebalances(app)
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
        guard.watch_rebalances(app)
        metrics.register(app, counters)

    return create_app(
        replace(settings, web_port=port, web_url=None),
        app_id=settings.app_id + sink.SINK_APP_SUFFIX,
        domains=(register_all,),
    )


RESTARTS_ENV = "CITYBRAIN_WORKER_BROKER_RESTARTS"
MAX_BROKER_RESTARTS = 5
STEADY_S = 60.0  # a worker up this long before it lost its broker starts counting afresh


def lost_its_broker(reason: BaseException | None) -> bool:
    """True when a worker crashed because the broker could not be reached."""
    while reason is not None:
        if isinstance(reason, KafkaConnectionError):
            return True
        reason = reason.__cause__ or reason.__context__
    return False


def run(app: faust.App, *, loglevel: str = "warning") -> None:
    """Run a faust worker for ``app`` until it is stopped (SIGTERM / Ctrl-C).

    The CLI waits for the broker before it gets here (``streams.broker_wait``),
    but the broker can still go away in the seconds faust takes to start (a
    restart, a failover), and faust then crashes with "Unable to bootstrap".
    Such a crash starts the same command again in this process (``exec``: same
    pid, so a supervisor sees one process), which waits for the broker again;
    at most MAX_BROKER_RESTARTS times in a row.
    """
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    started = time.monotonic()
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        reason = worker.crash_reason or exc.__context__  # a crash, or an error while starting
        steady = time.monotonic() - started > STEADY_S
        restarts = 0 if steady else int(os.environ.get(RESTARTS_ENV) or 0)
        if lost_its_broker(reason) and restarts < MAX_BROKER_RESTARTS:
            print(
                f"the broker went away while the worker ran ({reason!r}); "
                f"starting again ({restarts + 1} of {MAX_BROKER_RESTARTS})",
                file=sys.stderr,
                flush=True,
            )
            os.environ[RESTARTS_ENV] = str(restarts + 1)
            os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
        raise
