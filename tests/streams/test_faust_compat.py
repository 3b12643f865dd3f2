"""faust's read offsets with seeks that hold against records fetched before them."""

from dataclasses import replace

from faust.types import TP

from citybrain.settings import load
from streams.app import create_app
from streams.faust_compat import ReadOffsets

TP1 = TP("detections.video", 1)


def deliver(offsets: ReadOffsets, tp: TP, offset: int) -> bool:
    """What faust's fetch loop does with one fetched record: deliver it, or drop it as read."""
    read = offsets[tp]
    if read is None or offset >= read:
        offsets[tp] = offset
        return True
    return False


def test_without_a_seek_a_record_below_the_read_offset_is_dropped():
    offsets = ReadOffsets()
    assert [deliver(offsets, TP1, o) for o in (10, 11, 5)] == [True, True, False]


def test_a_seek_holds_while_records_fetched_before_it_are_delivered():
    offsets = ReadOffsets()
    for o in range(300, 353):
        deliver(offsets, TP1, o)
    offsets.sought(TP1, 217)
    # the rest of the batch fetched before the seek, then the records from 217 again
    delivered = [deliver(offsets, TP1, o) for o in [353, 354, 217, 218, 219]]
    assert delivered == [True, True, True, True, True]
    assert offsets[TP1] == 219 and not offsets.held


def test_in_a_compacted_topic_the_next_record_that_exists_ends_the_hold():
    offsets = ReadOffsets()
    for o in range(300, 353):
        deliver(offsets, TP1, o)
    offsets.sought(TP1, 217)
    delivered = [deliver(offsets, TP1, o) for o in [353, 220, 221]]  # 217..219 compacted away
    assert delivered == [True, True, True] and offsets[TP1] == 221 and not offsets.held


def test_a_rebalance_seek_to_the_committed_offsets_ends_the_hold():
    offsets = ReadOffsets({TP1: 40})
    offsets.sought(TP1, 20)
    offsets.update({TP1: 35})
    assert offsets[TP1] == 35 and not offsets.held
    offsets.sought(TP1, 20)
    offsets.pop(TP1, None)
    assert offsets[TP1] is None and not offsets.held


def test_the_workers_consumer_keeps_its_read_offsets_in_read_offsets(tmp_path):
    settings = replace(
        load({"HOME": str(tmp_path), "CITYBRAIN_STATE_DIR": str(tmp_path / "state")}),
        store="memory://",
        web_port=0,
    )
    app = create_app(settings)
    assert isinstance(app.consumer._read_offset, ReadOffsets)
