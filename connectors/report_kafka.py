"""The report intake on a Kafka cluster: the producer and the topic followers.

:func:`kafka_intake_app` is :func:`connectors.report_intake.intake_app` with a
:class:`KafkaSink` (reports to ``reports.citizen``, refusals to its dead-letter
topic) and two followers without a consumer group, reading from the earliest
retained offset: ``reports.citizen`` fills the :class:`ReportIndex` that GET
requests answer from, and ``cases.events`` the request statuses
(:class:`connectors.case_status.CaseStatuses`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from citybrain.contracts import decode, encode_row
from citybrain.contracts.report import TOPIC
from citybrain.deadletters import content_id, dead_letter
from citybrain.geo import partition_key
from citybrain.topics import rejected
from connectors.case_status import EVENTS_TOPIC, CaseStatuses
from connectors.open311 import Bounds
from connectors.report_intake import STATS, ReportIndex, RequestStatuses, intake_app

log = logging.getLogger(__name__)
RETRY_S = 5.0


def report_key(row: Mapping[str, Any]) -> bytes:
    """Kafka key of a report: its H3 res-8 cell (``citybrain.topics``: keyed by area)."""
    return partition_key(lat=row["lat"], lng=row["lng"])


class KafkaSink:
    """Reports to ``reports.citizen``, refusals to ``reports.citizen.rejected``."""

    def __init__(self, bootstrap: str, *, source: str = "report-intake") -> None:
        self.bootstrap, self.source = bootstrap, source
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        """Connect (inside the running loop, as aiokafka requires)."""
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True, linger_ms=5
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def publish(
        self, rows: Sequence[dict[str, Any]], rejections: Sequence[tuple[str, bytes]]
    ) -> None:
        if self._producer is None:
            raise RuntimeError("KafkaSink.start() was not awaited")
        sends = [
            await self._producer.send(TOPIC, encode_row(row), key=report_key(row)) for row in rows
        ]
        now = datetime.now(UTC)
        for reason, raw in rejections:
            record = dead_letter(
                event_id=content_id(self.source, reason, raw, now.isoformat()),
                at=now,
                source_topic=TOPIC,
                reason=reason,
                raw=raw,
            )
            sends.append(
                await self._producer.send(
                    rejected(TOPIC), encode_row(record), key=record["event_id"].encode()
                )
            )
        await asyncio.gather(*sends)


async def follow_topic(
    bootstrap: str, topic: str, apply: Callable[[bytes], None], on_skip: Callable[[], None]
) -> None:
    """Feed ``apply`` every record of ``topic`` (earliest offset, no group); retry forever.

    A record ``apply`` cannot take (ValueError, KeyError, TypeError, AttributeError) is
    counted by ``on_skip`` and passed over.
    """
    while True:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        try:
            await consumer.start()
            async for message in consumer:
                try:
                    apply(message.value)
                except (ValueError, KeyError, TypeError, AttributeError):
                    on_skip()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reading %s failed; retrying in %s s", topic, RETRY_S)
            await asyncio.sleep(RETRY_S)
        finally:
            await consumer.stop()


async def follow(bootstrap: str, index: ReportIndex, stats: dict[str, int]) -> None:
    """Fill ``index`` from ``reports.citizen`` (earliest offset, no group); retry forever."""

    def skipped() -> None:
        stats["index_skipped"] += 1

    await follow_topic(bootstrap, TOPIC, lambda raw: index.add(decode(TOPIC, raw)), skipped)


def kafka_intake_app(
    *,
    bootstrap: str,
    bounds: Bounds | None = None,
    api_keys: frozenset[str] = frozenset(),
    max_reports: int = 100_000,
    statuses: RequestStatuses | None = None,
    body_timeout_s: float = 30.0,
) -> web.Application:
    """The intake on a Kafka cluster: a producer, and followers of the reports and the cases.

    Without ``statuses``, a request's status comes from the case engine's events
    (:class:`connectors.case_status.CaseStatuses` over ``cases.events``).
    """
    sink, index = KafkaSink(bootstrap), ReportIndex(max_reports)
    cases = None if statuses is not None else CaseStatuses()
    app = intake_app(
        sink=sink,
        index=index,
        statuses=statuses or cases,
        bounds=bounds,
        api_keys=api_keys,
        body_timeout_s=body_timeout_s,
    )

    async def kafka(app: web.Application) -> AsyncIterator[None]:
        await sink.start()
        followers = [asyncio.create_task(follow(bootstrap, index, app[STATS]))]
        if cases is not None:
            stats = app[STATS]

            def skipped() -> None:
                stats["case_events_skipped"] = stats.get("case_events_skipped", 0) + 1

            follower = follow_topic(bootstrap, EVENTS_TOPIC, cases.apply_raw, skipped)
            followers.append(asyncio.create_task(follower))
        try:
            yield
        finally:
            for follower in followers:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower
            await sink.stop()

    app.cleanup_ctx.append(kafka)
    return app
