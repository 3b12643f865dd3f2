"""A real local Apache Kafka (KRaft, one node) for development, tests and the demo.

The broker's jars come from Maven Central through ``mvn`` (once, into
``$CITYBRAIN_CACHE_DIR/kafka/<version>/libs``) and run on the machine's Java
17+. Its data, log, pid and address live under ``$CITYBRAIN_HOME/broker``; the
address file is how other commands find it. Topics are never auto-created.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from citybrain.settings import Settings

LOG4J_VERSION = "2.24.3"
SLF4J_VERSION = "2.0.16"
READY_MARKER = ".complete"
JVM_HEAP = "-Xmx768m"

POM_TEMPLATE = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>citybrain</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId>
        <version>{slf4j}</version></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{kafka}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId>
      <version>{log4j}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
      <version>{log4j}</version></dependency>
  </dependencies>
</project>
"""

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


class BrokerError(RuntimeError):
    """The local broker could not be fetched, started or stopped."""


@dataclass(frozen=True)
class BrokerStatus:
    """Whether the local broker runs, its pid and its bootstrap address."""

    running: bool
    pid: int | None
    address: str | None


def render_properties(*, port: int, controller_port: int, data_dir: Path) -> str:
    """server.properties for a one-node KRaft broker+controller on loopback."""
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
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
            "log.retention.check.interval.ms=60000",
            "log.cleaner.backoff.ms=5000",
            "",
        ]
    )


def require_tool(name: str, hint: str) -> str:
    """Path of a required executable, or a BrokerError saying what to install."""
    path = shutil.which(name)
    if path is None:
        raise BrokerError(f"'{name}' not found on PATH: {hint}")
    return path


def java_major_version() -> int:
    """Major version of the ``java`` on PATH."""
    java = require_tool("java", "install a Java 17+ runtime (e.g. openjdk-17-jre-headless)")
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=True).stderr
    version = out.split('"')[1] if '"' in out else out.split()[2]
    major = version.split(".")[0]
    return int(version.split(".")[1]) if major == "1" else int(major)


def ensure_jars(settings: Settings) -> Path:
    """The directory of Kafka's runtime jars, fetching them with mvn the first time."""
    libs = settings.cache_dir / "kafka" / settings.kafka_version / "libs"
    if (libs / READY_MARKER).exists():
        return libs
    mvn = require_tool("mvn", "install Apache Maven; it fetches Kafka from Maven Central")
    libs.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="fetch-", dir=libs.parent))
    try:
        (work / "pom.xml").write_text(
            POM_TEMPLATE.format(
                kafka=settings.kafka_version, log4j=LOG4J_VERSION, slf4j=SLF4J_VERSION
            )
        )
        result = subprocess.run(
            [
                mvn,
                "-q",
                "-B",
                "dependency:copy-dependencies",
                f"-DoutputDirectory={work / 'libs'}",
                "-DincludeScope=runtime",
            ],
            cwd=work,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BrokerError(
                f"mvn could not fetch Kafka {settings.kafka_version}:\n"
                f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
        (work / "libs" / READY_MARKER).write_text(settings.kafka_version)
        try:
            os.replace(work / "libs", libs)  # atomic: a concurrent fetch either wins or loses
        except OSError:
            if not (libs / READY_MARKER).exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return libs


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(address: str, timeout_s: float = 5.0) -> bool:
    """True when a Kafka broker at ``address`` answers a metadata request."""
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
    """Start, stop and locate the one-node Kafka of ``settings``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.broker_dir
        self.pid_file = self.dir / "pid"
        self.ports_file = self.dir / "ports"
        self.log_file = self.dir / "broker.log"

    def status(self) -> BrokerStatus:
        """Current status, read from the pid and address files."""
        pid = self._pid()
        running = pid is not None and _alive(pid)
        address = None
        if running and self.settings.broker_address_file.exists():
            address = self.settings.broker_address_file.read_text().strip()
        return BrokerStatus(running, pid if running else None, address)

    def start(self, timeout_s: float = 90.0) -> str:
        """Start the broker (or find it running) and return its ``host:port``."""
        current = self.status()
        if current.running and current.address:
            return current.address
        if java_major_version() < 17:
            raise BrokerError("Kafka 4 needs Java 17 or newer")
        libs = ensure_jars(self.settings)
        port, controller_port = self._ports()
        data_dir = self.dir / "data"
        props = self.dir / "server.properties"
        props.write_text(
            render_properties(port=port, controller_port=controller_port, data_dir=data_dir)
        )
        log4j = self.dir / "log4j2.yaml"
        log4j.write_text(LOG4J2_YAML)
        java = ["java", f"-Dlog4j2.configurationFile={log4j}", "-cp", f"{libs}/*"]
        if not (data_dir / "meta.properties").exists():
            self._format(java, props)
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(
                [*java[:1], JVM_HEAP, *java[1:], "kafka.Kafka", str(props)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))
        address = f"127.0.0.1:{port}"
        self._wait_ready(process, address, timeout_s)
        self.settings.broker_address_file.write_text(address)
        return address

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Stop the broker cleanly (SIGTERM, then SIGKILL); False if it was not running."""
        pid = self._pid()
        self.settings.broker_address_file.unlink(missing_ok=True)
        if pid is None or not _alive(pid):
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True

    def restart(self, timeout_s: float = 90.0) -> str:
        """Stop and start again on the same ports with the same data."""
        self.stop()
        return self.start(timeout_s)

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

    def _format(self, java: list[str], props: Path) -> None:
        cluster_id = subprocess.run(
            [*java, "kafka.tools.StorageTool", "random-uuid"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        result = subprocess.run(
            [*java, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(props)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BrokerError(f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}")

    def _wait_ready(self, process: subprocess.Popen, address: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BrokerError(f"Kafka exited with code {process.returncode}:\n{self._tail()}")
            if answers(address, timeout_s=3.0):
                return
            time.sleep(0.5)
        process.kill()
        raise BrokerError(
            f"Kafka did not answer on {address} within {timeout_s:.0f}s:\n{self._tail()}"
        )

    def _tail(self, lines: int = 30) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def _pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child still answers kill(0): reap it if it is ours
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True
