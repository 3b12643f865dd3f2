"""The dedup side: signals join open cases, fan out to nearby cells, survive re-delivery."""

import math
from collections import Counter
from datetime import UTC, datetime, timedelta

import h3
import pytest

from citybrain.geo import latlng_to_cell
from pipelines.scenarios.demo_county import build, geography
from pipelines.scenarios.demo_county.reference import export
from streams.cases.dedup import case_id_for, index_key
from streams.cases.digests import digest48
from streams.cases.grids import routing_from_reference
from streams.cases.places import PlaceIndex, unindex_message
from streams.cases.policy import CasePolicy
from streams.cases.signals import place_key, signal_cell
from streams.cases.wire import COMMANDS, PLACES

T0 = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
VENDOR = (30.2540, 120.1692)  # mid-grid 33019900100103 (云溪街道, squad E01)
M_PER_DEG_LAT = 111_195.0


def offset(point, *, north_m=0.0, east_m=0.0):
    lat, lng = point
    return (
        lat + north_m / M_PER_DEG_LAT,
        lng + east_m / (M_PER_DEG_LAT * math.cos(math.radians(lat))),
    )


def alert(n, point, *, category="unlicensed_peddler", source="video", severity="Minor", msg=1):
    lat, lng = point
    return {
        "signal_id": f"alert:cam-{n}",
        "message_id": f"cam-{n}.{msg}",
        "source": source,
        "channel": None,
        "category": category,
        "severity": severity,
        "lat": lat,
        "lng": lng,
        "at": (T0 + timedelta(seconds=n)).isoformat(),
        "title": "游商",
    }


@pytest.fixture(scope="module")
def routing(tmp_path_factory):
    directory = tmp_path_factory.mktemp("reference")
    export(build(scale=0.01), directory)
    return routing_from_reference(directory)


class Topic:
    """The dedup topic and its table in memory (the table of one partition)."""

    def __init__(self, routing, policy=None):
        self.tables: dict[str, dict] = {}
        self.routing, self.policy = routing, policy or CasePolicy()
        self.counts = Counter()
        self.offset = 0
        self.log: list[tuple[int, str, dict]] = []  # (offset, kafka key, message)

    def index(self):
        return PlaceIndex(
            self.tables.get, policy=self.policy, routing=self.routing, counts=self.counts
        )

    def send_signal(self, signal):
        key = place_key(category=signal["category"], cell=signal_cell(signal))
        return self.append(key, {"type": "signal", "signal": signal})

    def append(self, key, doc):
        self.log.append((self.offset, key, doc))
        self.offset += 1
        return self.offset - 1

    def run(self, start=0, *, write=True, reverse=False):
        """Process the log from ``start`` (one batch); messages to PLACES are appended."""
        index, commands = self.index(), []
        batch = [m for m in self.log if m[0] >= start]
        for _, key, doc in reversed(batch) if reverse else batch:
            for out in index.handle(doc, kafka_key=key):
                if out.topic == PLACES:
                    self.append(out.key, out.value)
                else:
                    assert out.topic == COMMANDS
                    commands.append(out.value)
        if write:
            self.tables.update({k: index.values[k] for k in index.dirty})
        return commands


def test_fifty_cameras_seeing_one_vendor_make_one_dispatchable_case(routing):
    topic = Topic(routing)
    for n in range(50):
        topic.send_signal(alert(n, offset(VENDOR, north_m=(n % 7) * 3, east_m=(n % 5) * 3)))
    commands = topic.run()
    assert [c["name"] for c in commands] == ["report"] + ["link"] * 49
    case_id = case_id_for(category="unlicensed_peddler", first_alert_id="alert:cam-0")
    assert {c["case_id"] for c in commands} == {case_id}
    report = commands[0]
    assert report["role"] == "system" and report["command_id"] == f"{case_id}:report"
    assert report["payload"]["grid_code"] == geography.grid_at(lat=VENDOR[0], lng=VENDOR[1]).code
    assert report["payload"]["suggested_department_id"] == "E01"  # 云溪街道 squad
    assert {c["payload"]["signal_id"] for c in commands} == {f"alert:cam-{n}" for n in range(50)}


def test_a_vendor_straddling_a_cell_border_is_one_case_in_either_order(routing):
    cell = latlng_to_cell(lat=VENDOR[0], lng=VENDOR[1])
    neighbour = sorted(h3.grid_ring(cell, 1))[0]
    lat_a, lng_a = h3.cell_to_latlng(cell)
    lat_b, lng_b = h3.cell_to_latlng(neighbour)
    # two points 20 m apart on either side of the shared edge
    mid = ((lat_a + lat_b) / 2, (lng_a + lng_b) / 2)
    towards = (lat_b - lat_a, lng_b - lng_a)
    scale = 10 / (h3.great_circle_distance((lat_a, lng_a), (lat_b, lng_b), unit="m"))
    side_a = (mid[0] - towards[0] * scale, mid[1] - towards[1] * scale)
    side_b = (mid[0] + towards[0] * scale, mid[1] + towards[1] * scale)
    assert latlng_to_cell(lat=side_a[0], lng=side_a[1]) != latlng_to_cell(
        lat=side_b[0], lng=side_b[1]
    )
    # both cells are in one res-6 area: one partition, so the fan-out is immediate
    assert place_key(category="x", cell=cell) == place_key(category="x", cell=neighbour)
    for first, second in ((side_a, side_b), (side_b, side_a)):
        topic = Topic(routing)
        topic.send_signal(alert(1, first))
        topic.send_signal(alert(2, second))
        commands = topic.run()
        assert [c["name"] for c in commands] == ["report", "link"]
        assert len({c["case_id"] for c in commands}) == 1


