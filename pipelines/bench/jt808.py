"""Benchmark: JT/T 808 frames parsed per second, and fixes delivered per second.

* **parse** — decode (unescape, checksum, header) and parse 0x0200 bodies of
  real-shaped location frames on one core; baseline: a checksum-only pass
  over the same frames (the least any parser must do).
* **deliver** — simulated terminals report through the real gateway into a
  real broker, each report answered only after Kafka acknowledged it;
  baseline: the same rows produced straight to Kafka by one producer.
* **hold** — N terminals (10,000 by default on the command line) registered,
  authenticated and connected at the same time, counted by the gateway, then
  each reports one fix while all are held (:mod:`pipelines.bench.jt808_fleet`
  runs them in a process of their own).
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer

from citybrain.contracts import encode_row
from connectors.jt808 import frames, messages
from connectors.jt808.fixes import fix_row
from connectors.jt808.gateway import jt808_gateway
from connectors.jt808.simulator import Fix, Terminal

T0 = datetime(2026, 7, 15, 12, tzinfo=UTC)


def location_frames(count: int) -> list[bytes]:
    """``count`` escaped 0x0200 frames with mileage, varying serials and positions."""
    return [
        frames.encode_frame(
            msg_id=messages.LOCATION_REPORT,
            phone=f"1330000{i % 1000:04d}",
            serial=i & 0xFFFF,
            body=messages.encode_location(
                lat=30.2 + i / 1e6, lng=120.1, fixed_at=T0, speed_kmh=31.5, mileage_km=i / 10
            ),
        )
        for i in range(count)
    ]


def parse_rates(count: int) -> dict[str, float]:
    """Frames/s for full decoding and for the checksum-only baseline."""
    raws = location_frames(count)
    began = time.perf_counter()
    for raw in raws:
        messages.parse_location(frames.decode_frame(raw).body)
    parse = count / (time.perf_counter() - began)
    began = time.perf_counter()
    for raw in raws:
        frames.checksum(raw[1:-2])
    return {"parse": parse, "checksum": count / (time.perf_counter() - began)}


async def deliver_rates(bootstrap: str, *, terminals: int, fixes_each: int) -> dict[str, float]:
    """Fixes/s through the gateway, and rows/s straight to Kafka (same rows)."""
    gateway = jt808_gateway(bootstrap=bootstrap, secret=b"bench")
    host, port = await gateway.start(port=0)

    async def terminal(i: int) -> None:
        t = Terminal(f"0188{i:08d}")
        await t.connect(host, port)
        await t.report(
            [Fix(lat=30.2, lng=120.1, at=T0 + timedelta(seconds=k)) for k in range(fixes_each)]
        )
        await t.close()

    try:
        began = time.perf_counter()
        await asyncio.gather(*(terminal(i) for i in range(terminals)))
        gateway_s = time.perf_counter() - began
    finally:
        await gateway.stop()
    rows = [
        fix_row(
            phone=f"0177{i:08d}",
            location=messages.parse_location(
                messages.encode_location(lat=30.2, lng=120.1, fixed_at=T0 + timedelta(seconds=k))
            ),
        )
        for i in range(terminals)
        for k in range(fixes_each)
    ]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        began = time.perf_counter()
        sends = [
            await producer.send("gps.fixes", encode_row(r), key=r["vehicle_id"].encode())
            for r in rows
        ]
        await asyncio.gather(*sends)
        direct_s = time.perf_counter() - began
    finally:
        await producer.stop()
    total = terminals * fixes_each
    return {"gateway": total / gateway_s, "direct": total / direct_s}


async def hold(bootstrap: str, *, terminals: int) -> dict[str, float]:
    """Hold ``terminals`` connections at once; their handshakes and one fix each while held."""
    gateway = jt808_gateway(bootstrap=bootstrap, secret=b"bench", max_connections=terminals)
    host, port = await gateway.start(port=0)
    fleet = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pipelines.bench.jt808_fleet",
        host,
        str(port),
        str(terminals),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        connected = (await fleet.stdout.readline()).decode().split()
        if not connected or connected[0] != "connected":
            raise RuntimeError(f"the terminal fleet did not connect: {connected}")
        held = gateway.open_connections
        fleet.stdin.write(b"report\n")
        await fleet.stdin.drain()
        reported = (await fleet.stdout.readline()).decode().split()
        if not reported or reported[0] != "reported":
            raise RuntimeError(f"the terminal fleet did not report: {reported}")
        await fleet.wait()
    finally:
        if fleet.returncode is None:
            fleet.kill()
        await gateway.stop()
    return {
        "held": held,
        "connect_s": float(connected[1]),
        "report_s": float(reported[1]),
        "refused": gateway.stats.refused_connections,
        "fixes": gateway.stats.rows,
    }


def bench(
    bootstrap: str, *, frames_count: int, terminals: int, fixes_each: int, hold_terminals: int = 0
) -> dict:
    """All figures as one JSON-ready dict (the hold phase only when ``hold_terminals``)."""
    parse = parse_rates(frames_count)
    deliver = asyncio.run(deliver_rates(bootstrap, terminals=terminals, fixes_each=fixes_each))
    held = asyncio.run(hold(bootstrap, terminals=hold_terminals)) if hold_terminals else None
    return {
        "benchmark": "jt808",
        "frames": frames_count,
        "parse_frames_per_s": round(parse["parse"], 1),
        "baseline_checksum_frames_per_s": round(parse["checksum"], 1),
        "parse_ratio_to_baseline": round(parse["parse"] / parse["checksum"], 3),
        "target_parse_frames_per_s": 50_000,
        "terminals": terminals,
        "fixes": terminals * fixes_each,
        "delivered_fixes_per_s": round(deliver["gateway"], 1),
        "baseline_direct_produce_per_s": round(deliver["direct"], 1),
        "deliver_ratio_to_baseline": round(deliver["gateway"] / deliver["direct"], 3),
        **(
            {
                "hold_terminals": hold_terminals,
                "held_concurrently": held["held"],
                "target_held_terminals": 10_000,
                "hold_handshakes_per_s": round(hold_terminals / held["connect_s"], 1),
                "fixes_while_held": held["fixes"],
                "fixes_per_s_while_held": round(hold_terminals / held["report_s"], 1),
                "refused_connections": held["refused"],
            }
            if held
            else {}
        ),
    }
