"""Simulated JT/T 808 terminals: register, authenticate, report, and check every answer.

Used by tests and ``citybrain bench jt808``; it speaks to a real gateway over
TCP exactly as a terminal would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from connectors.jt808 import messages as m
from connectors.jt808.frames import FrameSplitter, decode_frame, encode_frame

REPLY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Fix:
    """One position a simulated terminal reports."""

    lat: float
    lng: float
    at: datetime
    speed_kmh: float = 0.0
    heading_deg: float = 0.0


class TerminalError(RuntimeError):
    """The gateway answered a simulated terminal wrongly, or not at all."""


class Terminal:
    """One simulated terminal on one TCP connection."""

    def __init__(self, phone: str, *, version_2019: bool = False) -> None:
        self.phone = phone
        self.version_2019 = version_2019
        self.serial = 0
        self._splitter = FrameSplitter()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self, host: str, port: int) -> None:
        """Open the connection, register and authenticate."""
        self._reader, self._writer = await asyncio.open_connection(host, port)
        registered = await self.request(m.REGISTRATION, b"\x00" * 37)
        if registered.header.msg_id != m.REGISTRATION_RESPONSE or registered.body[2] != 0:
            raise TerminalError(f"{self.phone}: registration refused")
        code = registered.body[3:]
        body = bytes([len(code)]) + code if self.version_2019 else code
        await self.expect_ok(m.AUTHENTICATION, body)

    async def report(self, fixes: Sequence[Fix]) -> None:
        """Send one 0x0200 per fix, each answered OK before the next."""
        for fix in fixes:
            await self.expect_ok(
                m.LOCATION_REPORT,
                m.encode_location(
                    lat=fix.lat,
                    lng=fix.lng,
                    fixed_at=fix.at,
                    speed_kmh=fix.speed_kmh,
                    heading_deg=fix.heading_deg,
                ),
            )

    async def expect_ok(self, msg_id: int, body: bytes) -> None:
        """Send a message and require a 0x8001 with result 0 for it."""
        reply = await self.request(msg_id, body)
        if reply.header.msg_id != m.PLATFORM_GENERAL_RESPONSE or reply.body[4] != m.RESULT_OK:
            raise TerminalError(f"{self.phone}: 0x{msg_id:04X} answered {reply.body.hex()}")

    async def request(self, msg_id: int, body: bytes):
        """Send one message and return the gateway's next reply frame."""
        assert self._reader is not None and self._writer is not None
        self.serial = (self.serial + 1) & 0xFFFF
        self._writer.write(
            encode_frame(
                msg_id=msg_id,
                phone=self.phone,
                serial=self.serial,
                body=body,
                version_2019=self.version_2019,
            )
        )
        await self._writer.drain()
        while True:
            data = await asyncio.wait_for(self._reader.read(4096), REPLY_TIMEOUT_S)
            if not data:
                raise TerminalError(f"{self.phone}: the gateway closed the connection")
            frames = self._splitter.feed(data)
            if frames:
                return decode_frame(frames[0])

    async def close(self) -> None:
        """Close the connection."""
        if self._writer is not None:
            self._writer.close()
