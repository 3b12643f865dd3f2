import asyncio

import pytest

import streams.guard
from streams.guard import (
    EXIT_BATCH_FAILED,
    EXIT_BATCH_STUCK,
    await_chain,
    or_exit,
    rebalance_since,
    watch_rebalances,
)


@pytest.fixture
def exits(monkeypatch):
    codes: list[int] = []
    monkeypatch.setattr(streams.guard, "exit_process", codes.append)
    return codes


async def test_a_batch_that_returns_gives_its_value_and_leaves_no_deadline(exits):
    async def batch():
        return 3

    assert await or_exit(batch, what="video", deadline_s=0.05) == 3
    await asyncio.sleep(0.1)  # the deadline would have fired by now
    assert exits == []


async def test_a_batch_that_raises_ends_the_process_with_its_traceback(exits, capsys):
    async def batch():
        raise KeyError("camera")

    with pytest.raises(KeyError):
        await or_exit(batch, what="video")
    assert exits == [EXIT_BATCH_FAILED]
    err = capsys.readouterr().err
    assert "batch failed in video" in err and "KeyError: 'camera'" in err


async def never_resolved(lock: asyncio.Lock) -> None:
    async with lock:
        pass


async def test_a_batch_past_its_deadline_ends_the_process_saying_where_it_waits(exits, capsys):
    lock = asyncio.Lock()
    await lock.acquire()  # held for good: the batch waits on it forever

    async def batch():
        await never_resolved(lock)

    with pytest.raises(asyncio.CancelledError):
        await or_exit(batch, what="flood", deadline_s=0.05)
    assert exits == [EXIT_BATCH_STUCK]
    err = capsys.readouterr().err
    assert "batch in flood still running after 0.05 s" in err
    assert "in never_resolved" in err  # the frame that waits, not only the agent's


async def test_the_await_chain_runs_from_the_outer_coroutine_to_the_awaited_future():
    future = asyncio.get_running_loop().create_future()

    async def inner():
        await future

    async def outer():
        await inner()

    task = asyncio.ensure_future(outer())
    await asyncio.sleep(0)
    chain = await_chain(task.get_coro())
    assert [line.rsplit(" in ", 1)[1] for line in chain[:2]] == ["outer", "inner"]
    assert len(chain) == 3 and chain[2].startswith("awaiting")
    future.set_result(None)
    await task


def test_a_rebalance_is_timed_from_the_first_check_that_sees_it():
    assert rebalance_since(None, rebalancing=False, now_s=10.0) is None
    since = rebalance_since(None, rebalancing=True, now_s=10.0)
    assert since == 10.0
    assert rebalance_since(since, rebalancing=True, now_s=400.0) == 10.0
    assert rebalance_since(since, rebalancing=False, now_s=410.0) is None  # over: starts afresh


class Timers:
    """Collects what ``app.timer`` declares, as a faust App would schedule it."""

    def __init__(self) -> None:
        self.rebalancing = False
        self.in_recovery = False
        self.declared: dict[str, float] = {}

    def timer(self, interval: float, *, name: str):
        self.declared[name] = interval
        return lambda fun: fun


async def test_a_rebalance_past_its_deadline_ends_the_worker_with_every_task(exits, capsys):
    app = Timers()
    now = iter([0.0, 5.0, 20.0, 31.0, 400.0, 401.0, 470.0])
    check = watch_rebalances(app, deadline_s=30.0, check_every_s=1.0, clock=lambda: next(now))
    assert app.declared == {"rebalance-guard": 1.0}
    app.rebalancing = True
    await check()  # seen at 0
    await check()  # 5 s
    app.rebalancing = False
    await check()  # over at 20: the clock starts afresh
    app.rebalancing = True
    app.in_recovery = True
    await check()  # 31: recovering tables, however long, is not stuck
    await check()  # 400
    app.in_recovery = False
    await check()  # recovered at 401: the clock starts
    assert exits == []
    await check()  # 470: 69 s after it started
    assert exits == [EXIT_BATCH_STUCK]
    err = capsys.readouterr().err
    assert "a rebalance has run for 69 s (more than 30 s)" in err
    assert "in test_a_rebalance_past_its_deadline_ends_the_worker_with_every_task" in err
