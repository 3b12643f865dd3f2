"""The SQLMesh project on its second gateway, PostgreSQL: unit tests, then the same marts.

One landing (the case and flood fixture, a demo-county vehicle day and two demo-county
incident days, landed as the sink lands them) is planned on the duckdb gateway and, copied
into a throwaway PostgreSQL server by the loader, on the postgres gateway; every mart must
hold the same rows on both.
"""

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from citybrain.contracts import decode, encode_row, gps
from citybrain.reference import write_tables
from citybrain.settings import load
from pipelines.plan import run_plan
from pipelines.scenarios.demo_county import build
from pipelines.scenarios.demo_county.reference import export
from streams.intake.validate import RawMessage
from streams.vehicles.fleet import Fleet
from tests.models.marts_landing import (
    ROOT,
    case_events,
    land,
    land_incident_days,
    run_sqlmesh,
    storm,
)
from tests.models.test_sqlmesh_project import UNIT_TESTS
from warehouse.landing import LandingWriter
from warehouse.pg_load import LOADED_FILES, load_all

MODELS = {
    "staging": "staging",
    "intermediate": "intermediate",
    "marts": "marts",
    "seeds": "reference",
}
TABLES = sorted(
    f"{schema}.{p.stem}"
    for folder, schema in MODELS.items()
    for p in (ROOT / "models" / folder).iterdir()
    if p.suffix in (".sql", ".py")
)
T0 = datetime(2026, 7, 15, 6, 0, tzinfo=UTC)
CELL = "89309a42c5bffff"  # (30.25, 120.15), res 9


def test_sqlmesh_unit_tests_pass_on_postgres(tmp_path, postgres):
    output = run_sqlmesh(tmp_path, "--gateway", "postgres", "test", **postgres.env())
    assert f"Successfully Ran `{UNIT_TESTS}` Tests Against `postgres`" in output, output


def land_everything(home: Path) -> None:
    """Cases and a flood storm, a vehicle day (scale 0.25), two incident days with permits."""
    readings, alerts = storm()
    first = case_events()[0]
    road_case = {  # a reported road-damage case 20 m off 人民路 (the road-case snapping model)
        **first,
        "event_id": "road-1:1",
        "case_id": "road-1",
        "command_id": "cmd-road-1-1",
        "payload": {**first["payload"], "category": "road_damage", "lat": 30.24418, "lng": 120.145},
    }
    messages = [
        RawMessage("cases.events", 0, o, 0, encode_row(e))
        for o, e in enumerate([*case_events(), road_case])
    ]
    messages += [
        RawMessage("hydro.readings", 0, o, 0, encode_row(r)) for o, r in enumerate(readings)
    ]
    messages += [RawMessage("alerts", 1, o, 0, encode_row(doc)) for o, doc in enumerate(alerts)]
    vehicle_day = build(scale=0.25)
    fixes = [
        decode(gps.TOPIC, m.value) for m in vehicle_day.messages if m.topic == gps.TOPIC and m.valid
    ]
    fleet = Fleet(
        vehicles=vehicle_day.vehicles, permits=vehicle_day.permits, zones=vehicle_day.zones
    )
    _, vehicle_alerts, _ = fleet.replay(fixes)
    messages += [RawMessage(gps.TOPIC, 0, o, 0, encode_row(r)) for o, r in enumerate(fixes)]
    messages += [
        RawMessage("alerts", 0, o, 0, encode_row(doc)) for o, doc in enumerate(vehicle_alerts)
    ]
    land(home / "landing", messages)
    writer = LandingWriter(home / "landing")
    land_incident_days(writer)
    land_edge_cases(writer)
    export(build(day=date(2026, 7, 15)), home / "reference")
    write_tables(home / "reference", {"vehicles": vehicle_day.vehicles})


