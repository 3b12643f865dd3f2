"""``python -m inference.app`` off a DeepStream host: a clear refusal, and no heavy imports."""

from __future__ import annotations

import subprocess
import sys

from inference.app import main
from tests.inference.fake_deepstream import FakeGLib, FakeGst, FakePyds, Message


def test_without_deepstream_it_exits_2_naming_what_is_missing(tmp_path, capsys):
    assert main(["--configs", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "pyds" in err
    assert "gi, Gst 1.0" in err
    assert "citybrain inference configs --out DIR" in err


def test_the_module_runs_and_imports_neither_faust_nor_the_contract():
    code = (
        "import runpy, sys\n"
        "sys.argv = ['inference.app']\n"
        "try:\n"
        "    runpy.run_module('inference.app', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    heavy = ('faust', 'citybrain.contracts.video')\n"
        "    print(exit.code, sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "2 []", done.stderr
    assert "runs only on a DeepStream 7.x host" in done.stderr


def test_on_a_host_it_builds_plays_until_eos_and_stops(tmp_path, capsys, write_configs):
    write_configs(tmp_path, 4)
    gst = FakeGst()
    glib = FakeGLib(lambda: gst.pipelines[0].bus.post(Message(gst.MessageType.EOS)))
    code = main(
        ["--configs", str(tmp_path), "--broker", "kafka.county:9093"],
        runtime=(gst, glib, FakePyds()),
    )
    assert code == 0
    (pipeline,) = gst.pipelines
    assert pipeline.states == ["playing", "null"]
    assert glib.loops[0].quit_called
    broker = next(c for c in pipeline.children if c.factory == "nvmsgbroker")
    assert broker.properties["conn-str"] == "kafka.county;9093;detections.video"
    assert "4 sources → kafka.county;9093;detections.video" in capsys.readouterr().err


def test_a_pipeline_error_exits_1_and_missing_configs_exit_2(tmp_path, capsys, write_configs):
    gst = FakeGst()
    glib = FakeGLib(lambda: gst.pipelines[0].bus.post(Message(gst.MessageType.ERROR, "no RTSP")))
    assert main(["--configs", str(tmp_path)], runtime=(gst, glib, FakePyds())) == 2
    assert "no sources.txt" in capsys.readouterr().err
    write_configs(tmp_path, 2)
    assert main(["--configs", str(tmp_path)], runtime=(gst, glib, FakePyds())) == 1
    assert "no RTSP" in capsys.readouterr().err
    assert gst.pipelines[0].states == ["playing", "null"]
