import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from citybrain.settings import load
from citybrain.topics import TopicSpec
from pipelines.broker import LocalBroker, ensure_jars, render_properties
from pipelines.topics_admin import create_topics


def test_properties_disable_auto_creation_and_bind_loopback(tmp_path):
    props = render_properties(port=19092, controller_port=19093, data_dir=tmp_path)
    assert "auto.create.topics.enable=false" in props
    assert "listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093" in props
    assert f"log.dirs={tmp_path}" in props


async def roundtrip(address: str, topic: str, value: bytes) -> list[bytes]:
    producer = AIOKafkaProducer(bootstrap_servers=address, acks="all")
    await producer.start()
    await producer.send_and_wait(topic, value)
    await producer.stop()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=address, auto_offset_reset="earliest")
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=10_000)
        return [m.value for messages in batch.values() for m in messages]
    finally:
        await consumer.stop()


@pytest.mark.integration
def test_start_restart_stop_keeps_address_and_data(tmp_path, kafka):
    settings = load(
        {
            "HOME": str(tmp_path),
            "CITYBRAIN_HOME": str(tmp_path / "home"),
            "CITYBRAIN_CACHE_DIR": str(kafka.settings.cache_dir),
        }
    )
    marker = ensure_jars(settings) / ".complete"
    fetched_at = marker.stat().st_mtime
    broker = LocalBroker(settings)
    address = broker.start()
    try:
        assert broker.status().running and broker.status().address == address
        assert settings.broker_address_file.read_text() == address
        assert load({"CITYBRAIN_HOME": str(tmp_path / "home")}).broker == address
        asyncio.run(create_topics(address, [TopicSpec("t.roundtrip", 1)]))
        assert asyncio.run(roundtrip(address, "t.roundtrip", b"one")) == [b"one"]
        assert broker.restart() == address
        assert asyncio.run(roundtrip(address, "t.roundtrip", b"two")) == [b"one", b"two"]
        assert broker.start() == address  # idempotent while running
    finally:
        assert broker.stop()
    assert not broker.status().running
    assert not settings.broker_address_file.exists()
    assert marker.stat().st_mtime == fetched_at  # the jar cache was reused, not fetched again
