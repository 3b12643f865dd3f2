"""Short digests the case engine remembers recent ids by (pure).

An id is remembered only to recognise it when it comes again (a re-delivered
command, signal or message), so 48 bits of BLAKE2b (12 hex digits, 15 bytes
in JSON where the ids take 40–60) do: among 256 remembered digests a new id
matches one by chance about once in 10^12.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection


def digest48(text: str) -> str:
    """12 hex digits of BLAKE2b over ``text``."""
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def remembered(text: str | None, digests: Collection[str]) -> bool:
    """True when ``text`` is among ``digests`` (or, as stored before digests, itself is)."""
    return text is not None and (text in digests or digest48(text) in digests)
