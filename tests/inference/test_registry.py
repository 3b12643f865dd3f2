"""Camera registry rows → the pipeline's sources: stream ids, URIs, ROIs, refusals."""

from __future__ import annotations

import pytest

from citybrain.reference import ReferenceError
from inference.registry import (
    NO_PARKING_ROI,
    WATCH_ROI,
    camera_by_stream,
    sources_from_rows,
)


def row(camera_id: str, **extra):
    return {"camera_id": camera_id, "lat": 30.25, "lng": 120.15, **extra}


def test_stream_ids_follow_camera_id_order_and_map_back():
    sources = sources_from_rows([row("CAM-0003"), row("CAM-0001"), row("CAM-0002")])
    assert [s.stream_id for s in sources] == [0, 1, 2]
    assert camera_by_stream(sources) == {0: "CAM-0001", 1: "CAM-0002", 2: "CAM-0003"}


def test_uri_from_the_row_else_the_template():
    sources = sources_from_rows(
        [row("A", uri="file:///videos/a.mp4"), row("B")], uri_template="rtsp://nvr:554/{camera_id}"
    )
    assert [s.uri for s in sources] == ["file:///videos/a.mp4", "rtsp://nvr:554/B"]


def test_single_roi_is_labelled_by_the_no_parking_flag():
    (watch,) = sources_from_rows([row("A", roi_px="[[1, 2], [3, 4], [5, 6]]")])
    (parking,) = sources_from_rows([row("A", roi_px=[[1, 2], [3, 4], [5, 6]], no_parking=True)])
    assert [r.label for r in watch.rois] == [WATCH_ROI]
    assert [r.label for r in parking.rois] == [NO_PARKING_ROI]
    assert watch.rois[0].polygon_px == ((1, 2), (3, 4), (5, 6))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"roi_px": "[[1, 2], [3, 4]]"}, "3 or more"),
        ({"roi_px": "[[1, 2], [3, 4], [5"}, "not JSON"),
        ({"roi_px": [[-1, 2], [3, 4], [5, 6]]}, "negative"),
        ({"rois": [{"label": "a b", "polygon_px": [[1, 2], [3, 4], [5, 6]]}]}, "label"),
        (
            {"rois": [{"label": "z", "polygon_px": [[0, 0], [1, 0], [1, 1]]}] * 2},
            "repeat",
        ),
        ({"lines": [{"label": "g", "direction_px": [[0, 0]], "line_px": [[0, 0], [1, 1]]}]}, "2"),
    ],
)
def test_malformed_regions_name_the_camera(extra, message):
    with pytest.raises(ReferenceError, match=message) as err:
        sources_from_rows([row("CAM-9", **extra)])
    assert "CAM-9" in str(err.value)


def test_more_than_fifty_cameras_or_duplicate_ids_are_refused():
    with pytest.raises(ReferenceError, match="at most 50"):
        sources_from_rows([row(f"C{n}") for n in range(51)])
    with pytest.raises(ReferenceError, match="unique"):
        sources_from_rows([row("C1"), row("C1")])
