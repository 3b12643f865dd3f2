"""Stop the worker process, uncommitted, when a batch fails unexpectedly.

``stream.take_events`` acknowledges a batch when the agent leaves it, even by
an exception, and acknowledged offsets get committed: an agent that raised
would silently skip its batch. Bad *records* never raise (contracts turn them
into dead letters); an exception here is a bug or a lost dependency, so the
process exits at once without committing, and the batch is processed again
after restart. Losing data quietly is worse than a restart.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
EXIT_BATCH_FAILED = 70  # EX_SOFTWARE

log = logging.getLogger(__name__)


async def or_exit(step: Callable[[], Awaitable[T]], *, what: str) -> T:
    """Await ``step()``; on any exception report it and end the process uncommitted."""
    try:
        return await step()
    except Exception:
        message = f"batch failed in {what}; exiting without committing offsets\n"
        message += traceback.format_exc()
        log.critical(message)
        sys.stderr.write(message)
        sys.stderr.flush()
        logging.shutdown()
        exit_process(EXIT_BATCH_FAILED)
        raise  # only reached when exit_process is replaced (tests)


def exit_process(code: int) -> None:
    """End the process now: no cleanup, no offset commit (tests replace this)."""
    os._exit(code)
