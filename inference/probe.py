"""The pad probe on nvdsanalytics' src pad: ROI membership and dwell time per object.

Per frame and object it reads ``NvDsAnalyticsObjInfo.roiStatus`` (the ROI
labels of the analytics config containing the object), asks the
:class:`~inference.dwell.DwellClock` how long the object has been in each, and
attaches a classifier meta to every object with one label per ROI
(``roi:<label>:dwell_s:<s>``, see :func:`inference.dwell.roi_attribute`).
nvmsgconv with ``payload-type=1`` and ``msg2p-newapi=1`` builds each object's
string from its metadata (``generate_dsmeta_message_minimal``): when the object
has classifier metadata it appends ``|#|``, every label, then the object's
confidence, so an object in no ROI still publishes its confidence
(``…|vehicle|#|0.91``). A stand-in model's labels are renamed to citybrain's
(``[label-map]``). The stream id is ``frame_meta.source_id``, the key nvmsgconv
uses for ``[sensorN]`` and nvdsanalytics for ``…-stream-N``.

``pyds`` is passed in (the real module on a DeepStream host, a fake in tests);
this module imports nothing from DeepStream.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from inference.dwell import DwellClock, roi_attribute

ANALYTICS_OBJ_META = "NVIDIA.DSANALYTICSOBJ.USER_META"
# unique_component_id of the classifier meta the probe adds (nvinfer is 1)
DWELL_COMPONENT_ID = 77
# at most this many ROI labels per object (keeps each object string short)
MAX_ROI_ATTRIBUTES = 4
NS_PER_S = 1_000_000_000


def glist(node: Any, cast: Any) -> Iterator[Any]:
    """The items of a DeepStream GList (``.data``/``.next``), each through ``cast``."""
    while node is not None:
        yield cast(node.data)
        node = node.next


def frame_time_s(frame_meta: Any) -> float:
    """The frame's time in seconds: NTP/system time when streammux attached it, else PTS."""
    return (frame_meta.ntp_timestamp or frame_meta.buf_pts) / NS_PER_S


def roi_status(pyds: Any, obj_meta: Any, analytics_meta_type: Any) -> list[str]:
    """The ROI labels nvdsanalytics put the object in (empty when it added none)."""
    for user_meta in glist(obj_meta.obj_user_meta_list, pyds.NvDsUserMeta.cast):
        if user_meta.base_meta.meta_type == analytics_meta_type:
            info = pyds.NvDsAnalyticsObjInfo.cast(user_meta.user_meta_data)
            return list(info.roiStatus)
    return []


@dataclass
class DwellProbe:
    """Callable for ``pad.add_probe(Gst.PadProbeType.BUFFER, probe, None)``.

    ``ok`` is the value to return (``Gst.PadProbeReturn.OK``). ``objects_seen``
    and ``objects_in_roi`` count what the probe has handled.
    """

    pyds: Any
    ok: Any
    clock: DwellClock = field(default_factory=DwellClock)
    label_map: Mapping[str, str] = field(default_factory=dict)
    objects_seen: int = 0
    objects_in_roi: int = 0

    def __call__(self, pad: Any, info: Any, user_data: Any = None) -> Any:
        buffer = info.get_buffer()
        if buffer is None:
            return self.ok
        batch_meta = self.pyds.gst_buffer_get_nvds_batch_meta(hash(buffer))
        if batch_meta is None:
            return self.ok
        meta_type = self.pyds.nvds_get_user_meta_type(ANALYTICS_OBJ_META)
        for frame_meta in glist(batch_meta.frame_meta_list, self.pyds.NvDsFrameMeta.cast):
            at_s = frame_time_s(frame_meta)
            for obj_meta in glist(frame_meta.obj_meta_list, self.pyds.NvDsObjectMeta.cast):
                self.handle_object(batch_meta, frame_meta, obj_meta, meta_type, at_s)
        return self.ok

    def handle_object(
        self, batch_meta: Any, frame_meta: Any, obj_meta: Any, meta_type: Any, at_s: float
    ) -> None:
        """Rename a stand-in label, then attach the object's dwell per ROI (maybe none)."""
        self.objects_seen += 1
        label = self.label_map.get(obj_meta.obj_label, obj_meta.obj_label)
        if label != obj_meta.obj_label:
            obj_meta.obj_label = label
        dwells = self.clock.observe(
            stream_id=frame_meta.source_id,
            object_id=obj_meta.object_id,
            label=label,
            rois=roi_status(self.pyds, obj_meta, meta_type),
            at_s=at_s,
        )
        self.objects_in_roi += bool(dwells)
        pyds = self.pyds
        classifier = pyds.nvds_acquire_classifier_meta_from_pool(batch_meta)
        classifier.unique_component_id = DWELL_COMPONENT_ID
        classifier.num_labels = min(len(dwells), MAX_ROI_ATTRIBUTES)
        for class_id, dwell in enumerate(dwells[:MAX_ROI_ATTRIBUTES]):
            label_info = pyds.nvds_acquire_label_info_meta_from_pool(batch_meta)
            label_info.label_id = 0
            label_info.result_class_id = class_id
            label_info.result_label = roi_attribute(dwell)
            label_info.result_prob = obj_meta.confidence
            pyds.nvds_add_label_info_meta_to_classifier(classifier, label_info)
        pyds.nvds_add_classifier_meta_to_object(obj_meta, classifier)
