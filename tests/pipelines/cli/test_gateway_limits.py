"""The gateways' connection limits come from CITYBRAIN_GATEWAY_* settings (units in names)."""

import pytest

from citybrain.settings import load
from pipelines.cli.gateway import gateway_limits


def test_limits_from_the_environment_and_the_command_line():
    settings = load(
        {
            "HOME": "/nonexistent",
            "CITYBRAIN_GATEWAY_MAX_CONNECTIONS": "50",
            "CITYBRAIN_GATEWAY_IDLE_TIMEOUT_S": "120",
            "CITYBRAIN_GATEWAY_FRAME_TIMEOUT_S": "5",
            "CITYBRAIN_GATEWAY_MAX_GARBAGE_BYTES": "1024",
        }
    )
    assert gateway_limits(settings) == {
        "idle_timeout_s": 120.0,
        "max_connections": 50,
        "frame_timeout_s": 5.0,
        "max_garbage_bytes": 1024,
    }
    assert gateway_limits(settings, idle_timeout_s=30)["idle_timeout_s"] == 30


def test_defaults_are_bounded():
    settings = load({"HOME": "/nonexistent"})
    assert gateway_limits(settings) == {
        "idle_timeout_s": 300.0,
        "max_connections": 10_000,
        "frame_timeout_s": 30.0,
        "max_garbage_bytes": 65_536,
    }
    assert (settings.http_idle_timeout_s, settings.http_body_timeout_s) == (30.0, 30.0)
    assert settings.http_max_streams == 100


@pytest.mark.parametrize(
    "var", ["CITYBRAIN_GATEWAY_FRAME_TIMEOUT_S", "CITYBRAIN_HTTP_BODY_TIMEOUT_S"]
)
@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_limit_that_is_not_positive_is_refused(var, value):
    with pytest.raises(ValueError, match=var):
        load({"HOME": "/nonexistent", var: value})
