"""A real local Apache Kafka (KRaft, one node) for development, tests and the demo.

The broker's jars come from Maven Central through ``mvn`` (once, into
``$CITYBRAIN_CACHE_DIR/kafka/<version>/libs``) and run on the machine's Java
17+ (:mod:`pipelines.broker_jars`). Its data, log, pid and address live under
``$CITYBRAIN_HOME/broker``; the address file is how other commands find it. Topics are
never auto-created.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from citybrain.pids import alive, wait_exit
from citybrain.settings import Settings
from pipelines.broker_jars import BrokerError, ensure_jars, java_major_version, require_tool

JVM_HEAP = "-Xmx768m"
HOST = "127.0.0.1"

LOG4J2_YAML = """Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
"""


@dataclass(frozen=True)
class BrokerStatus:
    """Whether the local broker runs, its pid and its bootstrap address."""

    running: bool
    pid: int | None
    address: str | None


def render_properties(*, port: int, controller_port: int, data_dir: Path) -> str:
    """server.properties for a one-node KRaft broker+controller on loopback.

    Segments are 16 MiB (so retention and compaction can act on test-sized
    data); retention is checked every 60 s and the cleaner backs off 5 s. The
    broker's session with its controller lasts 4 s (default 9 s): after a
    SIGKILL, a restarted broker is fenced until the old session expires.
    """
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@{HOST}:{controller_port}",
            f"listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
            f"advertised.listeners=PLAINTEXT://{HOST}:{port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={data_dir}",
            "auto.create.topics.enable=false",
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=6",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "broker.heartbeat.interval.ms=1000",
            "broker.session.timeout.ms=4000",
            "log.segment.bytes=16777216",
            "log.retention.check.interval.ms=60000",
            "log.cleaner.backoff.ms=5000",
            "",
        ]
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    """True when something listens on ``127.0.0.1:port`` (TIME_WAIT leftovers do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
        return False


def answers(address: str, timeout_s: float = 5.0) -> bool:
    """True when a Kafka broker at ``address`` answers a metadata request within ``timeout_s`` s.

    Runs its own event loop: call it from synchronous code only.
    """
    import asyncio
    import logging

    from aiokafka.admin import AIOKafkaAdminClient

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # refusals are expected here

    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=address, request_timeout_ms=3000)
        try:
            await asyncio.wait_for(admin.start(), timeout_s)
            await asyncio.wait_for(admin.list_topics(), timeout_s)
            return True
        except Exception:
            return False
        finally:
            await admin.close()

    return asyncio.run(probe())


