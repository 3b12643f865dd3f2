"""A series of chaos runs against one clean run: the report ``citybrain chaos`` prints."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from citybrain.settings import Settings
from pipelines.chaos.compare import compare, matched_apart_from
from pipelines.chaos.grouping import grouping
from pipelines.chaos.lineage import case_tables
from pipelines.chaos.outputs import Outputs, case_groups
from pipelines.chaos.plan import RunPlan, clean_plan, plan_run
from pipelines.chaos.runner import RunFailed, run_once
from pipelines.scenarios.demo_county import Scenario, build


def run_report(plan: RunPlan, reference: Outputs, outputs: Outputs, record) -> dict:
    """One run's JSON: its seed, what was killed when, each section's match, the verdict."""
    diffs = compare(reference, outputs)
    return {
        "run": plan.run,
        "seed": plan.seed,
        "workers": plan.workers,
        "kills": record.kills,
        "broker_restart": record.broker_restarts or None,
        "unexpected_exits": record.unexpected_exits,
        "outputs": {name: diff.summary() for name, diff in diffs.items()},
        "timings_s": record.timings_s,
        "matched": all(d.matched for d in diffs.values()),
        # every output but the case tables, and each signal placed in exactly one case
        "matched_apart_from_case_grouping": matched_apart_from(diffs, case_tables()),
        # how the grouping differed: whose signal opened a case, how far apart in event time
        "case_grouping": grouping(case_groups(reference), case_groups(outputs)),
    }


def clean_reference(
    scenario: Scenario,
    base: Settings,
    *,
    seed: int,
    workers: int,
    scale: float,
    workdir: Path,
    reference: Path | None,
    keep: bool,
    log: Callable[[str], None],
) -> tuple[RunPlan, Outputs, dict]:
    """The clean plan, its outputs and its summary: run now, or read from ``reference``.

    A reference file holds the scale and message count it was made with; one made
    for another day is refused rather than compared against.
    """
    count = len(scenario.messages)
    clean = clean_plan(seed=seed, messages=count, workers=workers)
    if reference is not None and reference.exists():
        doc = json.loads(reference.read_text())
        if (doc.get("scale"), doc.get("messages")) != (scale, count):
            raise ValueError(
                f"{reference} was made at scale {doc.get('scale')} with {doc.get('messages')} "
                f"messages; this series is scale {scale} with {count}"
            )
        log(f"clean run: read from {reference}")
        outputs, timings, source = doc["outputs"], {}, str(reference)
    else:
        log(f"clean run: {count} messages, {workers} worker(s), no faults")
        outputs, record = run_once(clean, scenario, base, workdir / "clean-1", log=log, keep=keep)
        timings, source = record.timings_s, None
        doc = {"scale": scale, "messages": count, "outputs": outputs}
        for path in {workdir / "reference.json", reference or workdir / "reference.json"}:
            path.write_text(json.dumps(doc))
    summary = {
        "run": 0,
        "clean": True,
        "messages": count,
        "rows": {s: sum(len(v) for v in t.values()) for s, t in outputs.items()},
        "timings_s": timings,
        "read_from": source,
    }
    return clean, outputs, summary


def run_series(
    base: Settings,
    *,
    runs: int,
    seed: int,
    workers: int,
    kills: int,
    scale: float,
    workdir: Path,
    clean_runs: int = 1,
    broker_restart: bool = True,
    keep: bool = False,
    reference: Path | None = None,
    log: Callable[[str], None] = print,
) -> Iterator[dict]:
    """Yield the clean run's summary, then one report per run (clean repeats first).

    ``reference``: a clean run's outputs to compare with, read if the file
    exists (written there otherwise), so series of one day share one clean run.
    """
    scenario = build(scale=scale)
    count = len(scenario.messages)
    workdir.mkdir(parents=True, exist_ok=True)
    clean, reference_outputs, summary = clean_reference(
        scenario,
        base,
        seed=seed,
        workers=workers,
        scale=scale,
        workdir=workdir,
        reference=reference,
        keep=keep,
        log=log,
    )
    yield summary
    plans = [replace(clean, run=-k) for k in range(2, clean_runs + 1)]  # clean repeats: -2, -3 …
    plans += [
        plan_run(
            seed=seed,
            run=r,
            messages=count,
            kills=kills,
            workers=workers,
            broker_restart=broker_restart,
        )
        for r in range(1, runs + 1)
    ]
    for plan in plans:
        name = f"run-{plan.run}" if plan.run > 0 else f"clean{plan.run}"
        log(f"{name}: {len(plan.kills)} kills, {len(plan.broker_restarts)} broker restart(s)")
        try:
            outputs, record = run_once(plan, scenario, base, workdir / name, log=log, keep=keep)
        except RunFailed as exc:
            yield {"run": plan.run, "seed": plan.seed, "error": str(exc)[-3000:], "matched": False}
            continue
        yield run_report(plan, reference_outputs, outputs, record)
