"""One terminal connection's protocol logic, without I/O.

``Session.handle(raw)`` takes one raw frame and returns what to do: replies
to send to the terminal, fix rows to publish, and rejections to dead-letter.
The gateway does the I/O. Terminals register (0x0100 → 0x8100 with an auth
code), authenticate (0x0102), then report locations (0x0200, 0x0704) and
heartbeats (0x0002); every message that needs an answer gets a 0x8001.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from citybrain.contracts import ContractViolation
from connectors.jt808 import messages as m
from connectors.jt808.fixes import fix_row, validated
from connectors.jt808.frames import Frame, FrameError, decode_frame, encode_frame, parse_header
from connectors.jt808.frames import unescape as unescape_bytes
from connectors.tcp_gateway import Outcome


def auth_code(*, secret: bytes, phone: str) -> str:
    """The authentication code issued to a terminal: stable for a secret and phone."""
    return hmac.new(secret, phone.encode(), hashlib.sha256).hexdigest()[:16].upper()


@dataclass
class Session:
    """State of one TCP connection: who the terminal is and the platform's serial."""

    secret: bytes
    phone: str | None = None
    authenticated: bool = False
    version_2019: bool = False
    serial: int = 0

    def handle(self, raw: bytes) -> Outcome:
        """Decode one raw frame and decide the replies, fixes and rejections."""
        try:
            frame = decode_frame(raw)
        except FrameError as exc:
            return self._refuse_undecodable(raw, exc.reason)
        header = frame.header
        self.version_2019 = header.version_2019
        handler = {
            m.REGISTRATION: self._register,
            m.AUTHENTICATION: self._authenticate,
            m.HEARTBEAT: self._ok,
            m.DEREGISTRATION: self._deregister,
            m.TERMINAL_GENERAL_RESPONSE: lambda f, r: Outcome(),  # answers need no answer
            m.LOCATION_REPORT: self._locations,
            m.BATCH_LOCATION: self._locations,
        }.get(header.msg_id)
        if handler is None:
            return Outcome([self._general(frame, m.RESULT_UNSUPPORTED)])
        return handler(frame, raw)

    def _reply(
        self, *, msg_id: int, phone: str, body: bytes, version_2019: bool | None = None
    ) -> bytes:
        self.serial = (self.serial + 1) & 0xFFFF
        v2019 = self.version_2019 if version_2019 is None else version_2019
        return encode_frame(
            msg_id=msg_id, phone=phone, serial=self.serial, body=body, version_2019=v2019
        )

    def _general(self, frame: Frame, result: int) -> bytes:
        h = frame.header
        body = m.general_response(serial=h.serial, msg_id=h.msg_id, result=result)
        return self._reply(msg_id=m.PLATFORM_GENERAL_RESPONSE, phone=h.phone, body=body)

    def _ok(self, frame: Frame, raw: bytes) -> Outcome:
        return Outcome([self._general(frame, m.RESULT_OK)])

    def _register(self, frame: Frame, raw: bytes) -> Outcome:
        self.phone = frame.header.phone
        code = auth_code(secret=self.secret, phone=self.phone)
        body = m.registration_response(
            serial=frame.header.serial, result=m.RESULT_OK, auth_code=code
        )
        return Outcome([self._reply(msg_id=m.REGISTRATION_RESPONSE, phone=self.phone, body=body)])

    def _authenticate(self, frame: Frame, raw: bytes) -> Outcome:
        body = frame.body
        # 2013: the body is the code; 2019: code length BYTE, code, IMEI[15], version[20]
        code = body[1 : 1 + body[0]] if frame.header.version_2019 and body else body
        expected = auth_code(secret=self.secret, phone=frame.header.phone)
        ok = hmac.compare_digest(code, expected.encode("ascii"))  # bytes: any code compares
        if ok:
            self.phone, self.authenticated = frame.header.phone, True
            return Outcome([self._general(frame, m.RESULT_OK)])
        return Outcome(
            [self._general(frame, m.RESULT_FAILED)],
            rejections=[("authentication code does not match the terminal", raw)],
        )

    def _deregister(self, frame: Frame, raw: bytes) -> Outcome:
        self.authenticated = False
        return Outcome([self._general(frame, m.RESULT_OK)])

    def _locations(self, frame: Frame, raw: bytes) -> Outcome:
        if not self.authenticated or frame.header.phone != self.phone:
            return Outcome(
                [self._general(frame, m.RESULT_FAILED)],
                rejections=[("terminal has not authenticated on this connection", raw)],
            )
        try:
            if frame.header.msg_id == m.BATCH_LOCATION:
                locations = m.parse_batch_locations(frame.body)
            else:
                locations = [m.parse_location(frame.body)]
            rows = [validated(fix_row(phone=self.phone, location=loc)) for loc in locations]
        except (FrameError, ContractViolation) as exc:
            return Outcome(
                [self._general(frame, m.RESULT_MALFORMED)], rejections=[(exc.reason, raw)]
            )
        return Outcome([self._general(frame, m.RESULT_OK)], rows=rows)

    def _refuse_undecodable(self, raw: bytes, reason: str) -> Outcome:
        """Answer 'message error' when the header is readable; otherwise stay silent."""
        try:
            inner = unescape_bytes(raw.strip(b"\x7e"))
            header, _ = parse_header(inner[:-1])
        except (FrameError, IndexError):
            return Outcome(rejections=[(reason, raw)])
        body = m.general_response(
            serial=header.serial, msg_id=header.msg_id, result=m.RESULT_MALFORMED
        )
        reply = self._reply(
            msg_id=m.PLATFORM_GENERAL_RESPONSE,
            phone=header.phone,
            body=body,
            version_2019=header.version_2019,
        )
        return Outcome([reply], rejections=[(reason, raw)])
