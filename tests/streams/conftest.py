import pytest

import streams.guard


class BatchFailed(Exception):
    """Raised instead of ending the test process when an agent's batch fails."""


@pytest.fixture(autouse=True)
def batch_failures_raise(monkeypatch):
    def fail(code: int) -> None:
        raise BatchFailed(f"agent batch failed (exit code {code}); see stderr")

    monkeypatch.setattr(streams.guard, "exit_process", fail)
