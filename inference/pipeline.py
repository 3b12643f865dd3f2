"""The DeepStream pipeline graph, built against a passed-in ``Gst``.

``nvurisrcbin`` × N → ``nvstreammux`` → ``nvinfer`` → ``nvtracker`` →
``nvdsanalytics`` (probe on its src pad) → ``nvmsgconv`` → ``nvmsgbroker``.

:func:`spec_from_texts` reads the generated ``sources.txt`` and
``config_tracker.txt`` (pure); :func:`build` makes, configures, adds and links
the elements through ``gst`` (``gi.repository.Gst`` on a DeepStream host, a
fake in tests) and returns them. Nothing here imports DeepStream.
"""

from __future__ import annotations

import configparser
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.files import FILES, KAFKA_PROTO_LIB

BATCHED_PUSH_TIMEOUT_US = 40_000  # streammux waits at most one 25 fps frame for a batch
RTSP_RECONNECT_INTERVAL_S = 10
CHAIN = ("streammux", "primary-inference", "tracker", "analytics", "msgconv", "msgbroker")


class PipelineError(RuntimeError):
    """The graph cannot be built (a plugin is missing, a link fails, configs disagree)."""


@dataclass(frozen=True, slots=True)
class PipelineSpec:
    """What :func:`build` needs: the line-up, config paths and broker settings."""

    config_dir: Path
    uris: tuple[str, ...]  # index = stream id
    camera_ids: tuple[str, ...]
    width_px: int
    height_px: int
    conn_str: str
    topic: str
    payload_type: int
    msg2p_newapi: bool
    frame_interval: int
    label_map: Mapping[str, str]
    tracker: Mapping[str, str]

    @property
    def live(self) -> bool:
        """True when any source is a network stream (streammux then runs live)."""
        return any(not uri.startswith("file:") for uri in self.uris)


def _parser(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def spec_from_texts(
    config_dir: Path, *, sources_text: str, tracker_text: str, conn_str: str | None = None
) -> PipelineSpec:
    """The spec from ``sources.txt`` and ``config_tracker.txt``; ``conn_str`` overrides theirs."""
    sources, tracker = _parser(sources_text), _parser(tracker_text)
    pipeline = sources["pipeline"]
    streams = sorted(
        (int(name.removeprefix("source-")), sources[name])
        for name in sources.sections()
        if name.startswith("source-")
    )
    if [n for n, _ in streams] != list(range(len(streams))) or not streams:
        raise PipelineError("sources.txt: [source-N] groups must number 0..N-1 without gaps")
    if int(pipeline["batch-size"]) != len(streams):
        raise PipelineError("sources.txt: batch-size differs from the number of sources")
    return PipelineSpec(
        config_dir=config_dir,
        uris=tuple(group["uri"] for _, group in streams),
        camera_ids=tuple(group["camera-id"] for _, group in streams),
        width_px=int(pipeline["width"]),
        height_px=int(pipeline["height"]),
        conn_str=conn_str or pipeline["conn-str"],
        topic=pipeline["topic"],
        payload_type=int(pipeline["payload-type"]),
        msg2p_newapi=pipeline.getboolean("msg2p-newapi"),
        frame_interval=int(pipeline["frame-interval"]),
        label_map=dict(sources["label-map"]) if sources.has_section("label-map") else {},
        tracker=dict(tracker["tracker"]),
    )


def read_spec(config_dir: Path, *, conn_str: str | None = None) -> PipelineSpec:
    """The spec of a directory written by ``citybrain inference configs``."""
    return spec_from_texts(
        config_dir,
        sources_text=(config_dir / FILES["sources"]).read_text(encoding="utf-8"),
        tracker_text=(config_dir / FILES["tracker"]).read_text(encoding="utf-8"),
        conn_str=conn_str,
    )


def _properties(spec: PipelineSpec) -> dict[str, dict[str, Any]]:
    config = spec.config_dir
    return {
        "streammux": {
            "batch-size": len(spec.uris),
            "width": spec.width_px,
            "height": spec.height_px,
            "batched-push-timeout": BATCHED_PUSH_TIMEOUT_US,
            "live-source": spec.live,
            "attach-sys-ts": True,
        },
        "primary-inference": {
            "config-file-path": str(config / FILES["infer"]),
            "batch-size": len(spec.uris),
        },
        "tracker": {
            key: int(value) if value.lstrip("-").isdigit() else value
            for key, value in spec.tracker.items()
        },
        "analytics": {"config-file": str(config / FILES["analytics"])},
        "msgconv": {
            "config": str(config / FILES["msgconv"]),
            "payload-type": spec.payload_type,
            "msg2p-newapi": spec.msg2p_newapi,
            "frame-interval": spec.frame_interval,
        },
        "msgbroker": {
            "proto-lib": KAFKA_PROTO_LIB,
            "conn-str": spec.conn_str,
            "topic": spec.topic,
            "config": str(config / FILES["broker"]),
            "sync": False,
        },
    }


FACTORIES = {
    "streammux": "nvstreammux",
    "primary-inference": "nvinfer",
    "tracker": "nvtracker",
    "analytics": "nvdsanalytics",
    "msgconv": "nvmsgconv",
    "msgbroker": "nvmsgbroker",
}


def _make(gst: Any, factory: str, name: str) -> Any:
    element = gst.ElementFactory.make(factory, name)
    if element is None:
        raise PipelineError(f"GStreamer plugin {factory!r} not found: is DeepStream installed?")
    return element


def link_video_pad(sink_pad: Any) -> Callable[[Any, Any], None]:
    """``pad-added`` handler of a source bin: its video pad → the streammux sink pad."""

    def on_pad_added(src_bin: Any, pad: Any) -> None:
        caps = pad.get_current_caps()
        if caps is not None and caps.get_structure(0).get_name().startswith("video"):
            pad.link(sink_pad)

    return on_pad_added


@dataclass(frozen=True, slots=True)
class Built:
    """The pipeline and its elements by name (sources as ``source-N``)."""

    pipeline: Any
    elements: Mapping[str, Any]


def build(gst: Any, spec: PipelineSpec, *, probe: Callable[..., Any]) -> Built:
    """Make, configure, add and link every element; ``probe`` on nvdsanalytics' src pad."""
    pipeline = gst.Pipeline.new("citybrain-inference")
    elements: dict[str, Any] = {}
    for name, props in _properties(spec).items():
        element = _make(gst, FACTORIES[name], name)
        for key, value in props.items():
            element.set_property(key, value)
        pipeline.add(element)
        elements[name] = element
    streammux = elements["streammux"]
    for stream_id, uri in enumerate(spec.uris):
        source = _make(gst, "nvurisrcbin", f"source-{stream_id}")
        source.set_property("uri", uri)
        if uri.startswith("rtsp"):
            source.set_property("rtsp-reconnect-interval", RTSP_RECONNECT_INTERVAL_S)
        else:
            source.set_property("file-loop", False)
        source.connect(
            "pad-added", link_video_pad(streammux.request_pad_simple(f"sink_{stream_id}"))
        )
        pipeline.add(source)
        elements[f"source-{stream_id}"] = source
    for upstream, downstream in itertools.pairwise(CHAIN):
        if not elements[upstream].link(elements[downstream]):
            raise PipelineError(f"cannot link {upstream} → {downstream}")
    elements["analytics"].get_static_pad("src").add_probe(gst.PadProbeType.BUFFER, probe, None)
    return Built(pipeline, elements)
