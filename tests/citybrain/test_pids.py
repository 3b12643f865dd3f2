"""Whether a process is still there: a zombie child has exited, though it answers kill 0."""

import os
import subprocess
import sys
import time
from pathlib import Path

from citybrain.pids import alive, wait_exit


def test_a_child_that_has_exited_is_gone_though_a_zombie_answers_kill_zero():
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        while Path(f"/proc/{done.pid}/stat").read_text().split()[2] != "Z":  # a zombie now
            time.sleep(0.05)
        os.kill(done.pid, 0)  # what Superset's stop used to ask: the zombie still answers
        assert not alive(done.pid)
        assert alive(running.pid)
        assert not wait_exit(running.pid, 0.3)
    finally:
        running.kill()
        running.wait()
