"""Stop the worker process, uncommitted, when a batch fails or never finishes.

``stream.take_events`` acknowledges a batch when the agent leaves it, even by
an exception, and acknowledged offsets get committed: an agent that raised
would silently skip its batch. Bad *records* never raise (contracts turn them
into dead letters); an exception here is a bug or a lost dependency, so the
process exits at once without committing, and the batch is processed again
after restart. Losing data quietly is worse than a restart.

A batch still running after ``BATCH_DEADLINE_S`` ends the process the same
way, after writing where the batch waits (its coroutine stack) to the log. A
stuck batch holds its messages unacknowledged, and faust's rebalance waits
for every message to be acknowledged: one batch that never returns would
stall the whole consumer group for good (a two-worker chaos run once did,
after a broker restart). A restart lets the group move on, and the stack says
what the batch waited for. The deadline is far above any healthy batch
(milliseconds to seconds) and above a broker restart; a broker away for
longer than it makes workers restart, and they wait for the broker on start.

:func:`watch_rebalances` does the same for the whole worker: a rebalance that
has run for ``REBALANCE_DEADLINE_S``, table recovery apart (its wait for
unacknowledged messages never ends, wherever they are held), writes every
task's await chain and ends the process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
EXIT_BATCH_FAILED = 70  # EX_SOFTWARE
EXIT_BATCH_STUCK = 75  # EX_TEMPFAIL: the batch is tried again after the restart
BATCH_DEADLINE_S = 300.0
REBALANCE_DEADLINE_S = 300.0
REBALANCE_CHECK_S = 10.0
OWN = f"{os.sep}streams{os.sep}"  # a frame of citybrain's stream code

log = logging.getLogger(__name__)


async def or_exit(
    step: Callable[[], Awaitable[T]], *, what: str, deadline_s: float | None = BATCH_DEADLINE_S
) -> T:
    """Await ``step()``; on an exception, or past ``deadline_s``, report and end uncommitted."""
    stuck = None
    if deadline_s is not None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        stuck = loop.call_later(deadline_s, _stuck, task, what, deadline_s)
    try:
        return await step()
    except Exception:
        message = f"batch failed in {what}; exiting without committing offsets\n"
        message += traceback.format_exc()
        _report(message)
        exit_process(EXIT_BATCH_FAILED)
        raise  # only reached when exit_process is replaced (tests)
    finally:
        if stuck is not None:
            stuck.cancel()


def _stuck(task: asyncio.Task | None, what: str, deadline_s: float) -> None:
    """The deadline passed: write where the batch waits, then end the process."""
    chain = await_chain(task.get_coro()) if task is not None else []
    _report(
        f"batch in {what} still running after {deadline_s:g} s; exiting without committing"
        f" offsets (the batch is read again after the restart). It waits at:\n"
        + "".join(f"  {line}\n" for line in chain)
    )
    try:
        exit_process(EXIT_BATCH_STUCK)
    finally:
        if task is not None:
            task.cancel()  # only reached when exit_process is replaced (tests)


def await_chain(coro: Any) -> list[str]:
    """Where a suspended coroutine waits: each frame down its ``await`` chain, outermost first.

    ``Task.get_stack`` gives only the outermost frame of a suspended task; the
    line that waits is at the bottom of the chain (a future, a lock, a sleep).
    """
    chain: list[str] = []
    while coro is not None and len(chain) < 100:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        chain.append(f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        inner = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        if inner is not None and not hasattr(inner, "cr_frame") and not hasattr(inner, "gi_frame"):
            chain.append(f"awaiting {inner!r}"[:300])
            break
        coro = inner
    return chain


def all_chains() -> str:
    """Every task of the running loop with its await chain (for a stuck worker's log).

    Tasks waiting in citybrain's own code come last, nearest a log's tail.
    """
    chains = [(task.get_name(), await_chain(task.get_coro())) for task in asyncio.all_tasks()]
    lines: list[str] = []
    for name, chain in sorted(chains, key=lambda c: (any(OWN in f for f in c[1]), c[0])):
        lines.append(f"task {name}:")
        lines += [f"  {line}" for line in chain]
    return "\n".join(lines) + "\n"


def rebalance_since(since_s: float | None, *, rebalancing: bool, now_s: float) -> float | None:
    """When the rebalance under way began (``since_s`` if already seen); None when none is."""
    if not rebalancing:
        return None
    return now_s if since_s is None else since_s


def watch_rebalances(
    app: Any,
    *,
    deadline_s: float = REBALANCE_DEADLINE_S,
    check_every_s: float = REBALANCE_CHECK_S,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[], Awaitable[None]]:
    """Declare a timer that ends the worker when one rebalance outlasts ``deadline_s``.

    Time spent recovering tables from their changelogs does not count: that
    grows with the tables and moves forward all along.
    Returns the timer's function. Before ending, it writes every task's await
    chain: the task holding the rebalance up is among them.
    """
    state: dict[str, float | None] = {"since": None}

    async def check() -> None:
        now_s = clock()
        # table recovery is a rebalance's slow and healthy part: the clock starts after it
        rebalancing = bool(app.rebalancing) and not getattr(app, "in_recovery", False)
        since = rebalance_since(state["since"], rebalancing=rebalancing, now_s=now_s)
        state["since"] = since
        if since is None or now_s - since <= deadline_s:
            return
        _report(
            f"a rebalance has run for {now_s - since:.0f} s (more than {deadline_s:g} s);"
            " exiting without committing offsets so the group can move on. Every task:\n"
            + all_chains()
        )
        exit_process(EXIT_BATCH_STUCK)

    app.timer(check_every_s, name="rebalance-guard")(check)
    return check


def _report(message: str) -> None:
    log.critical(message)
    sys.stderr.write(message)
    sys.stderr.flush()
    logging.shutdown()


def exit_process(code: int) -> None:
    """End the process now: no cleanup, no offset commit (tests replace this)."""
    os._exit(code)
