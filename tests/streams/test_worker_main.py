"""A worker that loses its broker while starting starts again (exec), a bounded number of times."""

from __future__ import annotations

import pytest
from aiokafka.errors import KafkaConnectionError

from streams import main


class CrashingWorker:
    """Stands in for faust's Worker (a third-party class): it crashes as faust does."""

    reason: BaseException | None = None

    def __init__(self, app, **kwargs) -> None:
        self.crash_reason = type(self).reason

    def execute_from_commandline(self) -> None:
        raise SystemExit(1)


@pytest.fixture
def execs(monkeypatch):
    calls = []

    def execv(path, args):
        calls.append(args)
        raise SystemExit("exec")  # the real exec never returns either

    monkeypatch.setattr(main.faust, "Worker", CrashingWorker)
    monkeypatch.setattr(main.os, "execv", execv)
    monkeypatch.delenv(main.RESTARTS_ENV, raising=False)
    return calls


def test_a_broker_that_went_away_restarts_the_same_command(execs, monkeypatch, capsys):
    wrapped = RuntimeError("service crashed")
    wrapped.__cause__ = KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 1)]")
    monkeypatch.setattr(CrashingWorker, "reason", wrapped)
    with pytest.raises(SystemExit, match="exec"):
        main.run(object())
    assert execs and execs[0][1:] == main.sys.orig_argv[1:]
    assert main.os.environ[main.RESTARTS_ENV] == "1"
    assert "starting again (1 of 5)" in capsys.readouterr().err


def test_restarts_stop_after_five_in_a_row(execs, monkeypatch):
    monkeypatch.setattr(CrashingWorker, "reason", KafkaConnectionError("refused"))
    monkeypatch.setenv(main.RESTARTS_ENV, "5")
    with pytest.raises(SystemExit) as exit_info:
        main.run(object())
    assert exit_info.value.code == 1 and execs == []


def test_any_other_crash_exits_as_it_did(execs, monkeypatch):
    monkeypatch.setattr(CrashingWorker, "reason", ValueError("a bug"))
    with pytest.raises(SystemExit) as exit_info:
        main.run(object())
    assert exit_info.value.code == 1 and execs == []
    assert not main.lost_its_broker(None)


@pytest.mark.integration
def test_a_real_worker_without_its_broker_starts_again_five_times_then_exits(tmp_path):
    """faust itself, no broker on the port: each start fails to bootstrap, then exec again."""
    import subprocess
    import sys

    from pipelines.broker import free_port

    env = {
        **main.os.environ,
        "CITYBRAIN_HOME": str(tmp_path),
        "CITYBRAIN_BROKER": f"127.0.0.1:{free_port()}",  # nothing listens there
        "CITYBRAIN_WEB_PORT": "0",
    }
    env.pop(main.RESTARTS_ENV, None)
    code = "from citybrain.settings import load; from streams.main import run, sink_app; "
    code += "run(sink_app(load()))"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 1
    restarts = [line for line in done.stderr.splitlines() if "starting again" in line]
    assert len(restarts) == 5 and "(5 of 5)" in restarts[-1]
    assert "Unable to bootstrap" in restarts[0]
