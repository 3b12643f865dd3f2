from aiokafka import TopicPartition

from pipelines.lag import lag_by_topic


def test_lag_counts_uncommitted_partitions_from_their_beginning():
    a0, a1, b0 = TopicPartition("a", 0), TopicPartition("a", 1), TopicPartition("b", 0)
    ends = {a0: 100, a1: 50, b0: 10}
    begins = {a0: 0, a1: 20, b0: 0}
    committed = {a0: 90, a1: -1}  # a1 never committed; b0 unknown to the group
    assert lag_by_topic(ends, begins, committed) == {"a": 10 + 30, "b": 10}
