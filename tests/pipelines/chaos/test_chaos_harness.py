"""``citybrain chaos`` end to end, small: real brokers, workers, sink, SQLMesh; every run matches.

A tenth of the demo day, a clean run, then runs with a few SIGKILLs of the
worker (and, as the seed has it, the sink) and a broker restart each. The
full series (``--runs 20``, 20 kills a run) is run by hand.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app


def run_chaos(settings, tmp_path, *args: str) -> dict:
    env = {
        "CITYBRAIN_HOME": str(settings.home),
        "CITYBRAIN_CACHE_DIR": str(settings.cache_dir),
    }
    command = ["chaos", "--json", "--scale", "0.1", "--workdir", str(tmp_path / "chaos"), *args]
    result = CliRunner().invoke(app, command, env=env)
    report = json.loads(result.stdout[result.stdout.index("{\n") :])
    return {"exit": result.exit_code, **report}


def assert_all_matched(report: dict, runs: int, kills: int) -> None:
    clean, *faulty = report["runs"]
    assert clean["clean"] and clean["rows"]["landing"] > 0 and clean["rows"]["cases"] > 0
    assert len(faulty) == runs
    for run in faulty:
        assert "error" not in run, run.get("error")
        assert len(run["kills"]) == kills and all(k["exit"] == -9 for k in run["kills"])
        assert len(run["broker_restart"]) == 1
        assert run["outputs"] and all(s["status"] == "match" for s in run["outputs"].values()), run
        assert run["matched"]
    assert report["all_matched"] and report["exit"] == 0


@pytest.mark.integration
def test_one_worker_killed_and_the_broker_restarted_changes_no_output(settings_env, tmp_path):
    report = run_chaos(settings_env, tmp_path, "--runs", "1", "--kills-per-run", "3")
    assert_all_matched(report, runs=1, kills=3)


@pytest.mark.integration
def test_two_workers_one_killed_changes_no_output(settings_env, tmp_path):
    report = run_chaos(
        settings_env, tmp_path, "--runs", "1", "--kills-per-run", "3", "--workers", "2"
    )
    assert_all_matched(report, runs=1, kills=3)
    assert {k["process"] for k in report["runs"][1]["kills"]} <= {"worker", "sink"}
