"""The one place citybrain reaches into faust internals.

faust routes a table write to the changelog partition of the *current event*.
In a batch from ``stream.take_events`` the current event is whichever came
last, possibly from another partition. :func:`event_context` makes a chosen
event current, so writes made for partition P go to changelog partition P and
the table stays co-partitioned with its source topic.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from faust.streams import _current_event
from faust.types import EventT


@contextmanager
def event_context(event: EventT) -> Iterator[None]:
    """Make ``event`` the current event for table reads and writes in the block."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)
