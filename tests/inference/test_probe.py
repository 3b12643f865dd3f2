"""The nvdsanalytics src-pad probe on a fake pyds: ROI dwell attached as object labels."""

from __future__ import annotations

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
    assert walker.classifiers == unanalysed.classifiers == []
    assert (probe.objects_seen, probe.objects_in_roi) == (4, 2)


def test_streams_are_told_apart_by_pad_index_and_pts_is_the_fallback_clock():
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


def test_the_attached_labels_pass_the_connector_contract_in_a_minimal_message():
    from citybrain.contracts.video import Camera, minimal_rows
    from connectors.deepstream_minimal import minimal_message, object_text

    pyds = FakePyds()
    probe = DwellProbe(pyds=pyds, ok="ok", label_map={"car": "vehicle"})
    car = ObjectMeta(9, "car", confidence=0.75, rois=[f"r{n}" for n in range(6)])
    run(probe, pyds, [FrameMeta(0, S, [car])])
    attributes = [i.result_label for c in car.classifiers for i in c.labels]
    cameras = {"CAM-0001": Camera("CAM-0001", 30.25, 120.15)}
    # with and without the trailing confidence (msg2p-newapi layout)
    for tail, confidence in (([f"{car.confidence}"], 0.75), ([], 1.0)):
        text = object_text(
            tracking_id="9",
            bbox_px=(10, 20, 110, 220),
            label=car.obj_label,
            attributes=[*attributes, *tail],
        )
        message = minimal_message(
            frame_id=30, timestamp="2026-11-25T00:00:01.000Z", sensor_id="CAM-0001", objects=[text]
        )
        (row,) = minimal_rows(message, cameras=cameras)
        assert (row["label"], row["confidence"], row["camera_id"]) == (
            "vehicle",
            confidence,
            "CAM-0001",
        )
