"""Whether a server process started by pid (the broker, Superset's gunicorn) is still there.

A child of this process that has exited stays a zombie, which still answers
``kill(pid, 0)``, until it is reaped: :func:`alive` reaps its own children and
reads ``/proc`` for the others.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def alive(pid: int) -> bool:
    """True while process ``pid`` exists and is not a zombie (our own zombies are reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:  # not our child: a zombie shows state Z in /proc
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def wait_exit(pid: int, timeout_s: float) -> bool:
    """Wait up to ``timeout_s`` seconds for ``pid`` to exit; True if it did."""
    deadline = time.monotonic() + timeout_s
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True
