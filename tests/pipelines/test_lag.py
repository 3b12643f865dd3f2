from aiokafka import TopicPartition

from pipelines.lag import lag_by_topic, wait_caught_up


def test_lag_counts_uncommitted_partitions_from_their_beginning():
    a0, a1, b0 = TopicPartition("a", 0), TopicPartition("a", 1), TopicPartition("b", 0)
    ends = {a0: 100, a1: 50, b0: 10}
    begins = {a0: 0, a1: 20, b0: 0}
    committed = {a0: 90, a1: -1}  # a1 never committed; b0 unknown to the group
    assert lag_by_topic(ends, begins, committed) == {"a": 10 + 30, "b": 10}


async def test_every_poll_calls_on_poll_first():
    polls: list[int] = []
    lags = await wait_caught_up(
        "127.0.0.1:1", {}, poll_s=0, stable_polls=3, on_poll=lambda: polls.append(1)
    )
    assert lags == {} and len(polls) == 3  # nothing to wait for: three calm polls
