"""Fuzz targets: one per parser, source contract and HTTP request decoder.

Each :class:`Target` takes arbitrary bytes. It either accepts them or refuses
them with its documented rejection error (``rejects``), whose reason is not
empty; any other exception — or a "never raises" entry point raising at all —
is a crash. The same table drives atheris (``tests/fuzz/atheris_main.py``,
coverage-guided, in a subprocess) and hypothesis (``test_hypothesis_targets``).
Seeds are tiny real payloads: the fixtures in ``tests/fixtures`` and frames
made by our own encoders.

The targets live by family: ``targets_frames`` (JT/T 808 and SL 651 parsers
and sessions), ``targets_records`` (source contracts, 12345 hotline, Open311,
permits) and ``targets_http`` (token, vehicle and flood queries, case commands
and the case API); ``target_base`` holds :class:`Target` and :func:`check`.
This module only assembles them into ``TARGETS``, keyed by name.
"""

from __future__ import annotations

from target_base import Target, check, reason_of
from targets_frames import FRAME_TARGETS
from targets_http import HTTP_TARGETS
from targets_records import RECORD_TARGETS

__all__ = ["TARGETS", "Target", "check", "reason_of"]

TARGETS: dict[str, Target] = {t.name: t for t in (*FRAME_TARGETS, *RECORD_TARGETS, *HTTP_TARGETS)}
