import asyncio

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from citybrain.topics import TopicSpec, registry
from pipelines.topics_admin import TopicMismatch, create_topics, list_topics


@pytest.mark.integration
def test_registry_creation_is_idempotent(kafka):
    assert asyncio.run(create_topics(kafka.bootstrap, registry("citybrain"))) == []
    names = asyncio.run(list_topics(kafka.bootstrap))
    assert {s.name for s in registry("citybrain")} <= names


@pytest.mark.integration
def test_a_partition_count_that_drifts_from_the_registry_is_refused(kafka):
    with pytest.raises(TopicMismatch, match=r"detections\.video has 6 partitions"):
        asyncio.run(create_topics(kafka.bootstrap, [TopicSpec("detections.video", 3)]))


@pytest.mark.integration
def test_the_broker_never_auto_creates_topics(kafka):
    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, request_timeout_ms=5000)
        await producer.start()
        try:
            await producer.send_and_wait("no.such.topic", b"x")
        finally:
            await producer.stop()

    with pytest.raises(KafkaError):
        asyncio.run(produce())
    assert "no.such.topic" not in asyncio.run(list_topics(kafka.bootstrap))
