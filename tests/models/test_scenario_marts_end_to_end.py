"""The seed's scenarios on a demo day: landing → SQLMesh → the marts find the planted truths.

One demo day (scale 0.25) is landed as the sink lands it: citizen reports, video
detections, permits, and the alerts the real video rules and vehicles core raise
on that day's detections and GPS fixes. The county's reference tables (grids,
vehicles, roads, garbage bins) are written where the workers read them; the
project is planned once. The truths planted by
:mod:`pipelines.scenarios.demo_county.planted` must come out: the two damaged
road segments on top, the bin-less garbage black spot flagged, the ad company
with repeated violations scored lowest, the muck company and its site scored.
"""

from collections import Counter
from datetime import UTC, datetime

import h3
import pytest

from citybrain.contracts import decode, decode_rows, encode_row, gps, video
from citybrain.geo import haversine_m
from pipelines.scenarios.demo_county import build, planted
from pipelines.scenarios.demo_county.clock import LOCAL
from pipelines.scenarios.demo_county.infrastructure import binless_grid_centre
from pipelines.scenarios.demo_county.reference import export
from streams.intake.validate import RawMessage
from streams.sink.agents import rows_by_topic
from streams.vehicles.fleet import Fleet
from streams.video.core import VideoRules
from tests.models.marts_landing import plan_project, write_rows
from warehouse.landing import LandingWriter

DAY = datetime(2026, 7, 15).date()
PERMITS_AT = datetime(2026, 7, 14, 16, 0, tzinfo=UTC)  # inside the project's start (2026-07-01)
LANDED_AT = datetime(2026, 7, 16, tzinfo=UTC)
SNAP_M = 50.0


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("citybrain-home")
    scenario = build(scale=0.25)
    sources = [
        RawMessage(m.topic, 0, i, 0, m.value)
        for i, m in enumerate(scenario.messages)
        if m.valid and m.topic in ("reports.citizen", "permits", video.TOPIC)
    ]
    grouped, skipped = rows_by_topic(sources)
    assert skipped == 0
    detections = [
        r for m in scenario.messages if m.valid and m.topic == video.TOPIC
        for r in decode_rows(video.TOPIC, m.value)
    ]  # fmt: skip
    video_alerts, _ = VideoRules(cameras=scenario.cameras, permits=scenario.permits).replay(
        detections
    )
    fixes = [
        decode(gps.TOPIC, m.value) for m in scenario.messages if m.topic == gps.TOPIC and m.valid
    ]
    _, muck_alerts, _ = Fleet(
        vehicles=scenario.vehicles, permits=scenario.permits, zones=scenario.zones
    ).replay(fixes)
    alerts = [
        RawMessage("alerts", 0, o, 0, encode_row(a))
        for o, a in enumerate([*video_alerts, *muck_alerts])
    ]
    alert_rows, skipped = rows_by_topic(alerts)
    assert skipped == 0
    writer = LandingWriter(home / "landing")
    tables = {
        "reports.citizen": [r for r, _, _ in grouped["reports.citizen"]],
        video.TOPIC: [r for r, _, _ in grouped[video.TOPIC]],
        "permits": [{**r, "event_at": PERMITS_AT} for r, _, _ in grouped["permits"]],
        "alerts": [r for r, _, _ in alert_rows["alerts"]],
    }
    for topic, rows in tables.items():
        write_rows(writer, topic, rows, landed_at=LANDED_AT)
    export(scenario, home / "reference")
    con = plan_project(home)
    yield scenario, tables, video_alerts, muck_alerts, con
    con.close()


def segment_distance_m(*, lat: float, lng: float, line_wkt: str) -> float:
    """Distance to a two-point segment by sampling it every metre (independent of the model)."""
    body = line_wkt[line_wkt.index("(") + 1 : -1]
    (lng1, lat1), (lng2, lat2) = (tuple(map(float, p.split())) for p in body.split(","))
    length = haversine_m(lat1=lat1, lng1=lng1, lat2=lat2, lng2=lng2)
    steps = int(length) + 1
    return min(
        haversine_m(
            lat1=lat, lng1=lng, lat2=lat1 + (lat2 - lat1) * k / steps,
            lng2=lng1 + (lng2 - lng1) * k / steps,
        )
        for k in range(steps + 1)
    )  # fmt: skip


