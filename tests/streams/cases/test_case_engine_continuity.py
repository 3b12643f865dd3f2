"""Agents notice records faust skipped and ask for them again."""

from types import SimpleNamespace

from streams.cases.continuity import Continuity, first_missing
from streams.ordered import next_key


class Event(SimpleNamespace):  # tables read and write in an event's context (a weak reference)
    pass


def events(topic, partition, *offsets):
    return [
        Event(message=SimpleNamespace(topic=topic, partition=partition, offset=o)) for o in offsets
    ]


def test_first_missing_advances_through_contiguous_offsets_only():
    assert first_missing([5, 6, 7], expected=5) == (None, 8)
    assert first_missing([3, 4, 5, 6], expected=5) == (None, 7)  # re-delivered 3, 4
    assert first_missing([7, 8], expected=5) == (5, 5)  # 5 and 6 skipped
    assert first_missing([5, 6, 9, 10], expected=5) == (7, 7)  # a hole inside the batch
    assert first_missing([12, 13], expected=None) == (None, 14)


async def test_a_skip_is_sought_back_once_per_offset_until_filled():
    sought = []

    async def seek(**where):
        sought.append(where)

    stats = {"skipped_offsets_sought_back": 0}
    check = Continuity(committed=lambda: {("alerts", 0): 40}, seek=seek, stats=stats)
    await check.check(events("alerts", 0, 40, 41, 42))
    assert sought == [] and check.next[("alerts", 0)] == 43
    await check.check(events("alerts", 0, 167, 168))  # faust jumped ahead
    await check.check(events("alerts", 0, 169))  # still missing: not asked again at once
    assert sought == [{"topic": "alerts", "partition": 0, "offset": 43}]
    assert check.gaps == {("alerts", 0): 43}
    check.reseek_s = 0.0  # the timer asks again while no batch comes
    assert await check.reseek_gaps() == 1 and len(sought) == 2
    await check.check(events("alerts", 0, *range(43, 170)))  # the seek brought them back
    assert check.next[("alerts", 0)] == 170 and check.gaps == {}
    assert await check.reseek_gaps() == 0 and stats["skipped_offsets_sought_back"] == 2


async def test_the_first_batch_after_a_restart_is_checked_against_the_committed_offset():
    sought = []

    async def seek(**where):
        sought.append(where["offset"])

    stats = {"skipped_offsets_sought_back": 0}
    check = Continuity(committed=lambda: {("cases.commands", 2): 10}, seek=seek, stats=stats)
    await check.check(events("cases.commands", 2, 11, 12))  # record 10 never delivered
    assert sought == [10]


async def test_a_partition_the_group_never_committed_is_checked_against_its_log_start():
    sought = []

    async def seek(**where):
        sought.append(where["offset"])

    async def starts(sources):
        return {source: 0 for source in sources}

    stats = {"skipped_offsets_sought_back": 0}
    check = Continuity(
        committed=lambda: {("reports.citizen", 0): None}, seek=seek, stats=stats, starts=starts
    )
    await check.check(events("reports.citizen", 0, 1, 2))  # record 0 left out of the stream
    assert sought == [0] and check.gaps == {("reports.citizen", 0): 0}


async def test_the_next_offset_stored_in_a_table_follows_the_partition_to_its_next_owner():
    # worker A took offsets 40-49 of reports.citizen[4]; faust dropped 50 for the intake
    # around a rebalance and another agent's acknowledgement committed 52 for the partition
    table = {}
    stats = {"skipped_offsets_sought_back": 0}

    async def no_seek(**where):
        raise AssertionError(f"worker A sought {where}")

    a = Continuity(
        committed=lambda: {}, seek=no_seek, stats=stats, tables={"reports.citizen": table}
    )
    a.store(await a.check(events("reports.citizen", 4, *range(40, 50))))
    assert table == {next_key(("reports.citizen", 4)): 50}

    sought = []

    async def seek(**where):
        sought.append(where)

    b = Continuity(
        committed=lambda: {("reports.citizen", 4): 52},
        seek=seek,
        stats=stats,
        tables={"reports.citizen": table},  # recovered from the changelog by worker B
    )
    nexts = await b.check(events("reports.citizen", 4, 52, 53))
    assert sought == [{"topic": "reports.citizen", "partition": 4, "offset": 50}]
    assert b.gaps == {("reports.citizen", 4): 50}  # commits stay held at 50
    b.store(nexts)
    assert table[next_key(("reports.citizen", 4))] == 50  # still at the gap, for a third owner
    b.store(await b.check(events("reports.citizen", 4, 50, 51, 52, 53)))
    assert b.gaps == {} and table[next_key(("reports.citizen", 4))] == 54


async def test_sources_without_a_table_keep_their_next_offset_in_memory_only():
    table = {}

    async def seek(**where):
        raise AssertionError(where)

    stats = {"skipped_offsets_sought_back": 0}
    check = Continuity(committed=dict, seek=seek, stats=stats, tables={"alerts": table})
    check.store(await check.check(events("cases.commands", 0, 7, 8) + events("alerts", 1, 3)))
    assert table == {next_key(("alerts", 1)): 4}
    assert check.next == {("cases.commands", 0): 9, ("alerts", 1): 4}
