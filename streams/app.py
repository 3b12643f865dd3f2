"""The faust application factory shared by every worker process.

Topics are created by ``citybrain topics create`` from the registry, so the
app is told never to declare topics itself (``topic_allow_declare=False``):
a missing topic is an error at start-up, not a silent auto-creation with the
wrong partition count.

RocksDB memory is capped per table partition (:data:`ROCKSDB_OPTIONS`).
faust's defaults give every partition's database 3 × 64 MiB of write buffers
and a 2 GiB block cache; with ~40 table partitions per worker, memory then
climbs for hours before the first flush and looks like a leak in a soak.
The tables are small (kilobytes to a few MiB), so 1 MiB buffers and cache per
partition (at most ~3 MiB each, ~120 MiB for the worker's ~40) cost little.
"""

from __future__ import annotations

from collections.abc import Callable

import faust

from citybrain.settings import Settings
from streams import faust_compat, web_limits

Domain = Callable[[faust.App, Settings], None]

MIB = 1024 * 1024
ROCKSDB_OPTIONS = {
    "write_buffer_size": 1 * MIB,
    "max_write_buffer_number": 2,
    "block_cache_size": 1 * MIB,
    "block_cache_compressed_size": 1 * MIB,
}


def cap_rocksdb_memory(app: faust.App) -> None:
    """Give every table of ``app`` :data:`ROCKSDB_OPTIONS` (before its store opens)."""
    for table in app.tables.values():
        table.options = {**ROCKSDB_OPTIONS, **(table.options or {})}


def create_app(
    settings: Settings, *, app_id: str | None = None, domains: tuple[Domain, ...] = ()
) -> faust.App:
    """A faust App configured from settings, with each domain registered on it.

    ``app_id`` defaults to ``settings.app_id``; separate processes with
    different jobs (streams vs. sink) use different ids, hence different
    consumer groups, so each scales on its own.
    """
    app_id = app_id or settings.app_id
    faust_compat.complete_producer_flush()
    faust_compat.sticky_seeks()
    (settings.state_dir / app_id).mkdir(parents=True, exist_ok=True)
    app = faust.App(
        app_id,
        broker=[f"kafka://{host}" for host in settings.broker.split(",")],
        store=settings.store,
        datadir=str(settings.state_dir / app_id),
        web_enabled=settings.web_port > 0,
        web_port=max(settings.web_port, 1),
        web_bind="127.0.0.1",
        canonical_url=settings.canonical_url,  # how the group's other workers reach this one
        web_tables_enabled=False,  # faust's /table pages would reveal table values without a token
        topic_allow_declare=False,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=10.0,
        broker_heartbeat_interval=1.0,
        broker_commit_every=10_000,
        broker_commit_interval=1.0,
        stream_buffer_maxsize=65_536,
        producer_linger_ms=5,
        producer_max_batch_size=1_048_576,
        producer_acks=-1,
        table_standby_replicas=0,
        autodiscover=False,
    )
    if settings.web_port > 0:
        web_limits.harden(app, settings)
    for register in domains:
        register(app, settings)
    if settings.store.startswith("rocksdb"):
        cap_rocksdb_memory(app)
    return app