def test_damaged_segments_are_the_planted_ones_and_counts_are_the_snapped_reports(demo):
    scenario, tables, *_, con = demo
    expected: Counter = Counter()
    for row in tables["reports.citizen"]:
        if row["category"] != "road_damage":
            continue
        near = {
            s["road_segment_id"]: segment_distance_m(
                lat=row["lat"], lng=row["lng"], line_wkt=s["line_wkt"]
            )
            for s in scenario.roads
        }
        best = min(near, key=near.get)
        if near[best] <= SNAP_M - 0.5:  # clear of the threshold
            expected[best] += 1
    got = con.execute(
        "SELECT road_segment_id, report_count, distinct_location_count, reports_per_km,"
        " damage_rank, length_m, report_year FROM marts.road_damage_by_segment_year"
        " ORDER BY damage_rank, road_segment_id"
    ).fetchall()
    assert len(got) == len(scenario.roads) and {g[6] for g in got} == {2026}
    counts = {g[0]: g[1] for g in got}
    for segment_id, n in expected.items():
        assert counts[segment_id] >= n
    assert sum(counts.values()) - sum(expected.values()) <= 2  # only reports right at 50 m differ
    assert [g[0] for g in got[:2]] == list(planted.ROAD_DAMAGE)  # the planted segments lead
    for segment_id, n in planted.ROAD_DAMAGE.items():
        row = next(g for g in got if g[0] == segment_id)
        assert row[1] >= n and row[2] >= n  # planted reports lie 40+ m apart along the segment
        assert row[3] == pytest.approx(row[1] / (row[5] / 1000))


def test_every_garbage_incident_knows_its_nearest_bin(demo):
    scenario, tables, *_, con = demo
    got = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT report_id, nearest_bin_id, nearest_bin_distance_m, bins_within_100m_count"
            " FROM marts.exposed_garbage_nearest_bin_by_incident"
        ).fetchall()
    }
    reports = [r for r in tables["reports.citizen"] if r["category"] == "exposed_garbage"]
    assert set(got) == {r["event_id"] for r in reports}
    for row in reports:
        distances = {
            b["bin_id"]: haversine_m(lat1=row["lat"], lng1=row["lng"], lat2=b["lat"], lng2=b["lng"])
            for b in scenario.garbage_bins
        }
        bin_id, distance_m, within = got[row["event_id"]]
        assert distance_m == pytest.approx(min(distances.values()), abs=0.5)
        assert distances[bin_id] == pytest.approx(min(distances.values()), abs=0.5)
        assert within == sum(d <= 100 for d in distances.values() if abs(d - 100) > 0.5) or (
            any(abs(d - 100) <= 0.5 for d in distances.values())
        )


def test_the_binless_black_spot_is_flagged(demo):
    *_, con = demo
    lat, lng = binless_grid_centre()
    cell = h3.latlng_to_cell(lat, lng, 9)
    got = con.execute(
        "SELECT h3_res9, garbage_count, bins_in_cell_count, bins_nearby_count,"
        " mean_nearest_bin_distance_m, is_high_garbage_few_bins"
        " FROM marts.exposed_garbage_bins_by_cell_period"
        " WHERE period_grain = 'day' AND period_start_date_local = ?",
        [DAY],
    ).fetchall()
    spot = next(g for g in got if g[0] == cell)
    assert spot[1] >= planted.GARBAGE_REPORTS * 0.6  # the planted reports (a few may cross cells)
    assert spot[2] == 0 and spot[3] == 0 and spot[4] > 200
    assert spot[5] is True
    assert max(got, key=lambda g: g[1])[0] == cell
    flagged = [g for g in got if g[5]]
    assert all(g[3] <= 1 for g in flagged) and len(flagged) <= 3


