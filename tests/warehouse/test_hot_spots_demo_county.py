"""The study area decides whether the demo county's one-cell vending clusters are hot spots.

Counted straight from the demo day's rows (no warehouse): over the whole county the three
evening places are hot at 99 %; over the town's 112 grid cells alone, three isolated cells
holding most of the counts stay near z = 2 with k = 1 (three equal ones: 1.93, whatever their
counts), and none is significant after the FDR correction.
"""

from collections import Counter
from zoneinfo import ZoneInfo

import h3
import pytest

from citybrain.settings import load
from pipelines.scenarios.demo_county import build
from streams.intake.validate import RawMessage
from streams.sink.agents import rows_by_topic
from warehouse.cells import study_area_cells
from warehouse.hot_spots import gi_star_rows

LOCAL = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def demo_day():
    scenario = build()
    messages = [
        RawMessage(m.topic, 0, i, 0, m.value)
        for i, m in enumerate(scenario.messages)
        if m.valid and m.topic in ("detections.video", "reports.citizen")
    ]
    grouped, _ = rows_by_topic(messages)
    counts: Counter = Counter()
    for items in grouped.values():
        for row, _, _ in items:
            if row["category"] == "unlicensed_peddler":
                day = row["event_at"].astimezone(LOCAL).date()
                counts[(day, h3.latlng_to_cell(row["lat"], row["lng"], 9))] += 1
    places = {h3.latlng_to_cell(p["lat"], p["lng"], 9) for p in scenario.places if p["evening"]}
    rows = [(day, "unlicensed_peddler", cell, n) for (day, cell), n in counts.items()]
    return rows, places, scenario.grids, scenario.day


def place_results(rows, places, study_area, day):
    results = gi_star_rows(rows, study_area=study_area, keep_quiet_cells=True)
    return {r["h3_res9"]: r for r in results if r["period"] == day and r["h3_res9"] in places}


def test_over_the_county_the_places_are_hot_at_99_percent(demo_day):
    rows, places, grids, day = demo_day
    area = study_area_cells(grids, area_bounds=load().area_bounds)
    got = place_results(rows, places, area, day)
    assert {r["hot_spot_class"] for r in got.values()} == {"hot_99"}
    assert min(r["gi_star_z_score"] for r in got.values()) > 5


def test_over_the_town_alone_one_cell_clusters_stay_below_significance(demo_day):
    rows, places, grids, day = demo_day
    area = study_area_cells(grids, area_bounds=None)
    assert len(area) == 112
    got = place_results(rows, places, area, day)
    assert len(got) == 3
    assert {r["hot_spot_class"] for r in got.values()} == {"not_significant"}
    assert max(r["gi_star_z_score"] for r in got.values()) < 3
