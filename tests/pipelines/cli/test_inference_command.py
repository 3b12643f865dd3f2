"""``citybrain inference configs`` on the demo county's exported reference tables."""

from __future__ import annotations

import configparser

from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.scenarios.demo_county import build
from pipelines.scenarios.demo_county.reference import export


def invoke(reference_dir, *args):
    env = {"CITYBRAIN_REFERENCE_DIR": str(reference_dir), "CITYBRAIN_BROKER": "kafka.edge:9092"}
    return CliRunner().invoke(app, ["inference", "configs", *args], env=env)


def parse(path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return parser


def test_writes_every_config_for_the_fifty_demo_cameras(tmp_path):
    export(build(scale=0.01), tmp_path / "reference")
    out = tmp_path / "ds"
    result = invoke(tmp_path / "reference", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "50 cameras, 50 ROIs, 0 lines; broker kafka.edge:9092" in result.output
    msgconv = parse(out / "config_msgconv.txt")
    assert sum(s.startswith("sensor") for s in msgconv.sections()) == 50
    assert parse(out / "sources.txt")["pipeline"]["conn-str"] == "kafka.edge;9092;detections.video"
    assert (out / "labels.txt").read_text().splitlines()[-1] == "vehicle"


def test_a_stand_in_model_brings_its_labels_and_label_map(tmp_path):
    export(build(scale=0.01), tmp_path / "reference")
    out = tmp_path / "ds"
    args = ["--out", str(out), "--onnx", "/m/tcn.onnx", "--labels", "/m/labels.txt"]
    result = invoke(
        tmp_path / "reference", *args, "--num-classes", "4", "--label-map", "trafficcamnet"
    )
    assert result.exit_code == 0, result.output
    assert not (out / "labels.txt").exists()
    infer = parse(out / "config_infer_primary.txt")["property"]
    assert (infer["onnx-file"], infer["num-detected-classes"]) == ("/m/tcn.onnx", "4")
    assert dict(parse(out / "sources.txt")["label-map"]) == {"car": "vehicle"}
    assert invoke(tmp_path / "reference", *args).exit_code == 2  # --labels without --num-classes


def test_no_cameras_exits_1_with_the_reason(tmp_path):
    result = invoke(tmp_path / "empty", "--out", str(tmp_path / "ds"))
    assert result.exit_code == 1
    assert "cameras reference table is empty" in result.output
    assert not (tmp_path / "ds").exists()