def test_the_ad_company_with_repeated_violations_scores_lowest(demo):
    _, tables, video_alerts, _, con = demo
    planted_ad = next(a for a in video_alerts if "PLANT-unpermitted_ad" in a["alert_id"])
    violation = con.execute(
        "SELECT company, violation_type, matched_permit_id, deduction_points, finding_source"
        " FROM marts.outdoor_ad_violations WHERE finding_id = ?",
        [planted_ad["alert_id"]],
    ).fetchone()
    assert violation == (planted.AD_COMPANY, "expired_permit_ad", "OU-2025-P002", 20, "video")
    reported = con.execute(
        "SELECT COUNT(*) FROM marts.outdoor_ad_violations WHERE company = ?"
        " AND violation_type = 'unpermitted_ad' AND finding_source = 'report'",
        [planted.AD_COMPANY],
    ).fetchone()[0]
    assert reported >= planted.AD_REPORTS
    scores = con.execute(
        "SELECT company, violation_count, deduction_points, credit_score, credit_grade"
        " FROM marts.outdoor_ad_credit_by_company_month ORDER BY credit_score, company"
    ).fetchall()
    worst = scores[0]
    assert worst[0] == planted.AD_COMPANY
    assert worst[3] == max(0, 100 - worst[2]) and worst[2] >= 20 + 10 * planted.AD_REPORTS
    assert worst[4] == "D"
    ad_holders = {r["holder"] for r in tables["permits"] if r["permit_type"] == "outdoor_ad"}
    assert {s[0] for s in scores} == ad_holders
    assert all(s[3] == max(0, 100 - s[2]) for s in scores)


def test_every_ad_permit_is_a_sampling_point_with_the_violations_matched_to_it(demo):
    _, tables, video_alerts, _, con = demo
    got = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT permit_id, company, permit_status, covered_finding_count, violation_count,"
            " expired_permit_ad_count, unpermitted_ad_count"
            " FROM marts.outdoor_ad_sampling_points_by_permit_month"
        ).fetchall()
    }
    ads = {r["permit_id"] for r in tables["permits"] if r["permit_type"] == "outdoor_ad"}
    assert set(got) == ads  # one local month of findings: one row per permit
    # the video rules do not alert on the permitted ad: the mart has nothing to cover there
    assert not any("PLANT-permitted_ad" in a["alert_id"] for a in video_alerts)
    assert got["OU-2025-P002"][1:] == ("expired", 0, 1, 1, 0)
    assert got["OU-2026-P003"][0] == planted.AD_COMPANY
    assert got["OU-2026-P003"][3] == got["OU-2026-P003"][5] >= planted.AD_REPORTS
    total = con.execute(
        "SELECT COUNT(*) FROM marts.outdoor_ad_violations WHERE matched_permit_id IS NOT NULL"
    ).fetchone()[0]
    assert sum(v[3] for v in got.values()) == total


def test_muck_credit_deducts_per_rule_for_company_and_site(demo):
    scenario, _, _, muck_alerts, con = demo
    assert sorted(a["level"] for a in muck_alerts) == ["off_route", "off_route", "outside_window"]
    truck = next(v for v in scenario.vehicles if v.get("violation") == "off_route")
    got = con.execute(
        "SELECT company, violation_count, off_route_count, outside_window_count, credit_score"
        " FROM marts.muck_transport_credit_by_company_month ORDER BY company"
    ).fetchall()
    by_company = {g[0]: g[1:] for g in got}
    assert by_company[truck["owner"]] == (3, 2, 1, 70)  # 100 - 2 x 10 - 10
    assert all(v[3] == 100 for c, v in by_company.items() if c != truck["owner"])
    site = con.execute(
        "SELECT site_holder, violation_count, off_route_count, credit_score, credit_grade"
        " FROM marts.muck_transport_credit_by_site_month WHERE site_permit_id = ?",
        [planted.SITE_PERMIT_ID],
    ).fetchone()
    assert site[0] == planted.SITE_HOLDER
    assert site[1] >= 2 and site[2] == 2 and site[3] == 100 - 10 * site[1] and site[4] != "A"


def test_class_trend_counts_the_classed_categories(demo):
    _, tables, *_, con = demo
    got = dict(
        con.execute(
            "SELECT gbt_class_code, incident_count FROM marts.incident_trend_by_gbt_class_period"
            " WHERE period_grain = 'day' AND period_start_date_local = ?",
            [DAY],
        ).fetchall()
    )
    reports = Counter(
        r["category"]
        for r in tables["reports.citizen"]
        if r["event_at"].astimezone(LOCAL).date() == DAY
    )
    videos = Counter(
        r["category"]
        for r in tables[video.TOPIC]
        if r["category"] and r["event_at"].astimezone(LOCAL).date() == DAY
    )
    assert got["01-10"] == reports["exposed_garbage"] + videos["exposed_garbage"]
    assert got["01-13"] == reports["road_damage"]
    assert got["02-01"] == reports["illegal_small_ads"] + videos["illegal_small_ads"]
    assert "waterlogging" not in got and all("-" in code for code in got)
