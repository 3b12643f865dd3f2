"""A chaos series stopped with SIGTERM (a timeout, a cancelled job) leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BOUND_S = 300.0  # a bound on each wait, not a speed claim


def processes_of(root: Path) -> list[int]:
    """Pids whose CITYBRAIN_HOME is under ``root`` (the run's workers, sink, broker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(v.startswith(f"CITYBRAIN_HOME={root}".encode()) for v in env):
            found.append(int(entry.name))
    return found


@pytest.mark.integration
def test_sigterm_stops_the_runs_workers_sink_and_broker(settings_env, tmp_path):
    workdir = tmp_path / "chaos"
    env = {
        **os.environ,
        "CITYBRAIN_HOME": str(settings_env.home),
        "CITYBRAIN_CACHE_DIR": str(settings_env.cache_dir),
    }
    command = [sys.executable, "-m", "pipelines", "chaos", "--runs", "0", "--scale", "0.05"]
    chaos = subprocess.Popen([*command, "--workdir", str(workdir)], env=env)
    logs = workdir / "clean-1" / "logs"
    deadline = time.monotonic() + BOUND_S
    while not (logs.exists() and len(list(logs.glob("*.log"))) >= 2):
        assert chaos.poll() is None and time.monotonic() < deadline, "the clean run never started"
        time.sleep(0.5)
    assert processes_of(workdir)  # the worker and the sink are running
    chaos.send_signal(signal.SIGTERM)
    assert chaos.wait(timeout=BOUND_S) == 128 + signal.SIGTERM
    deadline = time.monotonic() + 60
    while processes_of(workdir) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_of(workdir) == []
