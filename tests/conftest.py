"""Shared fixtures: one real Apache Kafka broker for the whole test session.

The broker is fetched with mvn (into the user's cache, once) and started by
the same launcher that ``citybrain broker start`` uses. Nothing is skipped: if
``java`` or ``mvn`` is missing, the ``kafka`` fixture fails with a BrokerError
saying what to install. Tests that need the broker are marked ``integration``.

The ``postgres`` fixture is the same for PostgreSQL: a throwaway server
(:class:`warehouse.postgres.TempPostgres`) or a failure saying that
``make setup`` installs it.

``make test`` runs the suite as two pytest processes at once (``--part``):
the tests that start processes (a broker, PostgreSQL, workers, sqlmesh) one at
a time, as a plain ``pytest`` runs them; and beside them, on the core a serial
run leaves idle, the unit tests, the SQLMesh project's tests (``tests/models``:
sqlmesh and PostgreSQL, no broker) and the Superset demo (a broker, worker,
sink, sqlmesh and Superset of its own, on free ports), with a SQLMesh cache of
their own (``CITYBRAIN_SQLMESH_CACHE_DIR``) so the two processes' sqlmesh runs
never write the same cache.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace

import hypothesis
import pytest

from citybrain.settings import Settings, load
from citybrain.topics import registry
from pipelines.broker import LocalBroker, free_port
from pipelines.topics_admin import create_topics
from warehouse.postgres import PgConnection, PostgresMissing, TempPostgres

# tests never assert wall-clock times: no example fails for being slow on a busy machine
hypothesis.settings.register_profile("citybrain", deadline=None)
hypothesis.settings.load_profile("citybrain")

# fixtures that start servers: the "processes" part; the SQLMesh project's own tests, which
# start sqlmesh and PostgreSQL but neither a broker nor a worker: the "models" part; the
# Superset demo (a broker, worker, sink and sqlmesh of its own, then Superset and Chromium,
# all on free ports, never the session broker): the "superset" part
PROCESS_FIXTURES = frozenset({"kafka", "postgres"})
MODELS_PATH = "tests/models/"
SUPERSET_PATH = "tests/dashboards/test_superset_e2e.py"
PARTS = ("processes", "models", "superset", "units")


def part_of(item: pytest.Item) -> str:
    """The ``--part`` a test belongs to: models, superset, processes (it starts servers), units."""
    if item.nodeid.startswith(MODELS_PATH):
        return "models"
    if item.nodeid.startswith(SUPERSET_PATH):
        return "superset"
    if item.get_closest_marker("integration") or PROCESS_FIXTURES & set(item.fixturenames):
        return "processes"
    return "units"


def parts(value: str) -> frozenset[str]:
    """``--part``'s value: ``all``, or a comma-separated list of PARTS."""
    if value == "all":
        return frozenset(PARTS)
    names = frozenset(value.split(","))
    if not names <= set(PARTS):
        raise argparse.ArgumentTypeError(f"expected all or some of {','.join(PARTS)}: {value!r}")
    return names


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``--part``, deselect the tests of the other parts."""
    wanted = config.getoption("part")
    keep, drop = [], []
    for item in items:
        (keep if part_of(item) in wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-long",
        action="store_true",
        help="run each atheris fuzz target for CITYBRAIN_FUZZ_SECONDS (default 300 s) "
        "instead of the CI's few seconds, and hypothesis with 20x the examples",
    )
    parser.addoption(
        "--part",
        type=parts,
        default="all",
        help="only some parts, comma-separated: processes (tests that start a broker, workers "
        "or PostgreSQL), models (the SQLMesh project's tests), superset (the Superset demo), "
        "units (the rest); make test runs processes beside units,models,superset",
    )


@dataclass(frozen=True)
class Kafka:
    """The session's broker: its bootstrap address and the settings that started it."""

    bootstrap: str
    settings: Settings


@pytest.fixture(scope="session")
def kafka(tmp_path_factory) -> Iterator[Kafka]:
    """One real broker for the session, with the ``citybrain`` topic registry created."""
    home = tmp_path_factory.mktemp("kafka-home")
    settings = load(
        {
            "HOME": str(home),
            "CITYBRAIN_HOME": str(home),
            "CITYBRAIN_CACHE_DIR": str(load().cache_dir),  # the user's jar cache: fetch once
        }
    )
    broker = LocalBroker(settings)
    address = broker.start()
    try:
        asyncio.run(create_topics(address, registry("citybrain")))
        yield Kafka(address, replace(settings, broker=address))
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgConnection]:
    """One throwaway PostgreSQL server for the session (Debian's binaries; never skipped)."""
    try:
        server = TempPostgres()
    except PostgresMissing as exc:
        pytest.fail(str(exc))
    with server as connection:
        yield connection


@pytest.fixture
def settings_env(tmp_path, kafka) -> Settings:
    """Settings of a fresh citybrain home on the session broker, with free web ports."""
    return load(
        {
            "HOME": str(tmp_path),
            "CITYBRAIN_HOME": str(tmp_path / "citybrain"),
            "CITYBRAIN_CACHE_DIR": str(kafka.settings.cache_dir),
            "CITYBRAIN_BROKER": kafka.bootstrap,
            "CITYBRAIN_WEB_PORT": str(free_port()),
            "CITYBRAIN_SINK_WEB_PORT": str(free_port()),
        }
    )


@pytest.fixture
def camera_registry(tmp_path, monkeypatch) -> str:
    """One registered camera (``cam-7``) in the reference directory the contracts read."""
    from citybrain.reference import write_tables

    write_tables(tmp_path, {"cameras": [{"camera_id": "cam-7", "lat": 30.25, "lng": 120.15}]})
    monkeypatch.setenv("CITYBRAIN_REFERENCE_DIR", str(tmp_path))
    return "cam-7"
