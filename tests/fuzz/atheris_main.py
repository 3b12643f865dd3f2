"""Run one fuzz target under atheris (libFuzzer): ``python tests/fuzz/atheris_main.py NAME ARGS``.

ARGS are libFuzzer's (``-max_total_time=5 -runs=100000 CORPUS_DIR``). Our
packages are instrumented for coverage; an input that raises anything but
the target's rejection error (or hangs past ``-timeout``) stops the run
with a traceback and a ``crash-*`` file under ``-artifact_prefix``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).parent))

with atheris.instrument_imports(include=["citybrain", "connectors", "streams"]):
    from targets import TARGETS, check


def main() -> None:
    name, args = sys.argv[1], sys.argv[2:]
    target = TARGETS[name]

    def one_input(data: bytes) -> None:
        check(target, data)

    atheris.Setup([sys.argv[0], *args], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
