"""All configuration, read from ``CITYBRAIN_*`` environment variables.

Every setting has a working local default; production overrides them through
the environment (see ``compose.yaml``). No secret lives here with a default.

| variable | default | meaning |
| --- | --- | --- |
| CITYBRAIN_HOME | ``$XDG_DATA_HOME/citybrain`` (``~/.local/share/citybrain``) | runtime data root |
| CITYBRAIN_CACHE_DIR | ``$XDG_CACHE_HOME/citybrain`` | downloads (Kafka jars) |
| CITYBRAIN_BROKER | running local broker, else ``127.0.0.1:9092`` | bootstrap servers |
| CITYBRAIN_APP_ID | ``citybrain`` | faust application id (consumer group, changelog prefix) |
| CITYBRAIN_LANDING_DIR | ``$CITYBRAIN_HOME/landing`` | Parquet landing root |
| CITYBRAIN_WAREHOUSE_PATH | ``$CITYBRAIN_HOME/warehouse/citybrain.duckdb`` | SQLMesh DuckDB file |
| CITYBRAIN_STATE_DIR | ``$CITYBRAIN_HOME/state`` | faust table stores |
| CITYBRAIN_STORE | ``rocksdb://`` | faust table store URL (``memory://`` in unit tests) |
| CITYBRAIN_WEB_PORT | ``6066`` | stream worker web port (``/metrics``) |
| CITYBRAIN_SINK_WEB_PORT | ``6067`` | landing sink web port (``/metrics``) |
| CITYBRAIN_WEB_URL | ``http://127.0.0.1:<web port>`` | where the group's other workers reach it |
| CITYBRAIN_API_PEER_TIMEOUT_S | ``10`` | case API: another worker answers within, s |
| CITYBRAIN_HOTSPOT_LATENESS_S | ``300`` | allowed event-time lateness of hotspot windows, seconds |
| CITYBRAIN_KAFKA_VERSION | ``4.1.1`` | Apache Kafka version the local launcher fetches |
| CITYBRAIN_AREA_BOUNDS | ``30.2,120.1,30.3,120.2`` (demo county) | service area S,W,N,E |
| CITYBRAIN_REFERENCE_DIR | ``$CITYBRAIN_HOME/reference`` | county reference tables (JSON) |
| CITYBRAIN_JT808_AUTH_SECRET | none: random per process, with a warning | JT/T 808 auth-code key |
| CITYBRAIN_API_SECRET | none: the case API answers 503 until set | token HMAC key, >= 32 chars |
| CITYBRAIN_API_REVOKED | empty | revoked API token ids, comma-separated |
| CITYBRAIN_API_REVOKED_FILE | none | revoked API token ids, one a line (re-read on change) |
| CITYBRAIN_CASE_POLICY | none: the defaults | case engine policy YAML (``policy.example.yaml``) |
| CITYBRAIN_VEHICLE_OFFLINE_S | ``600`` | seconds without a fix after which a vehicle is offline |
| CITYBRAIN_SWEEP_MAX_KMH | ``15`` | speed limit of a sanitation vehicle while sweeping, km/h |
| CITYBRAIN_SWEEP_OVER_S | ``60`` | seconds above the sweeping limit before it is a breach |
| CITYBRAIN_VIDEO_RULES | none: the defaults | video rule overrides, ``streams.video.rules`` |
| CITYBRAIN_EVENT_TIME_ORDER_IDLE_S | none: arrival | cases in event-time order; path wait, s |
| CITYBRAIN_PG_HOST / _PORT | ``127.0.0.1`` / ``5432`` | server of the ``postgres`` gateway |
| CITYBRAIN_PG_DATABASE / _USER | ``citybrain`` / ``citybrain`` | its database and role |
| CITYBRAIN_PG_PASSWORD | none: the PostgreSQL loader refuses to run | its password |
| CITYBRAIN_GATEWAY_MAX_CONNECTIONS | ``10000`` | TCP gateways: connections at once |
| CITYBRAIN_GATEWAY_IDLE_TIMEOUT_S | ``300`` | TCP gateway: close a connection silent this long, s |
| CITYBRAIN_GATEWAY_FRAME_TIMEOUT_S | ``30`` | TCP gateway: a frame must arrive whole within, s |
| CITYBRAIN_GATEWAY_MAX_GARBAGE_BYTES | ``65536`` | TCP gateway: non-frame bytes before a close |
| CITYBRAIN_HTTP_IDLE_TIMEOUT_S | ``30`` | HTTP: no whole request head by then, close, s |
| CITYBRAIN_HTTP_BODY_TIMEOUT_S | ``30`` | HTTP: body not arrived by then: 408, s |
| CITYBRAIN_HTTP_MAX_STREAMS | ``100`` | flood SSE streams a worker serves at once (then 503) |
| CITYBRAIN_HTTP_MAX_REQUESTS | ``1024`` | HTTP: requests in progress, all clients (then 503) |
| CITYBRAIN_HTTP_MAX_REQUESTS_PER_CLIENT | ``256`` | HTTP: in progress from one address (then 429) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Resolved configuration; build with :func:`load`."""

    home: Path
    cache_dir: Path
    broker: str
    app_id: str
    landing_dir: Path
    warehouse_path: Path
    state_dir: Path
    store: str
    web_port: int
    hotspot_lateness_s: int
    kafka_version: str
    jt808_auth_secret: str | None = None
    sink_web_port: int = 6067
    area_bounds: tuple[float, float, float, float] = (30.2, 120.1, 30.3, 120.2)
    reference_dir: Path | None = None
    api_secret: str | None = field(default=None, repr=False)
    api_revoked: frozenset[str] = frozenset()
    api_revoked_file: Path | None = None
    case_policy_path: Path | None = None
    vehicle_offline_s: float = 600.0
    sweep_max_kmh: float = 15.0
    sweep_over_s: float = 60.0
    video_rules_path: Path | None = None
    gateway_max_connections: int = 10_000
    gateway_idle_timeout_s: float = 300.0
    gateway_frame_timeout_s: float = 30.0
    gateway_max_garbage_bytes: int = 65_536
    http_idle_timeout_s: float = 30.0
    http_body_timeout_s: float = 30.0
    http_max_streams: int = 100
    http_max_requests: int = 1024
    http_max_requests_per_client: int = 256
    web_url: str | None = None
    api_peer_timeout_s: float = 10.0
    event_time_order_idle_s: float | None = None

    @property
    def canonical_url(self) -> str:
        """The URL other workers of the group reach this worker's web server at."""
        return self.web_url or f"http://127.0.0.1:{max(self.web_port, 1)}"

    @property
    def reference_path(self) -> Path:
        """The reference-data directory (``citybrain.reference``)."""
        return self.reference_dir or self.home / "reference"

    @property
    def published_path(self) -> Path:
        """The read-only snapshot of the marts that Superset reads (``dashboards.snapshot``)."""
        return self.warehouse_path.parent / "published.duckdb"

    @property
    def broker_dir(self) -> Path:
        """Where the local broker keeps its data, logs and address file."""
        return self.home / "broker"

    @property
    def broker_address_file(self) -> Path:
        """File holding ``host:port`` of the running local broker."""
        return self.broker_dir / "address"