class LocalBroker:
    """Start, stop and locate the one-node Kafka of ``settings``.

    Everything lives in ``settings.broker_dir``: ``data/`` (the log dirs),
    ``broker.log`` (the JVM's stdout and stderr), ``pid``, ``ports`` (chosen on
    the first start and kept, so restarts keep the address) and
    ``settings.broker_address_file``.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.broker_dir.absolute()  # the JVM command line is matched on it
        self.data_dir = self.dir / "data"
        self.pid_file = self.dir / "pid"
        self.ports_file = self.dir / "ports"
        self.log_file = self.dir / "broker.log"
        self.properties_file = self.dir / "server.properties"
        self.log4j_file = self.dir / "log4j2.yaml"

    def status(self) -> BrokerStatus:
        """Current status, read from the pid and address files and the process table."""
        pid = self._running_pid()
        address = None
        if pid is not None and self.settings.broker_address_file.exists():
            address = self.settings.broker_address_file.read_text().strip()
        return BrokerStatus(pid is not None, pid, address)

    def start(self, timeout_s: float = 60.0) -> str:
        """Start the broker (or find it running) and return its ``host:port``.

        Waits at most ``timeout_s`` seconds for the broker to answer a metadata
        request; if the JVM exits or does not answer in time, it is killed and
        BrokerError carries the tail of ``broker.log``.
        """
        pid = self._running_pid()
        if pid is not None:
            return self._adopt(pid, timeout_s)
        java = self._java_command()
        port, controller_port = self._ports()
        for p in (port, controller_port):
            if port_in_use(p):
                raise BrokerError(
                    f"port {HOST}:{p} of the local broker ({self.ports_file}) is in use "
                    "by another process"
                )
        self._write_config(port, controller_port)
        if not (self.data_dir / "meta.properties").exists():
            self._format(java)
        process = self._launch(java)
        address = f"{HOST}:{port}"
        try:
            self._wait_ready(address, timeout_s, alive=lambda: process.poll() is None)
        except BaseException as exc:
            if isinstance(exc, BrokerError):  # a KeyboardInterrupt leaves it to be adopted
                _kill(process.pid)
                self.pid_file.unlink(missing_ok=True)
            raise
        self.settings.broker_address_file.write_text(address)
        return address

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Stop the broker: SIGTERM, then SIGKILL after ``timeout_s`` seconds.

        Returns False if it was not running. The pid and address files are removed.
        """
        pid = self._running_pid()
        self.settings.broker_address_file.unlink(missing_ok=True)
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        if not wait_exit(pid, timeout_s):
            _kill(pid)
        self.pid_file.unlink(missing_ok=True)
        return True

    def restart(self, timeout_s: float = 60.0) -> str:
        """Stop and start again on the same ports with the same data; return ``host:port``."""
        self.stop()
        return self.start(timeout_s)

    def _adopt(self, pid: int, timeout_s: float) -> str:
        """Address of an already running broker, waiting for it if it is still starting."""
        address_file = self.settings.broker_address_file
        if address_file.exists():
            return address_file.read_text().strip()
        port, _ = self._ports()
        address = f"{HOST}:{port}"
        self._wait_ready(address, timeout_s, alive=lambda: self._is_ours(pid))
        address_file.write_text(address)
        return address

    def _java_command(self) -> list[str]:
        """``java -cp <jars>/*`` with the log4j config, after checking Java and the jars."""
        if java_major_version() < 17:
            raise BrokerError("Kafka 4 needs Java 17 or newer on PATH")
        libs = ensure_jars(self.settings)
        java = require_tool("java", "install a Java 17+ runtime")
        return [java, f"-Dlog4j2.configurationFile={self.log4j_file}", "-cp", f"{libs}/*"]

    def _ports(self) -> tuple[int, int]:
        """The broker's ports: kept from the first start so restarts keep the address."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.ports_file.exists():
            port, controller = self.ports_file.read_text().split()
            return int(port), int(controller)
        port, controller = free_port(), free_port()
        while controller == port:
            controller = free_port()
        self.ports_file.write_text(f"{port} {controller}")
        return port, controller

    def _write_config(self, port: int, controller_port: int) -> None:
        self.properties_file.write_text(
            render_properties(port=port, controller_port=controller_port, data_dir=self.data_dir)
        )
        self.log4j_file.write_text(LOG4J2_YAML)

    def _format(self, java: list[str]) -> None:
        """Format the KRaft storage with a fresh cluster id (first start only)."""
        cluster_id = _run_tool(java, ["random-uuid"]).strip()
        _run_tool(java, ["format", "-t", cluster_id, "-c", str(self.properties_file)])

    def _launch(self, java: list[str]) -> subprocess.Popen:
        """Start the JVM detached (own session), logging to ``broker.log``; record its pid."""
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(
                [java[0], JVM_HEAP, *java[1:], "kafka.Kafka", str(self.properties_file)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))
        return process

    def _wait_ready(self, address: str, timeout_s: float, alive: Callable[[], bool]) -> None:
        """Poll ``address`` until it answers; BrokerError if ``alive()`` is False or on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not alive():
                raise BrokerError(
                    f"Kafka exited before answering on {address} "
                    f"(log: {self.log_file}):\n{self._tail()}"
                )
            if answers(address, timeout_s=3.0):
                return
            time.sleep(0.5)
        raise BrokerError(
            f"Kafka did not answer on {address} within {timeout_s:.0f}s "
            f"(log: {self.log_file}):\n{self._tail()}"
        )

    def _tail(self, lines: int = 30) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def _running_pid(self) -> int | None:
        """The pid in the pid file if that process is this broker's JVM, else None."""
        try:
            pid = int(self.pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return pid if self._is_ours(pid) else None

    def _is_ours(self, pid: int) -> bool:
        """True when ``pid`` is alive and runs Kafka on this broker's properties file.

        Guards against a stale pid file whose pid now belongs to another process.
        """
        if not alive(pid):
            return False
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            return not Path("/proc/self/cmdline").exists()  # no /proc: trust the pid
        except PermissionError:
            return False
        return b"kafka.Kafka" in args and str(self.properties_file).encode() in args


def _run_tool(java: list[str], args: list[str]) -> str:
    """Run ``kafka.tools.StorageTool`` with ``args``; its stdout, or BrokerError."""
    result = subprocess.run(
        [*java, "kafka.tools.StorageTool", *args], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise BrokerError(
            f"kafka-storage {args[0]} failed (exit {result.returncode}):\n"
            f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    return result.stdout


def _kill(pid: int) -> None:
    """SIGKILL ``pid`` and wait (up to 10 s) until it is gone."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    wait_exit(pid, 10.0)
