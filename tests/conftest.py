"""Shared fixtures: one real Apache Kafka broker for the whole test session.

The broker is fetched with mvn (into the user's cache, once) and started by
the same launcher that ``citybrain broker start`` uses. Tests that need it
are marked ``integration``.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, replace

import pytest

from citybrain.settings import Settings, load
from citybrain.topics import registry
from pipelines.broker import LocalBroker
from pipelines.topics_admin import create_topics


@dataclass(frozen=True)
class Kafka:
    """The session's broker: its bootstrap address and the settings that started it."""

    bootstrap: str
    settings: Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def kafka(tmp_path_factory) -> Kafka:
    home = tmp_path_factory.mktemp("kafka-home")
    settings = load(
        {
            "HOME": str(home),
            "CITYBRAIN_HOME": str(home),
            "CITYBRAIN_CACHE_DIR": str(load().cache_dir),
        }
    )
    broker = LocalBroker(settings)
    address = broker.start()
    try:
        asyncio.run(create_topics(address, registry(settings.app_id)))
        yield Kafka(address, replace(settings, broker=address))
    finally:
        broker.stop()


@pytest.fixture
def settings_env(tmp_path, kafka) -> Settings:
    """Settings of a fresh citybrain home on the session broker, with free web ports."""
    base = load(
        {
            "HOME": str(tmp_path),
            "CITYBRAIN_HOME": str(tmp_path / "citybrain"),
            "CITYBRAIN_CACHE_DIR": str(kafka.settings.cache_dir),
        }
    )
    return replace(base, broker=kafka.bootstrap, web_port=free_port(), sink_web_port=free_port())
