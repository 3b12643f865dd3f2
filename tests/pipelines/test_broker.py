import asyncio
import os
import socket
import stat
import threading

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

import pipelines.broker as broker_module
from citybrain.settings import load
from citybrain.topics import TopicSpec
from pipelines.broker import BrokerError, LocalBroker, render_properties
from pipelines.broker_jars import READY_MARKER, ensure_jars, jars_dir
from pipelines.topics_admin import create_topics


def home_settings(tmp_path, cache_dir=None):
    env = {"HOME": str(tmp_path), "CITYBRAIN_HOME": str(tmp_path / "home")}
    env["CITYBRAIN_CACHE_DIR"] = str(cache_dir or tmp_path / "cache")
    return load(env)


# --- properties ---------------------------------------------------------------------------


def test_properties_are_one_kraft_node_on_loopback_without_auto_creation(tmp_path):
    lines = render_properties(port=19092, controller_port=19093, data_dir=tmp_path).splitlines()
    props = dict(line.split("=", 1) for line in lines if line)
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["log.dirs"] == str(tmp_path)
    assert props["auto.create.topics.enable"] == "false"
    assert props["num.partitions"] == "1"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.min.isr"] == "1"
    assert int(props["log.segment.bytes"]) <= 64 * 1024 * 1024


# --- jar cache, with a stand-in mvn -------------------------------------------------------

FAKE_MVN = """#!/bin/sh
# stand-in for mvn dependency:copy-dependencies: writes one jar after a pause
[ -n "$FAIL_MVN" ] && { echo "could not resolve kafka_2.13"; exit 1; }
for arg in "$@"; do case "$arg" in -DoutputDirectory=*) out="${arg#-DoutputDirectory=}";; esac; done
sleep 0.5
mkdir -p "$out" && echo jar > "$out/kafka_2.13.jar"
echo run >> "$CALLS"
"""


@pytest.fixture
def fake_mvn(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    mvn = bin_dir / "mvn"
    mvn.write_text(FAKE_MVN)
    mvn.chmod(mvn.stat().st_mode | stat.S_IEXEC)
    calls = tmp_path / "mvn-calls"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("CALLS", str(calls))
    return calls


def test_jars_are_fetched_once_and_reused(tmp_path, fake_mvn):
    settings = home_settings(tmp_path)
    libs = ensure_jars(settings)
    assert libs == jars_dir(settings) == tmp_path / "cache" / "kafka" / "4.1.1" / "libs"
    assert (libs / READY_MARKER).read_text() == "4.1.1"
    assert ensure_jars(settings) == libs
    assert fake_mvn.read_text().count("run") == 1


def test_concurrent_fetches_leave_one_complete_cache(tmp_path, fake_mvn):
    settings = home_settings(tmp_path)
    results, errors = [], []

    def fetch():
        try:
            results.append(ensure_jars(settings))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    libs = jars_dir(settings)
    assert results == [libs] * 3
    assert sorted(p.name for p in libs.iterdir()) == [READY_MARKER, "kafka_2.13.jar"]
    assert [p.name for p in libs.parent.iterdir()] == ["libs"]  # no temp dirs left behind


def test_a_half_filled_cache_without_marker_is_replaced(tmp_path, fake_mvn):
    settings = home_settings(tmp_path)
    debris = jars_dir(settings)
    debris.mkdir(parents=True)
    (debris / "partial.jar").write_text("half")
    libs = ensure_jars(settings)
    assert sorted(p.name for p in libs.iterdir()) == [READY_MARKER, "kafka_2.13.jar"]


def test_a_failed_fetch_says_why_and_caches_nothing(tmp_path, fake_mvn, monkeypatch):
    monkeypatch.setenv("FAIL_MVN", "1")
    settings = home_settings(tmp_path)
    with pytest.raises(BrokerError, match=r"could not resolve kafka_2\.13"):
        ensure_jars(settings)
    assert not jars_dir(settings).exists()


def test_missing_mvn_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BrokerError, match="'mvn' not found on PATH"):
        ensure_jars(home_settings(tmp_path))


# --- pid file safety ----------------------------------------------------------------------


def test_a_stale_pid_of_another_process_is_not_the_broker(tmp_path):
    broker = LocalBroker(home_settings(tmp_path))
    broker.dir.mkdir(parents=True)
    broker.pid_file.write_text(str(os.getpid()))  # alive, but not Kafka
    assert broker.status() == broker_module.BrokerStatus(False, None, None)
    assert broker.stop() is False  # and this test process is still here
    assert not broker.pid_file.exists()


# --- a real broker ------------------------------------------------------------------------


async def roundtrip(address: str, topic: str, value: bytes) -> list[bytes]:
    producer = AIOKafkaProducer(bootstrap_servers=address, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value)
    finally:
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
    settings = home_settings(tmp_path, kafka.settings.cache_dir)
    marker = ensure_jars(settings) / READY_MARKER
    fetched_at = marker.stat().st_mtime_ns
    broker = LocalBroker(settings)
    address = broker.start()
    try:
        status = broker.status()
        assert status.running and status.address == address and status.pid > 0
        assert settings.broker_address_file.read_text() == address
        assert load({"CITYBRAIN_HOME": str(settings.home)}).broker == address
        asyncio.run(create_topics(address, [TopicSpec("t.roundtrip", 1)]))
        assert asyncio.run(roundtrip(address, "t.roundtrip", b"one")) == [b"one"]
        assert broker.restart() == address
        assert broker.status().pid != status.pid
        assert asyncio.run(roundtrip(address, "t.roundtrip", b"two")) == [b"one", b"two"]
        assert broker.start() == address  # idempotent while running
        settings.broker_address_file.unlink()  # e.g. an interrupted start: adopt, not relaunch
        assert broker.start() == address
        assert broker.status().address == address
    finally:
        assert broker.stop()
    assert broker.status() == broker_module.BrokerStatus(False, None, None)
    assert not settings.broker_address_file.exists() and not broker.pid_file.exists()
    assert broker.stop() is False
    assert marker.stat().st_mtime_ns == fetched_at  # the jar cache was reused, not fetched again


@pytest.mark.integration
def test_a_broker_that_dies_while_starting_raises_with_its_log(tmp_path, kafka, monkeypatch):
    monkeypatch.setattr(broker_module, "JVM_HEAP", "-Xmx1k")  # the JVM refuses to start
    broker = LocalBroker(home_settings(tmp_path, kafka.settings.cache_dir))
    with pytest.raises(BrokerError, match=r"(?s)exited before answering.*Too small maximum heap"):
        broker.start(timeout_s=30)
    assert not broker.status().running
    assert not broker.pid_file.exists()
    assert not broker.settings.broker_address_file.exists()


@pytest.mark.integration
def test_a_taken_port_is_a_clear_error(tmp_path, kafka):
    broker = LocalBroker(home_settings(tmp_path, kafka.settings.cache_dir))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        broker.dir.mkdir(parents=True)
        broker.ports_file.write_text(f"{port} {port + 1}")
        with pytest.raises(BrokerError, match=f"port 127.0.0.1:{port} .* is in use"):
            broker.start()
    assert not broker.pid_file.exists()
