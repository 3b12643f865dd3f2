"""The SQLMesh project: its YAML unit tests pass and its raw sources match the contracts."""

import yaml

from tests.models.marts_landing import ROOT, run_sqlmesh
from warehouse.landing import external_models
from warehouse.reference import external_models as reference_models

UNIT_TESTS = 38  # the YAML unit tests in tests/models (test_postgres_gateway.py counts them too)


def test_sqlmesh_unit_tests_pass(tmp_path):
    output = run_sqlmesh(tmp_path, "test")
    assert f"Successfully Ran `{UNIT_TESTS}` Tests" in output, output


def test_external_models_are_generated_from_the_contracts():
    declared = yaml.safe_load((ROOT / "external_models.yaml").read_text())
    assert declared == external_models() + reference_models(), (
        "external_models.yaml is stale: run `citybrain warehouse external-models`"
    )
