"""A fleet of simulated JT/T 808 terminals in a process of its own (for the hold benchmark).

``python -m pipelines.bench.jt808_fleet HOST PORT N``: registers and authenticates N
terminals (at most 200 handshakes at a time) and keeps every connection open, prints
``connected <seconds>``, waits for a line on stdin, then has every terminal report one fix
while all are still connected, prints ``reported <seconds>``, and closes them. Its own
process so the terminals' sockets do not count against the gateway's file limit.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime

from connectors.jt808.simulator import Fix, Terminal

HANDSHAKES_AT_ONCE = 200


async def main(host: str, port: int, count: int) -> None:
    fleet = [Terminal(f"0199{i:08d}") for i in range(count)]
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)

    async def connect(terminal: Terminal) -> None:
        async with gate:
            await terminal.connect(host, port)

    began = time.perf_counter()
    await asyncio.gather(*(connect(t) for t in fleet))
    print(f"connected {time.perf_counter() - began:.3f}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    at = datetime(2026, 7, 15, 12, tzinfo=UTC)
    began = time.perf_counter()
    await asyncio.gather(*(t.report([Fix(lat=30.2, lng=120.1, at=at)]) for t in fleet))
    print(f"reported {time.perf_counter() - began:.3f}", flush=True)
    await asyncio.gather(*(t.close() for t in fleet), return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
