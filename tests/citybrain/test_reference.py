import pytest

from citybrain.reference import ReferenceError, read_table, write_tables
from citybrain.settings import load
from pipelines.scenarios.demo_county import build
from pipelines.scenarios.demo_county.reference import export


def test_tables_round_trip_and_a_missing_one_is_empty(tmp_path):
    rows = [{"station_id": "0000000001", "kind": "rain", "lat": 30.25, "lng": 120.15}]
    write_tables(tmp_path, {"stations": rows})
    assert read_table(tmp_path, "stations") == rows
    assert read_table(tmp_path, "cameras") == []
    assert not list(tmp_path.glob(".*"))  # no temp files left


def test_a_malformed_file_is_an_error_naming_it(tmp_path):
    (tmp_path / "grids.json").write_text('{"grid_code": 1}')
    with pytest.raises(ReferenceError, match=r"grids\.json: expected a JSON list"):
        read_table(tmp_path, "grids")
    (tmp_path / "grids.json").write_text("[{")
    with pytest.raises(ReferenceError, match="not JSON"):
        read_table(tmp_path, "grids")
    with pytest.raises(ValueError, match="unknown reference table"):
        read_table(tmp_path, "bridges")


def test_the_demo_county_exports_every_table(tmp_path):
    scenario = build(scale=0.01)
    export(scenario, tmp_path)
    assert read_table(tmp_path, "stations") == scenario.stations
    assert len(read_table(tmp_path, "cameras")) == 50
    assert {g["grid_code"] for g in read_table(tmp_path, "grids")} == {
        g["grid_code"] for g in scenario.grids
    }


def test_the_reference_dir_is_configurable():
    assert load({"CITYBRAIN_HOME": "/srv/cb"}).reference_path.as_posix() == "/srv/cb/reference"
    env = {"CITYBRAIN_HOME": "/srv/cb", "CITYBRAIN_REFERENCE_DIR": "/etc/cb"}
    assert load(env).reference_path.as_posix() == "/etc/cb"
