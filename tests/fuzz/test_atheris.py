"""Coverage-guided fuzzing (atheris) of every target in ``targets.TARGETS``, in subprocesses.

Each target runs for a few seconds in CI (``CITYBRAIN_FUZZ_SECONDS``, default
2) from a corpus of its real seeds; ``pytest --fuzz-long`` runs each for
``CITYBRAIN_FUZZ_SECONDS`` or 300 s. A crash (an exception other than the
target's rejection error, a hang past 10 s, or 2 GB of memory) fails the test
with libFuzzer's report and the input that caused it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from targets import TARGETS

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def fuzz_seconds(config: pytest.Config) -> int:
    """Seconds per target: the environment's, else 300 with --fuzz-long, else 2."""
    default = 300 if config.getoption("--fuzz-long") else 2
    return int(os.environ.get("CITYBRAIN_FUZZ_SECONDS") or default)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_atheris_finds_no_crash(name, tmp_path, request):
    seconds = fuzz_seconds(request.config)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, seed in enumerate(TARGETS[name].seeds):
        (corpus / f"seed-{i}").write_bytes(seed)
    for found in (HERE / "regressions" / name).glob("*"):  # past crashes: keep them covered
        (corpus / found.name).write_bytes(found.read_bytes())
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [
            sys.executable,
            str(HERE / "atheris_main.py"),
            name,
            f"-max_total_time={seconds}",
            "-timeout=10",
            "-rss_limit_mb=2048",
            f"-artifact_prefix={tmp_path}/",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        errors="replace",
        env=env,
        cwd=ROOT,
        timeout=seconds + 120,
    )
    uncaught = result.stderr.find("Uncaught Python exception")
    report = result.stderr[max(uncaught, 0) :][:4000] if uncaught >= 0 else result.stderr[-4000:]
    assert result.returncode == 0, f"atheris found a crash in {name}:\n{report}"
    runs = re.search(r"Done (\d+) runs", result.stderr)
    assert runs and int(runs.group(1)) > len(TARGETS[name].seeds), report
