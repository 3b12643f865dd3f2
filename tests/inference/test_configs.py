"""Generated DeepStream configs: they parse, and carry every camera and ROI of the line-up."""

from __future__ import annotations

import configparser
import json

import pytest

from citybrain.contracts.video import LABEL_TO_CATEGORY, TOPIC
from inference.configs import FILES, Model, all_configs, conn_str, infer_config
from inference.files import TOPIC as FILES_TOPIC
from inference.registry import sources_from_rows
from pipelines.scenarios.demo_county import build

BROKER = "kafka.edge.local:9092"


@pytest.fixture(scope="module")
def demo_cameras():
    return build(scale=0.01).cameras


def parse(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # DeepStream keys are case-sensitive
    parser.read_string(text)
    return parser


def points(text: str) -> list[tuple[int, int]]:
    values = [int(v) for v in text.split(";")]
    return list(zip(values[::2], values[1::2], strict=True))


def test_every_config_parses_as_a_key_file(demo_cameras):
    configs = all_configs(sources_from_rows(demo_cameras), Model(), broker=BROKER)
    assert set(configs) == set(FILES.values())
    for name, text in configs.items():
        if name != FILES["labels"]:
            assert parse(text).sections(), name


def test_every_demo_camera_and_roi_is_present_with_its_stream_id(demo_cameras):
    sources = sources_from_rows(demo_cameras)
    configs = all_configs(sources, Model(), broker=BROKER)
    analytics = parse(configs[FILES["analytics"]])
    msgconv = parse(configs[FILES["msgconv"]])
    lineup = parse(configs[FILES["sources"]])
    by_id = {c["camera_id"]: c for c in demo_cameras}
    assert len(by_id) == 50
    seen = set()
    for n in range(50):
        camera_id = msgconv[f"sensor{n}"]["id"]
        assert lineup[f"source-{n}"]["camera-id"] == camera_id == msgconv[f"place{n}"]["id"]
        camera = by_id[camera_id]
        lat, lng, alt = (float(v) for v in msgconv[f"sensor{n}"]["location"].split(";"))
        assert (lat, lng, alt) == pytest.approx((camera["lat"], camera["lng"], 0))
        roi_key = "roi-no_parking" if camera["no_parking"] else "roi-watch"
        roi = analytics[f"roi-filtering-stream-{n}"]
        assert points(roi[roi_key]) == [tuple(p) for p in json.loads(camera["roi_px"])]
        seen.add(camera_id)
    assert seen == set(by_id)
    assert lineup["pipeline"]["batch-size"] == "50"
    assert parse(configs[FILES["infer"]])["property"]["batch-size"] == "50"


def test_labels_file_is_the_connector_label_table_in_class_id_order(demo_cameras):
    configs = all_configs(sources_from_rows(demo_cameras), Model(), broker=BROKER)
    assert configs[FILES["labels"]].splitlines() == list(LABEL_TO_CATEGORY)
    infer = parse(configs[FILES["infer"]])["property"]
    assert infer["num-detected-classes"] == str(len(LABEL_TO_CATEGORY))
    assert infer["labelfile-path"] == FILES["labels"]


def test_model_files_are_parameters_and_a_stand_in_brings_its_own_labels():
    model = Model(
        onnx_path="/models/trafficcamnet/resnet18_trafficcamnet_pruned.onnx",
        engine_path="/models/trafficcamnet/tcn_b4.engine",
        labels_path="/models/trafficcamnet/labels.txt",
        num_classes=4,
        label_map="trafficcamnet",
    )
    infer = parse(infer_config(model, batch_size=4))["property"]
    assert infer["onnx-file"] == model.onnx_path
    assert infer["model-engine-file"] == model.engine_path
    assert infer["labelfile-path"] == model.labels_path
    assert (infer["num-detected-classes"], infer["batch-size"]) == ("4", "4")
    assert float(infer["net-scale-factor"]) == pytest.approx(1 / 255, rel=1e-12)
    rows = [{"camera_id": "C1", "lat": 30.25, "lng": 120.15}]
    configs = all_configs(sources_from_rows(rows), model, broker=BROKER)
    assert FILES["labels"] not in configs
    assert dict(parse(configs[FILES["sources"]])["label-map"]) == {"car": "vehicle"}
    with pytest.raises(ValueError, match="unknown label map"):
        all_configs(sources_from_rows(rows), Model(label_map="yolo"), broker=BROKER)


def test_lines_and_several_rois_per_camera_scaled_to_the_analytics_frame():
    row = {
        "camera_id": "CAM-X",
        "lat": 30.25,
        "lng": 120.15,
        "frame_width_px": 1280,
        "frame_height_px": 720,
        "rois": [
            {"label": "stall_zone", "polygon_px": [[0, 0], [640, 0], [640, 360]]},
            {"label": "no_parking", "polygon_px": [[10, 10], [20, 10], [20, 20], [10, 20]]},
        ],
        "lines": '[{"label": "gate", "direction_px": [[100, 100], [100, 200]],'
        ' "line_px": [[0, 150], [1280, 150]]}]',
    }
    analytics = parse(
        all_configs(sources_from_rows([row]), Model(), broker=BROKER)[FILES["analytics"]]
    )
    roi = analytics["roi-filtering-stream-0"]
    assert points(roi["roi-stall_zone"]) == [(0, 0), (960, 0), (960, 540)]
    assert points(roi["roi-no_parking"]) == [(15, 15), (30, 15), (30, 30), (15, 30)]
    line = analytics["line-crossing-stream-0"]["line-crossing-gate"]
    assert points(line) == [(150, 150), (150, 300), (0, 225), (1920, 225)]


@pytest.mark.parametrize("count", [1, 7, 50])
def test_line_ups_up_to_fifty_sources(count):
    rows = [
        {"camera_id": f"K{n:03d}", "lat": 30.2, "lng": 120.1, "roi_px": "[[0,0],[9,0],[9,9]]"}
        for n in reversed(range(count))
    ]
    configs = all_configs(sources_from_rows(rows), Model(), broker=BROKER)
    msgconv = parse(configs[FILES["msgconv"]])
    analytics = parse(configs[FILES["analytics"]])
    ids = [msgconv[f"sensor{n}"]["id"] for n in range(count)]
    assert ids == [f"K{n:03d}" for n in range(count)]
    assert sum(s.startswith("roi-filtering-stream-") for s in analytics.sections()) == count
    assert parse(configs[FILES["sources"]])["pipeline"]["batch-size"] == str(count)


def test_broker_config_names_the_topic_and_holds_no_secret(demo_cameras):
    configs = all_configs(sources_from_rows(demo_cameras), Model(), broker=BROKER)
    broker = parse(configs[FILES["broker"]])["message-broker"]
    assert broker["partition-key"] == "sensorId"
    pipeline = parse(configs[FILES["sources"]])["pipeline"]
    assert pipeline["topic"] == TOPIC == "detections.video"
    assert pipeline["conn-str"] == "kafka.edge.local;9092;detections.video"
    assert FILES_TOPIC == TOPIC
    assert conn_str("kafka-1:9093,kafka-2:9093") == "kafka-1;9093;detections.video"
    for text in configs.values():
        assert not any(w in text.lower() for w in ("password", "sasl", "secret"))
    with pytest.raises(ValueError, match="host:port"):
        conn_str("kafka-without-port")


def test_stand_in_label_maps_only_map_onto_connector_labels():
    from inference.labels import STAND_IN_LABEL_MAPS

    targets = {label for mapping in STAND_IN_LABEL_MAPS.values() for label in mapping.values()}
    assert targets <= set(LABEL_TO_CATEGORY)
    assert STAND_IN_LABEL_MAPS["trafficcamnet"]["car"] == "vehicle"
