"""The demo ends with Superset serving the demo county; an analyst's browser finds every chart.

Runs the real demo (broker, worker, sink, replay, SQLMesh plan, snapshot) at a small scale,
then Superset from its own virtual environment on a free port, and checks it the way
the issue asks: chart data through the API, every dashboard in headless Chromium,
idempotent import, export round trip, and serving while the warehouse is being written.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from citybrain.settings import load
from dashboards.api import ApiError, SupersetApi
from dashboards.bundle import ASSETS_DIR, asset_files, export_bundle, import_bundle
from dashboards.check import chart_data, check_all
from dashboards.service import superset
from pipelines import processes
from pipelines.broker import LocalBroker, free_port
from pipelines.demo import run_demo
from pipelines.lag import wait_caught_up
from pipelines.plan import run_plan
from pipelines.replay import replay
from pipelines.scenarios.demo_county import build
from streams.sink.agents import LANDED_TOPICS, SINK_APP_SUFFIX

SCALE = 0.3
SCREENSHOTS = Path(__file__).parents[2] / "logs" / "dashboards"


@pytest.fixture(scope="module")
def demo(tmp_path_factory, kafka):
    home = tmp_path_factory.mktemp("superset-demo")
    env = {
        "HOME": str(home),
        "CITYBRAIN_HOME": str(home / "citybrain"),
        "CITYBRAIN_CACHE_DIR": str(kafka.settings.cache_dir),
        "CITYBRAIN_WEB_PORT": str(free_port()),
        "CITYBRAIN_SINK_WEB_PORT": str(free_port()),
        "CITYBRAIN_SUPERSET_PORT": str(free_port()),
    }
    settings = load(env)
    patch = pytest.MonkeyPatch()
    patch.setenv("CITYBRAIN_SUPERSET_PORT", env["CITYBRAIN_SUPERSET_PORT"])
    service = superset(settings, env)
    if not service.installed:
        pytest.fail(f"Superset is not installed in {service.venv}: run `make setup`")
    scenario = build(scale=SCALE)
    lines: list[str] = []
    try:
        summary = run_demo(settings, scenario, speed=None, log=lines.append)
        yield settings, service, summary, scenario
    finally:
        service.stop()
        LocalBroker(settings).stop()
        patch.undo()


@pytest.mark.integration
def test_the_demo_ends_with_superset_serving_the_dashboards(demo):
    settings, service, summary, _ = demo
    assert service.healthy()
    assert summary.superset_url == f"{service.url}/dashboard/list/"
    assert summary.superset_login == (service.admin_user, service.admin_password)
    assert settings.published_path.exists()
    titles = {
        d["dashboard_title"]
        for d in SupersetApi(service.url)
        .login(service.admin_user, service.admin_password)
        .listing("dashboard")
    }
    assert {"三高分析", "防汛值守", "车辆监管", "案件与考评", "领导总览"} <= titles


@pytest.mark.integration
def test_the_demo_passes_the_data_quality_checkpoint(demo):
    from expectations.checkpoint import check
    from expectations.findings import render
    from expectations.mart_check import check_marts
    from expectations.marts import CHECKED_MARTS

    settings, *_ = demo
    now_at = datetime.now(UTC)
    landing = check(settings.landing_dir, area_bounds=settings.area_bounds, now_at=now_at)
    marts = check_marts(settings.published_path, area_bounds=settings.area_bounds, now_at=now_at)
    assert landing.findings == [], render(landing.findings, batches=0, files=0, rows=0)
    assert marts.findings == [], render(marts.findings, batches=0, files=0, rows=0)
    assert landing.batches > 0
    assert marts.batches == len(CHECKED_MARTS)


@pytest.mark.integration
def test_every_chart_answers_its_saved_query_with_rows(demo):
    _, service, _, _ = demo
    answers = chart_data(service)
    charts_in_git = sum(1 for kind, _ in asset_files(ASSETS_DIR) if kind == "charts")
    assert len(answers) == charts_in_git
    empty = {name: rows for name, rows in answers.items() if not isinstance(rows, int) or rows < 1}
    assert empty == {}


@pytest.mark.integration
def test_every_dashboard_renders_every_chart_in_chromium(demo):
    _, service, _, _ = demo
    reports = check_all(service, SCREENSHOTS)
    assert len(reports) >= 5
    problems = {(r.title, c.title): c.problem for r in reports for c in r.failures}
    assert problems == {}
    for report in reports:
        assert report.screenshot.stat().st_size > 10_000, report.title
        assert len(report.charts) >= 4, report.title


@pytest.mark.integration
def test_importing_twice_changes_nothing_and_export_round_trips(demo, tmp_path):
    settings, service, _, _ = demo
    api = SupersetApi(service.url).login(service.admin_user, service.admin_password)
    before = {
        kind: sorted((o["id"], o.get("uuid")) for o in api.listing(kind))
        for kind in ("chart", "dashboard", "dataset", "database")
    }
    first = shutil.copytree(ASSETS_DIR, tmp_path / "first")
    export_bundle(service, published_path=settings.published_path, assets_dir=first)
    import_bundle(service, published_path=settings.published_path)
    after = {
        kind: sorted((o["id"], o.get("uuid")) for o in api.listing(kind))
        for kind in ("chart", "dashboard", "dataset", "database")
    }
    assert after == before  # same objects, same ids: overwritten in place, none added
    second = shutil.copytree(ASSETS_DIR, tmp_path / "second")
    export_bundle(service, published_path=settings.published_path, assets_dir=second)
    for directory in (first, second):  # export of what was imported == the bundle in git
        exported = {p.relative_to(directory): p.read_text() for p in directory.rglob("*.yaml")}
        in_git = {p.relative_to(ASSETS_DIR): p.read_text() for p in ASSETS_DIR.rglob("*.yaml")}
        assert exported.keys() == in_git.keys()
        changed = [str(name) for name in in_git if exported[name] != in_git[name]]
        assert changed == []


@pytest.mark.integration
def test_superset_keeps_serving_while_a_replay_and_a_plan_write(demo):
    settings, service, _, scenario = demo
    api = SupersetApi(service.url).login(service.admin_user, service.admin_password)
    chart_ids = [c["id"] for c in api.listing("chart")]
    address = LocalBroker(settings).start()
    settings = replace(settings, broker=address)
    answers: list[int] = []
    failures: list[str] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            for chart_id in chart_ids[:6]:
                try:
                    answers.append(api.chart_rows(chart_id))
                except Exception as exc:
                    failures.append(repr(exc))

    poller = threading.Thread(target=poll, daemon=True)
    sink = processes.start("sink", settings, log_dir=settings.home / "logs")
    poller.start()
    try:
        asyncio.run(replay(scenario.messages[:5000], bootstrap=address, speed=None))
        groups = {settings.app_id + SINK_APP_SUFFIX: LANDED_TOPICS}
        asyncio.run(wait_caught_up(address, groups, timeout_s=300))  # the sink wrote the landing
        before_plan = len(answers)
        run_plan(settings, restate=False)  # holds the warehouse's write lock while it runs
        during_plan = len(answers) - before_plan
        time.sleep(1)
    finally:
        done.set()
        poller.join(timeout=60)
        sink.stop()
    assert failures == []
    assert during_plan > 0
    assert all(rows > 0 for rows in answers)


@pytest.mark.integration
def test_password_guessing_gets_429_and_the_admin_password_is_never_a_default(demo):
    """Last in the module: it spends this address's logins for the next minute."""
    _, service, _, _ = demo
    assert service.admin_password not in ("admin", "password", "general", "")
    statuses = []
    for _ in range(60):  # above the default 20 a minute, per gunicorn worker
        try:
            SupersetApi(service.url).login(service.admin_user, "not-the-password")
            statuses.append(200)
        except ApiError as exc:
            statuses.append(exc.status)
    assert set(statuses) == {401, 429}, statuses
