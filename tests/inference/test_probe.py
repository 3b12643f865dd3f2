"""The nvdsanalytics src-pad probe on a fake pyds: ROI dwell attached as object labels."""

from __future__ import annotations

from citybrain.contracts.video import Camera, minimal_rows
from connectors.deepstream_minimal import minimal_message
from inference.dwell import DwellClock, parse_roi_attribute
from inference.probe import DWELL_COMPONENT_ID, MAX_ROI_ATTRIBUTES, DwellProbe
from tests.inference.fake_deepstream import (
    BatchMeta,
    Buffer,
    FakeGst,
    FakePyds,
    FrameMeta,
    ObjectMeta,
    ProbeInfo,
)

S = 1_000_000_000  # ns


def run(probe: DwellProbe, pyds: FakePyds, frames: list[FrameMeta]):
    buffer = Buffer()
    pyds.batches[hash(buffer)] = BatchMeta(frames)
    return probe(None, ProbeInfo(buffer), None)


def labels(obj: ObjectMeta) -> list[tuple[str, float] | None]:
    return [parse_roi_attribute(i.result_label) for c in obj.classifiers for i in c.labels]


def test_dwell_per_roi_is_attached_to_each_object_in_a_roi():
    pyds = FakePyds()
    probe = DwellProbe(pyds=pyds, ok=FakeGst.PadProbeReturn.OK, clock=DwellClock(forget_after_s=60))
    first = ObjectMeta(5, "vehicle", rois=["no_parking"])
    assert run(probe, pyds, [FrameMeta(2, 100 * S, [first])]) == "ok"
    car = ObjectMeta(5, "vehicle", confidence=0.9, rois=["no_parking", "watch"])
    walker = ObjectMeta(6, "street_vendor", rois=[])
    unanalysed = ObjectMeta(7, "small_ad", rois=None)
    run(probe, pyds, [FrameMeta(2, 142 * S, [car, walker, unanalysed])])
    assert labels(first) == [("no_parking", 0.0)]
    assert labels(car) == [("no_parking", 42.0), ("watch", 0.0)]
    (classifier,) = car.classifiers
    assert classifier.unique_component_id == DWELL_COMPONENT_ID
    assert classifier.num_labels == 2
    assert {i.result_prob for i in classifier.labels} == {0.9}
    # objects in no ROI get an empty classifier, so nvmsgconv still writes their confidence
    assert [c.labels for c in walker.classifiers + unanalysed.classifiers] == [[], []]
    assert (probe.objects_seen, probe.objects_in_roi) == (4, 2)


def test_streams_are_told_apart_by_source_id_and_pts_is_the_fallback_clock():
    pyds = FakePyds()
    probe = DwellProbe(pyds=pyds, ok="ok", clock=DwellClock(forget_after_s=60))
    run(probe, pyds, [FrameMeta(0, 0, [ObjectMeta(1, "vehicle", rois=["r"])], buf_pts=10 * S)])
    a = ObjectMeta(1, "vehicle", rois=["r"])
    b = ObjectMeta(1, "vehicle", rois=["r"])
    run(probe, pyds, [FrameMeta(0, 0, [a], buf_pts=40 * S), FrameMeta(1, 0, [b], buf_pts=40 * S)])
    assert (labels(a), labels(b)) == ([("r", 30.0)], [("r", 0.0)])


def test_stand_in_labels_are_renamed_before_the_clock_sees_them():
    pyds = FakePyds()
    probe = DwellProbe(pyds=pyds, ok="ok", label_map={"car": "vehicle"})
    car = ObjectMeta(1, "car", rois=["no_parking"])
    person = ObjectMeta(2, "person", rois=["no_parking"])
    run(probe, pyds, [FrameMeta(0, 5 * S, [car, person])])
    assert (car.obj_label, person.obj_label) == ("vehicle", "person")


def test_at_most_four_roi_labels_and_empty_buffers_pass():
    pyds = FakePyds()
    probe = DwellProbe(pyds=pyds, ok="ok")
    many = ObjectMeta(1, "vehicle", rois=[f"r{n}" for n in range(6)])
    run(probe, pyds, [FrameMeta(0, S, [many])])
    assert len(labels(many)) == MAX_ROI_ATTRIBUTES == 4
    assert probe(None, ProbeInfo(None), None) == "ok"
    assert probe(None, ProbeInfo(Buffer()), None) == "ok"  # no batch meta on it
    assert probe.objects_seen == 1


def newapi_object_text(obj: ObjectMeta) -> str:
    """The object string as generate_dsmeta_message_minimal writes it (msg2p-newapi)."""
    text = f"{obj.object_id}|10|20|110|220|{obj.obj_label}"
    if obj.classifiers:
        labels = [i.result_label for c in obj.classifiers for i in c.labels]
        text += "|#" + "".join(f"|{label}" for label in labels) + f"|{obj.confidence}"
    return text


def test_the_published_objects_pass_the_connector_contract_with_their_confidence():
    pyds = FakePyds()
    probe = DwellProbe(pyds=pyds, ok="ok", label_map={"car": "vehicle"})
    car = ObjectMeta(9, "car", confidence=0.75, rois=[f"r{n}" for n in range(6)])
    ad = ObjectMeta(10, "small_ad", confidence=0.5, rois=[])
    run(probe, pyds, [FrameMeta(0, S, [car, ad])])
    message = minimal_message(
        frame_id=30,
        timestamp="2026-11-25T00:00:01.000Z",
        sensor_id="CAM-0001",
        objects=[newapi_object_text(car), newapi_object_text(ad)],
    )
    assert message["objects"][1] == "10|10|20|110|220|small_ad|#|0.5"
    cameras = {"CAM-0001": Camera("CAM-0001", 30.25, 120.15)}
    rows = minimal_rows(message, cameras=cameras)
    assert [(r["label"], r["category"], r["confidence"]) for r in rows] == [
        ("vehicle", None, 0.75),  # a vehicle is only an incident once the rules say it parked
        ("small_ad", "illegal_small_ads", 0.5),
    ]
