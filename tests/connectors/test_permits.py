from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from citybrain.contracts import decode
from connectors.permits import (
    CITYBRAIN_EXPORT,
    SF_MOBILE_FOOD,
    Area,
    permit_messages,
    read_table,
)

COUNTY = Area(south=30.20, west=120.10, north=30.30, east=120.20)
SF = Area(south=37.6, west=-122.6, north=37.9, east=-122.3)
LOADED = datetime(2026, 7, 15, 1, 0, tzinfo=UTC)
SHARED = (
    Path(__file__).parents[3] / "shared" / "data" / "permits" / "Mobile_Food_Facility_Permit.csv"
)
ROUTE = "LINESTRING (120.12 30.21, 120.15 30.25, 120.18 30.28)"


def export_row(**change) -> dict:
    row = {
        "permit_id": "MT-2026-0001",
        "permit_type": "muck_transport",
        "holder": "云溪宏达渣土运输有限公司",
        "status": "active",
        "valid_from": "2026-07-01 00:00:00",
        "valid_to": "2026-12-31 00:00:00",
        "time_windows": "22:00-05:00",
        "plates": "浙A·12345,浙A·23456",
        "geometry": ROUTE,
    }
    return {**row, **change}


def load(*rows, mapping=CITYBRAIN_EXPORT, area=COUNTY):
    return permit_messages(rows, mapping=mapping, area=area, loaded_at=LOADED)


def test_a_muck_route_becomes_a_keyed_permit_version_in_utc():
    (message,), refused = load(export_row())
    assert refused == []
    key, value = message
    row = decode("permits", value)
    assert key == b"MT-2026-0001" and row["event_id"].startswith("MT-2026-0001@")
    assert row["valid_from"].isoformat() == "2026-06-30T16:00:00+00:00"  # Beijing midnight
    assert row["plates"] == "浙A·12345,浙A·23456" and row["geometry_wkt"].startswith("LINESTRING")
    assert (30.20 < row["lat"] < 30.30) and (120.10 < row["lng"] < 120.20)


def test_geojson_is_accepted_and_reloading_adds_no_version():
    geojson = (
        '{"type": "Polygon", "coordinates": [[[120.15, 30.25], [120.16, 30.25], '
        "[120.16, 30.26], [120.15, 30.25]]]}"
    )
    first, _ = load(export_row(permit_type="construction_site", geometry=geojson))
    again, _ = load(export_row(permit_type="construction_site", geometry=geojson))
    assert first == again


def test_revocations_are_a_revoked_version_then_a_tombstone():
    messages, _ = load(export_row(status="revoked"))
    assert [value is None for _, value in messages] == [False, True]
    assert orjson.loads(messages[0][1])["status"] == "revoked"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {
                "geometry": "POLYGON ((120.15 30.25, 120.16 30.26, 120.16 30.25, 120.15 30.26, "
                "120.15 30.25))"
            },
            "Self-intersection",
        ),
        ({"geometry": "POINT (121.5 31.2)"}, "outside the service area"),
        ({"geometry": "CIRCLE (1 2)"}, "neither WKT nor GeoJSON"),
        ({"geometry": ""}, "no geometry"),
        ({"valid_to": "someday"}, "matches none"),
        ({"time_windows": "25:00-26:00"}, "HH:MM-HH:MM"),
    ],
)
def test_bad_rows_are_refused_with_their_row_number_and_reason(change, reason):
    messages, refused = load(export_row(), export_row(**change))
    assert len(messages) == 1
    ((number, why, _),) = refused
    assert number == 3 and reason in why


def test_xlsx_and_csv_read_alike(tmp_path):
    from openpyxl import Workbook

    row = export_row()
    book = Workbook()
    book.active.append(list(row))
    book.active.append(list(row.values()))
    book.save(tmp_path / "permits.xlsx")
    assert read_table(tmp_path / "permits.xlsx") == [row]


def test_the_real_sf_street_vendor_export():
    if not SHARED.exists():
        pytest.skip("shared data not present")
    records = read_table(SHARED)
    messages, refused = load(*records, mapping=SF_MOBILE_FOOD, area=SF)
    reasons = {why.split(":")[0] for _, why, _ in refused}
    assert len(messages) + len(refused) == len(records) == 629
    assert "permit has no geometry" in reasons  # rows with 0,0 coordinates
    rows = [decode("permits", value) for _, value in messages]
    assert {r["permit_type"] for r in rows} == {"street_vendor"}
    assert {r["status"] for r in rows} <= {"active", "expired", "suspended"}
    sample = next(r for r in rows if r["permit_id"] == "21MFF-00106")
    assert sample["holder"] == "Datam SF LLC dba Anzu To You"
    assert sample["valid_to"].isoformat() == "2022-11-15T08:00:00+00:00"  # midnight in SF
    assert abs(sample["lat"] - 37.805885350100986) < 1e-9