def _xdg(env: Mapping[str, str], var: str, fallback: str) -> Path:
    base = env.get(var) or str(Path(env.get("HOME", str(Path.home()))) / fallback)
    return Path(base) / "citybrain"


def _bounds(text: str) -> tuple[float, float, float, float]:
    south, west, north, east = (float(v) for v in text.split(","))
    if not (south < north and west < east):
        raise ValueError(f"CITYBRAIN_AREA_BOUNDS must be south,west,north,east; got {text!r}")
    return south, west, north, east


def _positive(env: Mapping[str, str], var: str, default: float) -> float:
    value = float(env.get(var) or default)
    if not value > 0:
        raise ValueError(f"{var} must be a positive number; got {env.get(var)!r}")
    return value


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from an environment mapping (``os.environ`` by default)."""
    env = os.environ if env is None else env
    home = Path(env.get("CITYBRAIN_HOME") or _xdg(env, "XDG_DATA_HOME", ".local/share"))
    cache_dir = Path(env.get("CITYBRAIN_CACHE_DIR") or _xdg(env, "XDG_CACHE_HOME", ".cache"))
    address_file = home / "broker" / "address"
    broker = env.get("CITYBRAIN_BROKER")
    if not broker:
        broker = address_file.read_text().strip() if address_file.exists() else "127.0.0.1:9092"
    return Settings(
        home=home,
        cache_dir=cache_dir,
        broker=broker,
        app_id=env.get("CITYBRAIN_APP_ID", "citybrain"),
        landing_dir=Path(env.get("CITYBRAIN_LANDING_DIR") or home / "landing"),
        warehouse_path=Path(
            env.get("CITYBRAIN_WAREHOUSE_PATH") or home / "warehouse" / "citybrain.duckdb"
        ),
        state_dir=Path(env.get("CITYBRAIN_STATE_DIR") or home / "state"),
        store=env.get("CITYBRAIN_STORE", "rocksdb://"),
        web_port=int(env.get("CITYBRAIN_WEB_PORT", "6066")),
        sink_web_port=int(env.get("CITYBRAIN_SINK_WEB_PORT", "6067")),
        hotspot_lateness_s=int(env.get("CITYBRAIN_HOTSPOT_LATENESS_S", "300")),
        kafka_version=env.get("CITYBRAIN_KAFKA_VERSION", "4.1.1"),
        jt808_auth_secret=env.get("CITYBRAIN_JT808_AUTH_SECRET") or None,
        area_bounds=_bounds(env.get("CITYBRAIN_AREA_BOUNDS", "30.2,120.1,30.3,120.2")),
        reference_dir=Path(env["CITYBRAIN_REFERENCE_DIR"])
        if env.get("CITYBRAIN_REFERENCE_DIR")
        else None,
        api_secret=env.get("CITYBRAIN_API_SECRET") or None,
        api_revoked=frozenset(
            t.strip() for t in env.get("CITYBRAIN_API_REVOKED", "").split(",") if t.strip()
        ),
        api_revoked_file=Path(env["CITYBRAIN_API_REVOKED_FILE"])
        if env.get("CITYBRAIN_API_REVOKED_FILE")
        else None,
        case_policy_path=Path(env["CITYBRAIN_CASE_POLICY"])
        if env.get("CITYBRAIN_CASE_POLICY")
        else None,
        vehicle_offline_s=_positive(env, "CITYBRAIN_VEHICLE_OFFLINE_S", 600.0),
        sweep_max_kmh=_positive(env, "CITYBRAIN_SWEEP_MAX_KMH", 15.0),
        sweep_over_s=_positive(env, "CITYBRAIN_SWEEP_OVER_S", 60.0),
        video_rules_path=Path(env["CITYBRAIN_VIDEO_RULES"])
        if env.get("CITYBRAIN_VIDEO_RULES")
        else None,
        gateway_max_connections=int(_positive(env, "CITYBRAIN_GATEWAY_MAX_CONNECTIONS", 10_000)),
        gateway_idle_timeout_s=_positive(env, "CITYBRAIN_GATEWAY_IDLE_TIMEOUT_S", 300.0),
        gateway_frame_timeout_s=_positive(env, "CITYBRAIN_GATEWAY_FRAME_TIMEOUT_S", 30.0),
        gateway_max_garbage_bytes=int(
            _positive(env, "CITYBRAIN_GATEWAY_MAX_GARBAGE_BYTES", 65_536)
        ),
        http_idle_timeout_s=_positive(env, "CITYBRAIN_HTTP_IDLE_TIMEOUT_S", 30.0),
        http_body_timeout_s=_positive(env, "CITYBRAIN_HTTP_BODY_TIMEOUT_S", 30.0),
        http_max_streams=int(_positive(env, "CITYBRAIN_HTTP_MAX_STREAMS", 100)),
        http_max_requests=int(_positive(env, "CITYBRAIN_HTTP_MAX_REQUESTS", 1024)),
        http_max_requests_per_client=int(
            _positive(env, "CITYBRAIN_HTTP_MAX_REQUESTS_PER_CLIENT", 256)
        ),
        web_url=env.get("CITYBRAIN_WEB_URL") or None,
        api_peer_timeout_s=_positive(env, "CITYBRAIN_API_PEER_TIMEOUT_S", 10.0),
        event_time_order_idle_s=_positive(env, "CITYBRAIN_EVENT_TIME_ORDER_IDLE_S", 0.0)
        if env.get("CITYBRAIN_EVENT_TIME_ORDER_IDLE_S")
        else None,
    )
