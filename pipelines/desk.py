"""The demo's duty desk at work: read the day's cases, send the people's commands.

The pure part is :mod:`pipelines.scenarios.demo_county.duty_desk`; this module
reads ``cases.events`` from the broker, builds the commands with the county's
reference tables and produces them to ``cases.commands``, keyed by case id
(so each case's commands stay in order on one partition).
"""

from __future__ import annotations

from datetime import timedelta

import orjson
from aiokafka import AIOKafkaProducer

from citybrain.categories import REPORT_CATEGORIES
from citybrain.reference import read_table
from citybrain.settings import Settings
from pipelines.scenarios.demo_county import Scenario
from pipelines.scenarios.demo_county.clock import day_start_utc
from pipelines.scenarios.demo_county.duty_desk import (
    cases_from_events,
    desk_commands,
    supervisor_reports,
)
from pipelines.topic_read import read_all
from streams.cases import wire


def owners(departments: list[dict]) -> dict[str, str]:
    """Category → the department that owns it (the first listed wins)."""
    owner_of: dict[str, str] = {}
    for department in departments:
        for category in str(department.get("categories") or "").split(","):
            if category.strip():
                owner_of.setdefault(category.strip(), department["department_id"])
    return owner_of


async def work_the_day(settings: Settings, scenario: Scenario, *, bootstrap: str) -> int:
    """Send the duty desk's commands for the day's cases; return how many were sent."""
    events = [orjson.loads(v) for v in await read_all(bootstrap, topic=wire.EVENTS) if v]
    owner_of = owners(read_table(settings.reference_path, "departments"))
    categories = [c for c in REPORT_CATEGORIES if c in owner_of]
    places = [
        {**grid, "category": categories[i % len(categories)]}
        for i, grid in enumerate(read_table(settings.reference_path, "grids"))
    ]
    day_start_at = day_start_utc(scenario.day)
    end_at = day_start_at + timedelta(days=1)
    patrol = supervisor_reports(
        seed=scenario.seed, day_start_at=day_start_at, end_at=end_at, places=places
    )
    commands = desk_commands(
        cases_from_events(events), patrol, seed=scenario.seed, end_at=end_at, owner_of=owner_of
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for command in commands:
            await producer.send(
                wire.COMMANDS, key=command["case_id"].encode(), value=orjson.dumps(command)
            )
        await producer.flush()
    finally:
        await producer.stop()
    return len(commands)
