"""A worker waits for its broker: backoff, a clear message, and a real broker coming up late."""

from __future__ import annotations

import asyncio
import threading
from itertools import islice

import pytest
from aiokafka.errors import KafkaConnectionError

from citybrain.settings import load
from pipelines.broker import LocalBroker
from streams.broker_wait import BrokerUnreachable, delays_s, wait_for_broker


def test_delays_double_from_half_a_second_up_to_five():
    assert list(islice(delays_s(), 7)) == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_the_wait_returns_once_the_broker_answers_and_says_what_it_waited_for(monkeypatch):
    monkeypatch.setattr("streams.broker_wait.delays_s", lambda: iter([0.0] * 10))
    answers = iter([KafkaConnectionError("refused"), OSError("reset"), None])
    said = []

    async def attempt(bootstrap: str) -> None:
        outcome = next(answers)
        if outcome is not None:
            raise outcome

    failures = asyncio.run(wait_for_broker("127.0.0.1:1", attempt=attempt, say=said.append))
    assert failures == 2
    assert len(said) == 3 and "127.0.0.1:1 not answering" in said[0]
    assert said[-1] == "broker 127.0.0.1:1 answers after 2 failed attempt(s)"


def test_a_broker_that_never_answers_is_a_clear_error():
    async def refuse(bootstrap: str) -> None:
        raise KafkaConnectionError("Unable to bootstrap")

    with pytest.raises(
        BrokerUnreachable, match=r"127.0.0.1:1 did not answer within 0s \(1 attempts"
    ):
        asyncio.run(wait_for_broker("127.0.0.1:1", timeout_s=0, attempt=refuse, say=print))


@pytest.mark.integration
def test_a_worker_started_while_its_broker_is_down_waits_for_it(tmp_path, kafka):
    settings = load(
        {
            "HOME": str(tmp_path),
            "CITYBRAIN_HOME": str(tmp_path / "citybrain"),
            "CITYBRAIN_CACHE_DIR": str(kafka.settings.cache_dir),
        }
    )
    broker = LocalBroker(settings)
    address = broker.start()
    broker.stop()
    outcome: dict = {}

    def waiting() -> None:
        outcome["failures"] = asyncio.run(wait_for_broker(address, timeout_s=120, say=print))

    thread = threading.Thread(target=waiting)
    thread.start()  # its first attempt meets the stopped broker: refused at once
    try:
        assert broker.start() == address  # same ports (kept from the first start)
        thread.join(timeout=120)
        assert not thread.is_alive()
        assert outcome["failures"] >= 1
    finally:
        broker.stop()
