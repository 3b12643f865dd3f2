"""A small fake of the third-party ``Gst`` and ``pyds`` surface the app uses.

Only what :mod:`inference.pipeline` and :mod:`inference.probe` touch: element
factories, properties, links, request/static pads, probes and signals; batch,
frame, object and user metadata as GLists; classifier and label-info pools.
It records what the code did so tests can read the graph and the metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PLUGINS = frozenset(
    {
        "nvurisrcbin",
        "nvstreammux",
        "nvinfer",
        "nvtracker",
        "nvdsanalytics",
        "nvmsgconv",
        "nvmsgbroker",
    }
)


class Pad:
    def __init__(self, element: FakeElement, name: str) -> None:
        self.element, self.name = element, name
        self.probes: list[tuple[Any, Any, Any]] = []
        self.peer: Pad | None = None

    def add_probe(self, kind, callback, user_data=None):
        self.probes.append((kind, callback, user_data))
        return len(self.probes)

    def link(self, other: Pad):
        self.peer = other
        return "ok"


class FakeElement:
    def __init__(self, factory: str, name: str) -> None:
        self.factory, self.name = factory, name
        self.properties: dict[str, Any] = {}
        self.signals: dict[str, tuple[Any, tuple]] = {}
        self.linked_to: FakeElement | None = None
        self.pads: dict[str, Pad] = {}

    def set_property(self, key: str, value: Any) -> None:
        self.properties[key] = value

    def connect(self, signal: str, callback, *args) -> int:
        self.signals[signal] = (callback, args)
        return len(self.signals)

    def link(self, other: FakeElement) -> bool:
        self.linked_to = other
        return True

    def get_static_pad(self, name: str) -> Pad:
        return self.pads.setdefault(name, Pad(self, name))

    def request_pad_simple(self, template: str) -> Pad:
        assert template not in self.pads, f"pad {template} requested twice"
        return self.pads.setdefault(template, Pad(self, template))


class FakeBus:
    def __init__(self) -> None:
        self.watched = False
        self.handlers: list[Any] = []

    def add_signal_watch(self) -> None:
        self.watched = True

    def connect(self, signal: str, callback) -> int:
        assert signal == "message"
        self.handlers.append(callback)
        return len(self.handlers)

    def post(self, message: Any) -> None:
        for handler in self.handlers:
            handler(self, message)


class FakePipeline(FakeElement):
    def __init__(self, name: str) -> None:
        super().__init__("pipeline", name)
        self.children: list[FakeElement] = []
        self.bus = FakeBus()
        self.states: list[str] = []

    def add(self, element: FakeElement) -> None:
        self.children.append(element)

    def get_bus(self) -> FakeBus:
        return self.bus

    def set_state(self, state: str) -> str:
        self.states.append(state)
        return "success"


@dataclass
class GError:
    message: str


@dataclass
class Message:
    type: str
    error: str = ""

    def parse_error(self):
        return GError(self.error), "debug info"


class FakeGLib:
    """``GLib.MainLoop`` whose ``run`` plays ``script`` (a callable) and returns."""

    def __init__(self, script) -> None:
        glib = self

        class MainLoop:
            def __init__(self) -> None:
                self.quit_called = False
                glib.loops.append(self)

            def run(self) -> None:
                glib.script()

            def quit(self) -> None:
                self.quit_called = True

        self.script = script
        self.loops: list[Any] = []
        self.MainLoop = MainLoop


class FakeGst:
    """``Gst`` with the plugins of a DeepStream host, minus any in ``missing``."""

    class PadProbeType:
        BUFFER = "buffer"

    class PadProbeReturn:
        OK = "ok"

    class MessageType:
        EOS = "eos"
        ERROR = "error"

    class State:
        PLAYING = "playing"
        NULL = "null"

    def __init__(self, missing: frozenset[str] = frozenset()) -> None:
        gst = self

        class ElementFactory:
            @staticmethod
            def make(factory: str, name: str):
                return FakeElement(factory, name) if factory in PLUGINS - gst.missing else None

        class Pipeline:
            @staticmethod
            def new(name: str) -> FakePipeline:
                gst.pipelines.append(FakePipeline(name))
                return gst.pipelines[-1]

        self.missing = missing
        self.pipelines: list[FakePipeline] = []
        self.ElementFactory = ElementFactory
        self.Pipeline = Pipeline


@dataclass
class Caps:
    media: str

    def get_structure(self, index: int):
        return self

    def get_name(self) -> str:
        return self.media


@dataclass
class SrcPad:
    """A pad nvurisrcbin announces with ``pad-added``."""

    media: str = "video/x-raw"
    linked: list[Pad] = field(default_factory=list)

    def get_current_caps(self) -> Caps:
        return Caps(self.media)

    def link(self, sink: Pad):
        self.linked.append(sink)
        return "ok"


# --- pyds -----------------------------------------------------------------------


@dataclass
class Node:
    data: Any
    next: Node | None = None


def as_glist(items: list[Any]) -> Node | None:
    head = None
    for item in reversed(items):
        head = Node(item, head)
    return head


@dataclass
class BaseMeta:
    meta_type: Any


@dataclass
class UserMeta:
    base_meta: BaseMeta
    user_meta_data: Any


@dataclass
class AnalyticsObjInfo:
    roiStatus: list[str]


@dataclass
class LabelInfo:
    label_id: int = -1
    result_class_id: int = -1
    result_label: str = ""
    result_prob: float = 0.0


@dataclass
class ClassifierMeta:
    unique_component_id: int = -1
    num_labels: int = 0
    labels: list[LabelInfo] = field(default_factory=list)


@dataclass
class ObjectMeta:
    object_id: int
    obj_label: str
    confidence: float = 0.8
    rois: list[str] | None = None  # None: nvdsanalytics attached no meta
    classifiers: list[ClassifierMeta] = field(default_factory=list)

    @property
    def obj_user_meta_list(self):
        if self.rois is None:
            return as_glist([UserMeta(BaseMeta("other"), None)])
        return as_glist(
            [
                UserMeta(BaseMeta("other"), None),
                UserMeta(BaseMeta(FakePyds.ANALYTICS_TYPE), AnalyticsObjInfo(self.rois)),
            ]
        )


@dataclass
class FrameMeta:
    source_id: int
    ntp_timestamp: int
    objects: list[ObjectMeta]
    buf_pts: int = 0

    @property
    def obj_meta_list(self):
        return as_glist(self.objects)


@dataclass
class BatchMeta:
    frames: list[FrameMeta]

    @property
    def frame_meta_list(self):
        return as_glist(self.frames)


def _identity(x):
    return x


class _Caster:
    cast = staticmethod(_identity)


class FakePyds:
    """``pyds``: buffers map to batches by ``hash(buffer)``."""

    ANALYTICS_TYPE = "user-meta-type:NVIDIA.DSANALYTICSOBJ.USER_META"
    NvDsFrameMeta = _Caster
    NvDsObjectMeta = _Caster
    NvDsUserMeta = _Caster
    NvDsAnalyticsObjInfo = _Caster

    def __init__(self) -> None:
        self.batches: dict[int, BatchMeta] = {}

    def gst_buffer_get_nvds_batch_meta(self, buffer_hash: int):
        return self.batches.get(buffer_hash)

    @staticmethod
    def nvds_get_user_meta_type(name: str) -> str:
        return f"user-meta-type:{name}"

    @staticmethod
    def nvds_acquire_classifier_meta_from_pool(batch_meta) -> ClassifierMeta:
        return ClassifierMeta()

    @staticmethod
    def nvds_acquire_label_info_meta_from_pool(batch_meta) -> LabelInfo:
        return LabelInfo()

    @staticmethod
    def nvds_add_label_info_meta_to_classifier(classifier: ClassifierMeta, info: LabelInfo):
        classifier.labels.append(info)

    @staticmethod
    def nvds_add_classifier_meta_to_object(obj: ObjectMeta, classifier: ClassifierMeta):
        obj.classifiers.append(classifier)


class Buffer:
    """A Gst buffer stand-in: a hash of its own (``hash(buffer)`` keys the batch)."""

    count = 0

    def __init__(self) -> None:
        Buffer.count += 1
        self.number = Buffer.count

    def __hash__(self) -> int:
        return self.number


@dataclass
class ProbeInfo:
    buffer: Buffer | None

    def get_buffer(self):
        return self.buffer
