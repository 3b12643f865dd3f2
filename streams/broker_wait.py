"""Wait for the broker before a worker starts, instead of dying on the first refused bootstrap.

A worker started while its broker restarts (a deploy, a crash, the chaos
harness) used to exit at once with ``KafkaConnectionError: Unable to
bootstrap``: faust gives up on the first refusal. A supervisor would restart
it, but a command centre's worker should not depend on one for that: it
now retries with a capped exponential backoff and says each time on stderr
what it waits for, up to ``timeout_s``, and exits with a clear message after.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterator

from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError

FIRST_DELAY_S = 0.5
MAX_DELAY_S = 5.0
TIMEOUT_S = 300.0


class BrokerUnreachable(RuntimeError):
    """The broker did not answer within the time allowed."""


def delays_s(*, first_s: float = FIRST_DELAY_S, max_s: float = MAX_DELAY_S) -> Iterator[float]:
    """The pauses between attempts: doubling from ``first_s``, capped at ``max_s``."""
    delay = first_s
    while True:
        yield delay
        delay = min(delay * 2, max_s)


async def bootstrap_once(bootstrap: str) -> None:
    """Connect to ``bootstrap`` and read its metadata once; KafkaError if it does not answer."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=5_000)
    try:
        await client.bootstrap()
    finally:
        await client.close()


async def wait_for_broker(
    bootstrap: str,
    *,
    timeout_s: float = TIMEOUT_S,
    attempt: Callable[[str], object] = bootstrap_once,
    say: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True),
) -> int:
    """Return once ``bootstrap`` answers (the number of failed attempts before it did)."""
    deadline = time.monotonic() + timeout_s
    failures = 0
    for delay_s in delays_s():
        try:
            await attempt(bootstrap)
            if failures:
                say(f"broker {bootstrap} answers after {failures} failed attempt(s)")
            return failures
        except (KafkaError, OSError) as exc:
            failures += 1
            if time.monotonic() + delay_s > deadline:
                raise BrokerUnreachable(
                    f"broker {bootstrap} did not answer within {timeout_s:.0f}s "
                    f"({failures} attempts; last: {exc!r})"
                ) from exc
            say(f"broker {bootstrap} not answering ({exc!r}); retrying in {delay_s:.1f}s")
            await asyncio.sleep(delay_s)
    raise AssertionError("unreachable")  # delays_s never ends
