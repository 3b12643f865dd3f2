"""The pipeline graph on a fake Gst: elements, properties, links, one source per camera."""

from __future__ import annotations

import pytest

from inference.files import FILES
from inference.pipeline import CHAIN, PipelineError, build, read_spec, spec_from_texts
from tests.inference.fake_deepstream import FakeGst, SrcPad


def probe(pad, info, user_data):
    return "ok"


@pytest.mark.parametrize("count", [1, 50])
def test_chain_elements_properties_and_links_in_order(tmp_path, count, write_configs):
    spec = read_spec(write_configs(tmp_path, count))
    built = build(FakeGst(), spec, probe=probe)
    e = built.elements
    assert [e[name].factory for name in CHAIN] == [
        "nvstreammux",
        "nvinfer",
        "nvtracker",
        "nvdsanalytics",
        "nvmsgconv",
        "nvmsgbroker",
    ]
    assert [e[a].linked_to for a in CHAIN[:-1]] == [e[b] for b in CHAIN[1:]]
    assert e["msgbroker"].linked_to is None
    mux = e["streammux"].properties
    assert (mux["batch-size"], mux["width"], mux["height"], mux["live-source"]) == (
        count,
        1920,
        1080,
        True,
    )
    assert e["primary-inference"].properties == {
        "config-file-path": str(tmp_path / FILES["infer"]),
        "batch-size": count,
    }
    assert e["tracker"].properties["tracker-width"] == 960
    assert e["tracker"].properties["ll-lib-file"].endswith("libnvds_nvmultiobjecttracker.so")
    assert e["analytics"].properties == {"config-file": str(tmp_path / FILES["analytics"])}
    assert e["msgconv"].properties == {
        "config": str(tmp_path / FILES["msgconv"]),
        "payload-type": 1,
        "msg2p-newapi": True,
        "frame-interval": 30,
    }
    broker = e["msgbroker"].properties
    assert (broker["conn-str"], broker["topic"], broker["sync"]) == (
        "k1;9092;detections.video",
        "detections.video",
        False,
    )
    assert broker["proto-lib"].endswith("libnvds_kafka_proto.so")
    assert set(built.pipeline.children) == set(e.values())
    ((kind, callback, _),) = e["analytics"].get_static_pad("src").probes
    assert (kind, callback) == ("buffer", probe)


def test_one_source_bin_per_camera_linked_to_its_streammux_pad(tmp_path, write_configs):
    spec = read_spec(write_configs(tmp_path, 50))
    e = build(FakeGst(), spec, probe=probe).elements
    sources = [e[f"source-{n}"] for n in range(50)]
    assert [s.properties["uri"] for s in sources] == [
        f"rtsp://127.0.0.1:8554/CAM-{n:04d}" for n in range(50)
    ]
    assert all(s.factory == "nvurisrcbin" for s in sources)
    assert spec.camera_ids == tuple(f"CAM-{n:04d}" for n in range(50))
    callback, _ = sources[7].signals["pad-added"]
    audio, video = SrcPad("audio/x-raw"), SrcPad("video/x-raw(memory:NVMM)")
    callback(sources[7], audio)
    callback(sources[7], video)
    assert audio.linked == []
    assert video.linked == [e["streammux"].pads["sink_7"]]
    assert len(e["streammux"].pads) == 50


def test_file_sources_run_the_streammux_not_live_and_the_broker_can_be_overridden(
    tmp_path, write_configs
):
    write_configs(tmp_path, 3, uri="file:///videos/clip.mp4")
    spec = read_spec(tmp_path, conn_str="kafka.county;9093;detections.video")
    e = build(FakeGst(), spec, probe=probe).elements
    assert e["streammux"].properties["live-source"] is False
    assert e["source-0"].properties["file-loop"] is False
    assert e["msgbroker"].properties["conn-str"] == "kafka.county;9093;detections.video"


def test_a_missing_plugin_is_named(tmp_path, write_configs):
    spec = read_spec(write_configs(tmp_path, 2))
    with pytest.raises(PipelineError, match="'nvdsanalytics' not found"):
        build(FakeGst(missing=frozenset({"nvdsanalytics"})), spec, probe=probe)


def test_a_line_up_with_gaps_or_a_wrong_batch_size_is_refused(tmp_path, write_configs):
    write_configs(tmp_path, 3)
    sources = (tmp_path / FILES["sources"]).read_text()
    tracker = (tmp_path / FILES["tracker"]).read_text()
    with pytest.raises(PipelineError, match="without gaps"):
        spec_from_texts(
            tmp_path, sources_text=sources.replace("[source-1]", "[source-5]"), tracker_text=tracker
        )
    with pytest.raises(PipelineError, match="batch-size"):
        spec_from_texts(
            tmp_path,
            sources_text=sources.replace("batch-size=3", "batch-size=4"),
            tracker_text=tracker,
        )
