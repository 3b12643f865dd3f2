"""The faults of a chaos run: a pure function of (seed, run number, knobs).

A run replays the day in segments. Before each fault the next segment is
published at full speed, so the stream workers always have fresh backlog when
the fault lands; then, after a seeded delay, the fault: SIGKILL of a stream
worker (or, now and then, the landing sink) which is restarted at once, or
the broker's restart. The clean run (run 0) has no faults and one segment.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

WORKER = "worker"
SECOND_WORKER = "worker-2"
SINK = "sink"
BROKER = "broker"
SINK_SHARE = 0.2  # about one kill in five hits the sink
DELAY_S = (0.5, 4.0)  # after the segment is published (then the kill waits for progress)


@dataclass(frozen=True)
class Fault:
    """One fault: ``process`` (worker, sink or broker) hit ``delay_s`` after segment ``segment``."""

    process: str
    segment: int
    delay_s: float


@dataclass(frozen=True)
class RunPlan:
    """What one run does: its seed, the segment boundaries (message indexes), its faults."""

    run: int
    seed: int
    workers: int
    cuts: tuple[int, ...]  # segment i is messages[cuts[i]:cuts[i+1]]
    faults: tuple[Fault, ...]

    @property
    def kills(self) -> tuple[Fault, ...]:
        return tuple(f for f in self.faults if f.process != BROKER)

    @property
    def broker_restarts(self) -> tuple[Fault, ...]:
        return tuple(f for f in self.faults if f.process == BROKER)


def run_seed(seed: int, run: int) -> int:
    """The seed of run ``run`` in the series of ``seed`` (stable across Python versions)."""
    return random.Random(f"citybrain-chaos-{seed}-{run}").randrange(2**31)


def clean_plan(*, seed: int, messages: int, workers: int = 1) -> RunPlan:
    """Run 0: the whole day in one segment, no fault."""
    return RunPlan(0, run_seed(seed, 0), workers, (0, messages), ())


def plan_run(
    *,
    seed: int,
    run: int,
    messages: int,
    kills: int,
    workers: int = 1,
    broker_restart: bool = True,
) -> RunPlan:
    """The faults of run ``run`` (1-based): ``kills`` SIGKILLs and maybe one broker restart.

    Kills hit the first stream worker, sometimes the sink; with two workers the
    second is never killed (it takes over the partitions while the first is down).
    The broker restart, if any, lands between two kills at a seeded place.
    """
    if run < 1:
        raise ValueError("fault runs are numbered from 1; run 0 is the clean run")
    if kills < 0 or messages < 1:
        raise ValueError("kills must be >= 0 and messages >= 1")
    rng = random.Random(run_seed(seed, run))
    processes = [SINK if rng.random() < SINK_SHARE else WORKER for _ in range(kills)]
    if kills and WORKER not in processes:
        processes[rng.randrange(kills)] = WORKER  # every run crashes a stream worker
    if broker_restart:
        processes.insert(rng.randint(kills // 3, max(kills // 3, 2 * kills // 3)), BROKER)
    segments = len(processes) + 1  # the last segment is published after the last fault
    inner = sorted(rng.sample(range(1, messages), min(segments - 1, messages - 1)))
    while len(inner) < segments - 1:  # fewer messages than faults: empty segments
        inner.append(messages)
    cuts = (0, *inner, messages)
    faults = tuple(
        Fault(process, i, round(rng.uniform(*DELAY_S), 2)) for i, process in enumerate(processes)
    )
    return RunPlan(run, run_seed(seed, run), workers, cuts, faults)
