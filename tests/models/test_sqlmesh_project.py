"""The SQLMesh project: its YAML unit tests pass and its raw sources match the contracts."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

from warehouse.landing import external_models
from warehouse.reference import external_models as reference_models

ROOT = Path(__file__).parents[2]
UNIT_TESTS = 38  # the YAML unit tests in tests/models (test_postgres_gateway.py counts them too)


def test_sqlmesh_unit_tests_pass(tmp_path):
    sqlmesh = Path(sys.executable).with_name("sqlmesh")
    env = {**os.environ, "CITYBRAIN_HOME": str(tmp_path)}
    result = subprocess.run(
        [str(sqlmesh), "--paths", str(ROOT), "test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"Successfully Ran `{UNIT_TESTS}` Tests" in output, output


def test_external_models_are_generated_from_the_contracts():
    declared = yaml.safe_load((ROOT / "external_models.yaml").read_text())
    assert declared == external_models() + reference_models(), (
        "external_models.yaml is stale: run `citybrain warehouse external-models`"
    )
