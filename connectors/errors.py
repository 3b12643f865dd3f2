"""The error every binary protocol parser raises for input it refuses."""

from __future__ import annotations


class FrameError(ValueError):
    """A frame that cannot be decoded; ``reason`` says why (it lands in the dead letter)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def bcd_digits(data: bytes) -> str:
    """BCD bytes → digit string; a nibble above 9 is a FrameError."""
    digits = data.hex()
    if not digits.isdigit():
        raise FrameError(f"invalid BCD {digits!r}")
    return digits
