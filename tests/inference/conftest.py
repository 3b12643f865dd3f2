"""Factory fixtures of the inference tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from inference.configs import Model, all_configs
from inference.registry import sources_from_rows


@pytest.fixture
def write_configs():
    """``write_configs(directory, count, **row)``: configs of ``count`` cameras written there."""

    def write(directory: Path, count: int, **row) -> Path:
        rows = [
            {
                "camera_id": f"CAM-{n:04d}",
                "lat": 30.25,
                "lng": 120.15,
                "roi_px": "[[0,0],[9,0],[9,9]]",
            }
            | row
            for n in range(count)
        ]
        for name, text in all_configs(sources_from_rows(rows), Model(), broker="k1:9092").items():
            (directory / name).write_text(text, encoding="utf-8")
        return directory

    return write
