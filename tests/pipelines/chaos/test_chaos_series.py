import json

import pytest

from pipelines.chaos.series import clean_reference
from pipelines.scenarios.demo_county import build

OUTPUTS = {"landing": {"landing.alerts": ['{"a":"1"}']}, "cases": {}}


def read(path, *, scale, tmp_path):
    scenario = build(scale=scale)
    return clean_reference(
        scenario,
        None,  # no settings: nothing may be run
        seed=1,
        workers=1,
        scale=scale,
        workdir=tmp_path,
        reference=path,
        keep=False,
        log=lambda _: None,
    )


def test_a_reference_of_the_same_day_is_read_instead_of_a_clean_run(tmp_path):
    scale = 0.01
    path = tmp_path / "ref.json"
    messages = len(build(scale=scale).messages)
    path.write_text(json.dumps({"scale": scale, "messages": messages, "outputs": OUTPUTS}))
    plan, outputs, summary = read(path, scale=scale, tmp_path=tmp_path)
    assert outputs == OUTPUTS and plan.faults == () and plan.cuts == (0, messages)
    assert summary["read_from"] == str(path) and summary["rows"] == {"landing": 1, "cases": 0}


def test_a_reference_of_another_scale_is_refused(tmp_path):
    path = tmp_path / "ref.json"
    path.write_text(json.dumps({"scale": 0.4, "messages": 5, "outputs": OUTPUTS}))
    with pytest.raises(ValueError, match=r"made at scale 0\.4 with 5 messages; this series is"):
        read(path, scale=0.01, tmp_path=tmp_path)