def land_edge_cases(writer: LandingWriter) -> None:
    """Rows the demo never makes: stream windows, a dead letter, a sweeper's breach, bare JSON."""
    windows = [
        {
            "event_id": f"w-{i}",
            "event_at": T0,
            "window_s": 3600,
            "window_start_at": T0,
            "window_end_at": T0.replace(hour=7),
            "h3_res9": CELL,
            "category": "illegal_parking",
            "source_topic": "detections.video",
            "source_partition": i,
            "event_count": 2 + i,
            "closed_at": T0.replace(hour=7, minute=5),
        }
        for i in range(3)
    ]
    writer.write("hotspots", windows, partitions=[0, 0, 0], offsets=[0, 1, 2], landed_at=T0)
    rejected = {
        "event_id": "gps.fixes:0:7",
        "event_at": T0,
        "source_topic": "gps.fixes",
        "source_partition": 0,
        "source_offset": 7,
        "reason": "lat out of range",
        "raw_base64": "e30=",
    }
    writer.write("gps.fixes.rejected", [rejected], partitions=[0], offsets=[7], landed_at=T0)
    alert = {
        "event_at": T0,
        "msg_type": "Alert",
        "source": "vehicles",
        "severity": "Minor",
        "sent_at": T0,
        "lat": 30.25,
        "lng": 120.15,
    }
    speeding = {
        "vehicle": {"vehicle_id": "edge-sweeper", "plate": "浙A·99999"},
        "evidence": [{"speed_kmh": 20.5}, {"speed_kmh": 26.0}, {"speed_kmh": 23.0}],
        "limit": {"max_kmh": 15.0, "over_s": 60.0},
    }
    no_permits = {"vehicle": {"vehicle_id": "edge-truck"}, "zones": [{"zone_id": "Z-1"}]}
    alerts = [
        {
            **alert,
            "event_id": "edge-speeding.1",
            "alert_id": "edge-speeding",
            "category": "other",
            "level": "sweep_speeding",
            "title": "环卫车辆作业超速",
            "details_json": json.dumps(speeding, ensure_ascii=False),
        },
        {
            **alert,
            "event_id": "edge-muck.1",
            "alert_id": "edge-muck",
            "category": "construction_waste",
            "level": "forbidden_zone",
            "title": "渣土车驶入禁行区域",
            "details_json": json.dumps(no_permits),
        },
    ]
    writer.write("alerts", alerts, partitions=[2, 2], offsets=[0, 1], landed_at=T0)


def normal(value):
    """A cell in a form both engines' drivers agree on (floats to 9 significant digits)."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.9g}")
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [normal(v) for v in value]
    return value


def rows_of(cursor, table: str) -> list[tuple]:
    cursor.execute(f"SELECT * FROM {table}")
    names = [d[0] for d in cursor.description]
    rows = []
    for row in cursor.fetchall():
        cells = []
        for name, value in zip(names, row, strict=True):
            if name.endswith("_json") and isinstance(value, str):
                value = normal(json.loads(value))  # 120.0 and 120 are one JSON number
            cells.append(normal(value))
        rows.append(tuple(cells))
    return sorted(rows, key=repr)


@pytest.fixture(scope="module")
def both(tmp_path_factory, postgres):
    home = tmp_path_factory.mktemp("citybrain-home")
    land_everything(home)
    settings = load({"HOME": str(home), "CITYBRAIN_HOME": str(home)})
    on_duckdb = run_plan(settings)
    on_postgres = run_plan(settings, gateway="postgres", pg=postgres)
    duck = duckdb.connect(str(settings.warehouse_path), read_only=True)
    pg = postgres.connect()
    yield settings, on_duckdb, on_postgres, duck, pg
    pg.close()
    duck.close()


def test_the_loader_copies_every_landed_file_once(both, postgres):
    settings, _, on_postgres, duck, pg = both
    assert on_postgres.loaded_files > 0
    again = load_all(
        postgres, landing_dir=settings.landing_dir, reference_dir=settings.reference_path
    )
    assert again.files == {} and again.skipped_files == on_postgres.loaded_files
    with pg.cursor() as cur:
        cur.execute(f"SELECT COUNT(*), SUM(row_count) FROM {LOADED_FILES}")
        files, rows = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM landing.gps_fixes")
        gps_rows = cur.fetchone()[0]
    assert files == on_postgres.loaded_files
    assert gps_rows == duck.execute("SELECT COUNT(*) FROM landing.gps_fixes").fetchone()[0] > 0
    assert rows > gps_rows


@pytest.mark.parametrize("table", TABLES)
def test_every_model_holds_the_same_rows_on_both_gateways(both, table):
    _, _, _, duck, pg = both
    with pg.cursor() as cur:
        on_postgres = rows_of(cur, table)
    on_duckdb = rows_of(duck.cursor(), table)
    assert len(on_postgres) == len(on_duckdb)
    assert on_postgres == on_duckdb


def test_the_fixture_reaches_every_model(both):
    _, on_duckdb, on_postgres, duck, _ = both
    empty = [t for t in TABLES if duck.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] == 0]
    assert empty == []
    assert on_postgres.mart_rows == on_duckdb.mart_rows
