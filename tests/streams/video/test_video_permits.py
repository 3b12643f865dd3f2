from streams.video.permits import PermitChecks
from tests.streams.video.conftest import LAT, LNG, T0

DAY = "2026-07-01T00:00:00+00:00", "2026-12-31T00:00:00+00:00"
DEG_PER_M = 1 / 111_195


def permit(permit_id, permit_type, *, lat=LAT, lng=LNG, status="active", windows="", wkt=None):
    return {
        "permit_id": permit_id,
        "permit_type": permit_type,
        "status": status,
        "valid_from": DAY[0],
        "valid_to": DAY[1],
        "time_windows": windows,
        "geometry_wkt": wkt or f"POINT ({lng} {lat})",
        "lat": lat,
        "lng": lng,
    }


def square(half_deg):
    w, e, s, n = LNG - half_deg, LNG + half_deg, LAT - half_deg, LAT + half_deg
    return f"POLYGON (({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"


AT_S = T0.timestamp()  # 18:00 local


def test_an_ad_without_a_permit_within_thirty_metres_is_unpermitted():
    checks = PermitChecks([permit("AD-1", "outdoor_ad", lat=LAT + 40 * DEG_PER_M)])
    assert checks.check("illegal_small_ads", lat=LAT, lng=LNG, at_s=AT_S)[:2] == (
        "alert",
        "unpermitted_ad",
    )
    near = PermitChecks([permit("AD-1", "outdoor_ad", lat=LAT + 20 * DEG_PER_M)])
    assert near.check("illegal_small_ads", lat=LAT, lng=LNG, at_s=AT_S) == (
        "legal",
        "permitted_ad",
        ["AD-1"],
    )
    revoked = PermitChecks([permit("AD-1", "outdoor_ad", status="revoked")])
    assert revoked.check("illegal_small_ads", lat=LAT, lng=LNG, at_s=AT_S)[1] == "unpermitted_ad"


def test_parking_inside_a_permitted_space_is_legal_only_in_its_time_window():
    checks = PermitChecks([permit("PA-1", "parking", windows="17:00-19:30")])
    assert checks.check("illegal_parking", lat=LAT, lng=LNG, at_s=AT_S)[0] == "legal"
    assert checks.check("illegal_parking", lat=LAT, lng=LNG, at_s=AT_S + 2 * 3600)[:2] == (
        "alert",
        "no_parking",
    )
    far = LAT + 30 * DEG_PER_M
    assert checks.check("illegal_parking", lat=far, lng=LNG, at_s=AT_S)[0] == "alert"


def test_materials_at_a_site_without_a_valid_permit_are_an_alert():
    expired = permit("CO-1", "construction_site", status="expired", wkt=square(0.001))
    checks = PermitChecks([expired])
    assert checks.check("piled_materials", lat=LAT, lng=LNG, at_s=AT_S) == (
        "alert",
        "construction_without_permit",
        ["CO-1"],
    )
    valid = PermitChecks([permit("CO-2", "construction_site", wkt=square(0.001))])
    assert valid.check("piled_materials", lat=LAT, lng=LNG, at_s=AT_S)[:2] == (
        "legal",
        "permitted_site",
    )
    assert valid.check("piled_materials", lat=LAT + 0.01, lng=LNG, at_s=AT_S)[1] == (
        "piled_materials"
    )


def test_a_bad_permit_row_is_left_out_with_its_reason():
    checks = PermitChecks([permit("CO-9", "construction_site", wkt="POINT (1 2)")])
    assert checks.unusable and checks.unusable[0].startswith("CO-9")
    assert checks.check("unlicensed_peddler", lat=LAT, lng=LNG, at_s=AT_S)[1] == "persistent"
