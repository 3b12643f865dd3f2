"""Detector labels: the nvinfer labels file and stand-in models' label maps.

The citybrain detector's classes are the keys of
:data:`citybrain.contracts.video.LABEL_TO_CATEGORY`, in that order (class id =
line number, from 0), so the labels nvmsgconv publishes are the labels the
connector maps to categories. Stand-in models (NVIDIA TAO TrafficCamNet,
PeopleNet) ship their own labels file; :data:`STAND_IN_LABEL_MAPS` renames
their labels to citybrain's in the probe (``[label-map]`` of ``sources.txt``;
labels without an entry are published as they are and the connector gives
them no category).
"""

from __future__ import annotations

from citybrain.contracts.video import LABEL_TO_CATEGORY

LABELS: tuple[str, ...] = tuple(LABEL_TO_CATEGORY)

# model label -> citybrain detector label
STAND_IN_LABEL_MAPS: dict[str, dict[str, str]] = {
    "citybrain": {},  # its labels are citybrain's already
    # TrafficCamNet classes: car, bicycle, person, road_sign
    "trafficcamnet": {"car": "vehicle"},
    # PeopleNet classes: person, bag, face; a person is not yet a peddler
    "peoplenet": {},
}


def labels_file_text(labels: tuple[str, ...] = LABELS) -> str:
    """The nvinfer ``labelfile-path`` content: one label a line, class id = line index."""
    return "".join(f"{label}\n" for label in labels)
