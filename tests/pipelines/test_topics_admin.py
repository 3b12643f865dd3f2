import asyncio

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from citybrain.topics import TopicSpec, registry
from pipelines.topics_admin import TopicCreationError, TopicMismatch, create_topics, list_topics


async def produce(bootstrap: str, topic: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=2000)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"x")
    finally:
        await producer.stop()


@pytest.mark.integration
def test_registry_creation_is_idempotent(kafka):
    assert asyncio.run(create_topics(kafka.bootstrap, registry("citybrain"))) == []
    names = asyncio.run(list_topics(kafka.bootstrap))
    assert {s.name for s in registry("citybrain")} <= names
    assert not any(name.startswith("__") for name in names)


@pytest.mark.integration
def test_created_topics_are_returned_and_ready_at_once(kafka):
    specs = [TopicSpec("t.admin.a", 3), TopicSpec("t.admin.b", 1, compacted=True)]
    assert asyncio.run(create_topics(kafka.bootstrap, specs)) == ["t.admin.a", "t.admin.b"]
    asyncio.run(produce(kafka.bootstrap, "t.admin.a"))  # leaders exist: no retry needed
    assert asyncio.run(create_topics(kafka.bootstrap, specs)) == []


@pytest.mark.integration
def test_a_partition_count_that_drifts_from_the_registry_is_refused(kafka):
    with pytest.raises(TopicMismatch, match=r"detections\.video has 6 partitions"):
        asyncio.run(create_topics(kafka.bootstrap, [TopicSpec("detections.video", 3)]))


@pytest.mark.integration
def test_a_topic_the_broker_refuses_is_an_error(kafka):
    bad = TopicSpec("t.admin.bad", 1, extra_config={"cleanup.policy": "sometimes"})
    with pytest.raises(TopicCreationError, match=r"t\.admin\.bad"):
        asyncio.run(create_topics(kafka.bootstrap, [bad]))
    assert "t.admin.bad" not in asyncio.run(list_topics(kafka.bootstrap))


@pytest.mark.integration
def test_the_broker_never_auto_creates_topics(kafka):
    with pytest.raises(KafkaError):
        asyncio.run(produce(kafka.bootstrap, "no.such.topic"))
    assert "no.such.topic" not in asyncio.run(list_topics(kafka.bootstrap))
