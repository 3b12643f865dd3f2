"""Where a partition's log starts, asked over a connection of its own."""

import asyncio

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from aiokafka.errors import KafkaError

from citybrain.topics import TopicSpec
from pipelines.topics_admin import create_topics
from streams.log_start import for_broker, log_starts

TOPIC = "t.log-start"


async def fill_then_trim(bootstrap: str) -> None:
    await create_topics(bootstrap, [TopicSpec(TOPIC, 2)])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for i in range(3):
            await producer.send_and_wait(TOPIC, b"%d" % i, partition=0)
    finally:
        await producer.stop()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:  # retention would do the same: the log of partition 0 now starts at offset 2
        await admin.delete_records({TopicPartition(TOPIC, 0): RecordsToDelete(2)})
    finally:
        await admin.close()


@pytest.mark.integration
def test_the_log_start_is_the_first_offset_still_kept(kafka):
    asyncio.run(fill_then_trim(kafka.bootstrap))
    starts = for_broker(kafka.bootstrap)
    assert asyncio.run(starts([(TOPIC, 0), (TOPIC, 1)])) == {(TOPIC, 0): 2, (TOPIC, 1): 0}
    assert asyncio.run(starts([])) == {}


def test_a_broker_that_stays_away_is_an_error_after_the_wait():
    with pytest.raises(KafkaError):
        asyncio.run(log_starts("127.0.0.1:1", [(TOPIC, 0)], wait_s=0))
