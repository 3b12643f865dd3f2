"""The local Kafka's runtime: Java 17+ on PATH and Kafka's jars from Maven Central.

``mvn`` fetches the jars of ``settings.kafka_version`` (with log4j 2 as the logging backend)
once, into ``$CITYBRAIN_CACHE_DIR/kafka/<version>/libs``; a completion marker inside says the
directory is whole. :mod:`pipelines.broker` runs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from citybrain.settings import Settings

LOG4J_VERSION = "2.24.3"
SLF4J_VERSION = "2.0.16"
READY_MARKER = ".complete"
FETCH_TIMEOUT_S = 900

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


class BrokerError(RuntimeError):
    """The local broker could not be fetched, started or stopped."""


def require_tool(name: str, hint: str) -> str:
    """Path of a required executable, or a BrokerError saying what to install."""
    path = shutil.which(name)
    if path is None:
        raise BrokerError(f"'{name}' not found on PATH: {hint}")
    return path


def java_major_version() -> int:
    """Major version of the ``java`` on PATH (8 for ``1.8.0``, 17 for ``17.0.2``)."""
    java = require_tool("java", "install a Java 17+ runtime (e.g. openjdk-17-jre-headless)")
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=True).stderr
    version = out.split('"')[1] if '"' in out else out.split()[2]
    major = version.split(".")[0]
    return int(version.split(".")[1]) if major == "1" else int(major)


def jars_dir(settings: Settings) -> Path:
    """Where Kafka's runtime jars of ``settings.kafka_version`` are cached."""
    return settings.cache_dir / "kafka" / settings.kafka_version / "libs"


def ensure_jars(settings: Settings) -> Path:
    """The directory of Kafka's runtime jars, fetching them with mvn the first time.

    The jars are fetched into a private temporary directory and renamed into
    place with the completion marker already inside, so a concurrent fetch
    (another process or thread) never sees or leaves a half-filled cache.
    """
    libs = jars_dir(settings)
    if (libs / READY_MARKER).exists():
        return libs
    mvn = require_tool("mvn", "install Apache Maven; it fetches Kafka from Maven Central")
    libs.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="fetch-", dir=libs.parent))
    try:
        _fetch(mvn, settings.kafka_version, work)
        _install(work / "libs", libs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return libs


def _fetch(mvn: str, version: str, work: Path) -> None:
    """Copy Kafka ``version``'s runtime jars into ``work/libs`` and mark them complete."""
    (work / "pom.xml").write_text(
        POM_TEMPLATE.format(kafka=version, log4j=LOG4J_VERSION, slf4j=SLF4J_VERSION)
    )
    command = [
        mvn,
        "-q",
        "-B",
        "dependency:copy-dependencies",
        f"-DoutputDirectory={work / 'libs'}",
        "-DincludeScope=runtime",
    ]
    try:
        result = subprocess.run(
            command, cwd=work, capture_output=True, text=True, timeout=FETCH_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as exc:
        raise BrokerError(f"mvn did not fetch Kafka {version} within {FETCH_TIMEOUT_S}s") from exc
    if result.returncode != 0:
        raise BrokerError(
            f"mvn could not fetch Kafka {version}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    (work / "libs" / READY_MARKER).write_text(version)


def _install(fetched: Path, libs: Path) -> None:
    """Rename a complete jar directory into place; a concurrent winner is kept."""
    for _ in range(3):
        try:
            os.replace(fetched, libs)  # atomic; fails if a non-empty libs exists
            return
        except OSError:
            if (libs / READY_MARKER).exists():
                return  # another fetch finished first: keep its jars
            _discard(libs)  # a directory without the marker is debris of an old layout
    raise BrokerError(f"could not install Kafka's jars into {libs}")


def _discard(path: Path) -> None:
    """Remove a directory by first renaming it aside (safe against concurrent discards)."""
    aside = path.with_name(f"{path.name}.stale-{os.getpid()}-{time.time_ns()}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return
    shutil.rmtree(aside, ignore_errors=True)