def test_signals_seen_again_resend_their_commands_and_change_nothing(routing):
    topic = Topic(routing)
    for n in range(5):
        topic.send_signal(alert(n, offset(VENDOR, east_m=n)))
    first = topic.run()
    tables = dict(topic.tables)
    # the tables were written, the sends may have been lost: the same commands again
    assert topic.run(start=0) == first
    assert topic.tables == tables
    topic.send_signal(alert(3, offset(VENDOR, east_m=3)))  # an upstream retry, new offset
    assert topic.run(start=topic.offset - 1) == [first[3]]
    assert topic.tables == tables


def test_an_update_of_a_placed_alert_is_the_same_sighting_and_sends_nothing(routing):
    topic = Topic(routing)
    topic.send_signal(alert(1, VENDOR))
    topic.send_signal(alert(2, VENDOR))
    first = topic.run()
    topic.send_signal(alert(1, VENDOR, severity="Severe", msg=2))  # the alert's update
    assert topic.run(start=topic.offset - 1) == []
    assert topic.counts["signal_updates"] == 1
    topic.send_signal(alert(2, VENDOR))  # the link's own message again: sent again
    assert topic.run(start=topic.offset - 1) == [first[1]]


def test_signals_decided_afresh_in_another_order_still_make_one_case(routing):
    topic = Topic(routing)
    for n in range(5):
        topic.send_signal(alert(n, offset(VENDOR, east_m=n)))
    first = topic.run(write=False)  # a crash before the table write: nothing was sent
    again = topic.run(reverse=True)  # after the restart faust delivers the last first
    assert [c["name"] for c in again] == ["report"] + ["link"] * 4
    assert len({c["case_id"] for c in again}) == 1
    assert again[0]["payload"]["signal_id"] == "alert:cam-4" != first[0]["payload"]["signal_id"]


def test_an_ended_case_leaves_the_index_and_the_next_sighting_opens_a_new_case(routing):
    topic = Topic(routing)
    topic.send_signal(alert(1, VENDOR))
    (report,) = topic.run()
    case_id = report["case_id"]
    key = index_key(
        category="unlicensed_peddler", cell=latlng_to_cell(lat=VENDOR[0], lng=VENDOR[1])
    )
    start = topic.offset
    # the command side unindexes every key within reach; here the own key is enough
    message = unindex_message(key, case_id)
    topic.append(message.key, message.value)
    # a late fan-out entry of the ended case must not bring it back
    entry = next(e for e in topic.tables[key]["cases"] if e["case_id"] == case_id)
    topic.append(message.key, {"type": "index", "key": key, "entry": entry})
    topic.send_signal(alert(2, VENDOR))
    commands = topic.run(start=start)
    assert [c["name"] for c in commands] == ["report"]
    assert commands[0]["case_id"] != case_id
    assert [e["case_id"] for e in topic.tables[key]["cases"]] == [commands[0]["case_id"]]
    assert topic.tables[key]["closed"] == [case_id]


def test_other_categories_and_far_places_open_their_own_cases(routing):
    topic = Topic(routing)
    topic.send_signal(alert(1, VENDOR))
    topic.send_signal(alert(2, VENDOR, category="illegal_parking"))
    topic.send_signal(alert(3, offset(VENDOR, north_m=400)))
    commands = topic.run()
    assert [c["name"] for c in commands] == ["report"] * 3
    departments = [c["payload"]["suggested_department_id"] for c in commands]
    assert departments == ["E01", "D04", "E01"]


def test_flood_severity_raises_urgency_and_links_are_capped(routing):
    topic = Topic(routing, CasePolicy(max_links_per_case=3))
    point = offset(VENDOR, north_m=-200)
    for n in range(6):
        topic.send_signal(
            alert(n, point, category="waterlogging", source="flood", severity="Extreme")
        )
    commands = topic.run()
    assert [c["name"] for c in commands] == ["report", "link", "link", "link"]
    assert commands[0]["payload"]["urgency"] == "emergency"
    assert commands[0]["payload"]["suggested_department_id"] == "D02"
    assert topic.counts["merged_without_event"] == 2


def test_the_index_remembers_signals_and_messages_by_digest_and_still_knows_plain_ids(routing):
    topic = Topic(routing)
    topic.send_signal(alert(1, VENDOR))
    topic.send_signal(alert(2, VENDOR))
    first = topic.run()
    key = index_key(
        category="unlicensed_peddler", cell=latlng_to_cell(lat=VENDOR[0], lng=VENDOR[1])
    )
    (entry,) = topic.tables[key]["cases"]
    assert entry["signal_ids"] == [digest48("alert:cam-1"), digest48("alert:cam-2")]
    assert entry["message_ids"] == [digest48("cam-1.1"), digest48("cam-2.1")]
    # an entry written before digests (plain ids) still recognises its signals
    topic.tables[key]["cases"] = [
        entry
        | {"signal_ids": ["alert:cam-1", "alert:cam-2"], "message_ids": ["cam-1.1", "cam-2.1"]}
    ]
    topic.send_signal(alert(2, VENDOR))  # the link's own message again: sent again, unchanged
    assert topic.run(start=topic.offset - 1) == [first[1]]
    topic.send_signal(alert(1, VENDOR, msg=2))  # an update: nothing
    assert topic.run(start=topic.offset - 1) == [] and topic.counts["signal_updates"] == 1
