"""Child processes of the demo and tests: stream workers and the landing sink.

Each runs ``python -m pipelines <command>`` with the caller's settings passed
through ``CITYBRAIN_*`` variables, logs to a file, and can be stopped cleanly
(SIGTERM) or killed (SIGKILL) to test recovery.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from citybrain.settings import Settings


def settings_env(settings: Settings) -> dict[str, str]:
    """Environment variables that make a child process load exactly ``settings``."""
    return {
        "CITYBRAIN_HOME": str(settings.home),
        "CITYBRAIN_CACHE_DIR": str(settings.cache_dir),
        "CITYBRAIN_BROKER": settings.broker,
        "CITYBRAIN_APP_ID": settings.app_id,
        "CITYBRAIN_LANDING_DIR": str(settings.landing_dir),
        "CITYBRAIN_WAREHOUSE_PATH": str(settings.warehouse_path),
        "CITYBRAIN_STATE_DIR": str(settings.state_dir),
        "CITYBRAIN_STORE": settings.store,
        "CITYBRAIN_WEB_PORT": str(settings.web_port),
        "CITYBRAIN_SINK_WEB_PORT": str(settings.sink_web_port),
        "CITYBRAIN_HOTSPOT_LATENESS_S": str(settings.hotspot_lateness_s),
        "CITYBRAIN_KAFKA_VERSION": settings.kafka_version,
        "CITYBRAIN_REFERENCE_DIR": str(settings.reference_path),
        "CITYBRAIN_API_PEER_TIMEOUT_S": str(settings.api_peer_timeout_s),
        **({"CITYBRAIN_WEB_URL": settings.web_url} if settings.web_url else {}),
        **(
            {"CITYBRAIN_EVENT_TIME_ORDER_IDLE_S": str(settings.event_time_order_idle_s)}
            if settings.event_time_order_idle_s is not None
            else {}
        ),
        **(
            {"CITYBRAIN_CASE_POLICY": str(settings.case_policy_path)}
            if settings.case_policy_path
            else {}
        ),
        **(
            {"CITYBRAIN_VIDEO_RULES": str(settings.video_rules_path)}
            if settings.video_rules_path
            else {}
        ),
    }


@dataclass
class Child:
    """A running citybrain child process."""

    name: str
    process: subprocess.Popen
    log_path: Path

    def stop(self, timeout_s: float = 30.0) -> int:
        """SIGTERM, then SIGKILL after ``timeout_s``; return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()

    def kill(self) -> int:
        """SIGKILL at once, as a crash would; return the exit code."""
        if self.process.poll() is None:
            self.process.kill()
        return self.process.wait()

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the child's log."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def start(
    command: str,
    settings: Settings,
    *,
    log_dir: Path,
    loglevel: str = "warning",
    name: str | None = None,
) -> Child:
    """Start ``citybrain <command>`` (worker or sink) as a child process."""
    name = name or command
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    env = {**os.environ, **settings_env(settings)}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines", command, "--loglevel", loglevel],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Child(name, process, log_path)
