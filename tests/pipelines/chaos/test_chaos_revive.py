"""A process that ends by itself is reported with its whole log kept, then restarted."""

import subprocess
import sys

from pipelines.chaos.runner import RunRecord, _revive
from pipelines.processes import Child


class Fleet:
    """The runner's view of its processes: the children, which are dead, how to start one."""

    def __init__(self, log_dir, child):
        self.log_dir = log_dir
        self.children = {"worker-2": child}
        self.started: list[str] = []

    def dead(self):
        return [n for n, c in self.children.items() if not c.alive()]

    def start(self, name):
        self.started.append(name)


def test_an_unexpected_exit_keeps_the_whole_log_beside_the_runs(tmp_path):
    logs = tmp_path / "run-1" / "logs"
    logs.mkdir(parents=True)
    log = logs / "worker-2-1.log"
    log.write_text("".join(f"task Task-{i}:\n  waits\n" for i in range(40)))
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(75)"])
    process.wait()
    fleet = Fleet(logs, Child("worker-2-1", process, log))
    record = RunRecord()
    _revive(fleet, record, record.began_s)
    [exit_] = record.unexpected_exits
    assert exit_["process"] == "worker-2" and exit_["exit"] == 75
    assert len(exit_["log_tail"].splitlines()) == 15
    assert exit_["log"] == str(tmp_path / "exits" / "run-1-worker-2-1.log")
    assert (tmp_path / "exits" / "run-1-worker-2-1.log").read_text() == log.read_text()
    assert fleet.started == ["worker-2"]
