"""The asset bundle in git: consistent by UUID, free of install-specific values."""

import json
import shutil
from pathlib import Path

import pytest
import yaml

from dashboards.bundle import (
    ASSETS_DIR,
    PUBLISHED_PLACEHOLDER,
    BundleError,
    asset_files,
    check_references,
    dashboard_chart_uuids,
    export_name,
    normalise,
    render,
)

DASHBOARD_TITLES = {"三高分析", "防汛值守", "车辆监管", "案件与考评", "领导总览"}


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_every_referenced_uuid_exists():
    counts = check_references(ASSETS_DIR)
    assert counts["databases"] == 1
    assert counts["dashboards"] >= 4
    assert counts["charts"] >= 20


def test_the_dashboards_analysts_open_are_in_the_bundle():
    titles = {load(p)["dashboard_title"] for k, p in asset_files(ASSETS_DIR) if k == "dashboards"}
    assert titles >= DASHBOARD_TITLES


def test_every_chart_is_on_a_dashboard_and_has_a_saved_query():
    placed = set()
    for kind, path in asset_files(ASSETS_DIR):
        if kind == "dashboards":
            placed |= set(dashboard_chart_uuids(load(path)))
    for kind, path in asset_files(ASSETS_DIR):
        if kind == "charts":
            chart = load(path)
            assert chart["uuid"] in placed, path.name
            context = json.loads(chart["query_context"])  # GET /chart/<id>/data/ needs it
            assert context["queries"], path.name


def test_no_install_specific_value_is_committed():
    for _, path in asset_files(ASSETS_DIR):
        text = path.read_text(encoding="utf-8")
        for specific in ("/work/", "/tmp/", "/root/", "/home/", '"datasource"', "datasource:"):
            assert specific not in text, (path.name, specific)
    database = load(next(ASSETS_DIR.glob("databases/*.yaml")))
    assert database["sqlalchemy_uri"] == f"duckdb:///{PUBLISHED_PLACEHOLDER}"
    assert database["extra"]["engine_params"]["connect_args"] == {"read_only": True}


@pytest.fixture
def bundle(tmp_path) -> Path:
    return Path(shutil.copytree(ASSETS_DIR, tmp_path / "assets"))


def test_a_dangling_chart_reference_is_named(bundle):
    path = next((bundle / "charts").glob("*.yaml"))
    chart = load(path)
    chart["dataset_uuid"] = "00000000-0000-0000-0000-000000000000"
    path.write_text(yaml.safe_dump(chart, allow_unicode=True))
    with pytest.raises(BundleError, match=f"charts/{path.name}: dataset 0000"):
        check_references(bundle)


def test_a_dashboard_placing_a_missing_chart_is_refused(bundle):
    path = next((bundle / "charts").glob("*.yaml"))
    path.unlink()
    with pytest.raises(BundleError, match=r"chart .* does not exist"):
        check_references(bundle)


def test_a_uuid_used_twice_is_refused(bundle):
    first, second = sorted((bundle / "charts").glob("*.yaml"))[:2]
    chart = load(second)
    chart["uuid"] = load(first)["uuid"]
    second.write_text(yaml.safe_dump(chart, allow_unicode=True))
    with pytest.raises(BundleError, match="used twice"):
        check_references(bundle)


def test_render_points_the_database_at_the_published_snapshot(bundle, tmp_path):
    rendered = render(bundle, tmp_path / "out", published_path=Path("/srv/marts.duckdb"))
    database = load(next(rendered.glob("databases/*.yaml")))
    assert database["sqlalchemy_uri"] == "duckdb:////srv/marts.duckdb"
    assert PUBLISHED_PLACEHOLDER in next(bundle.glob("databases/*.yaml")).read_text()


def test_normalise_strips_ids_that_one_superset_assigned():
    chart = {
        "params": {"viz_type": "table", "datasource": "7__table"},
        "query_context": json.dumps(
            {
                "datasource": {"id": 7, "type": "table"},
                "form_data": {"datasource": "7__table", "viz_type": "table"},
                "queries": [{"datasource": {"id": 7, "type": "table"}, "columns": ["a"]}],
            }
        ),
    }
    out = normalise("charts", chart, published_path=Path("/x.duckdb"))
    assert out["params"] == {"viz_type": "table"}
    assert json.loads(out["query_context"]) == {
        "form_data": {"viz_type": "table"},
        "queries": [{"columns": ["a"]}],
    }
    database = normalise(
        "databases", {"sqlalchemy_uri": "duckdb:////x.duckdb"}, published_path=Path("/x.duckdb")
    )
    assert database["sqlalchemy_uri"] == f"duckdb:///{PUBLISHED_PLACEHOLDER}"
    dashboard = {
        "position": {
            "A": {"type": "CHART", "meta": {"chartId": 412, "uuid": "u1"}},
            "B": {"type": "ROW", "meta": {}},
            "C": {"type": "CHART", "meta": {"chartId": 97, "uuid": "u2"}},
        },
        "metadata": {
            "native_filter_configuration": [{"chartsInScope": [412], "targets": []}],
            "shared_label_colors": ["flood"],
            "color_scheme_domain": ["#1FA8C9"],
            "color_scheme": "supersetColors",
        },
    }
    out = normalise("dashboards", dashboard, published_path=Path("/x.duckdb"))
    assert [n["meta"].get("chartId") for n in out["position"].values()] == [1, None, 2]
    assert out["metadata"]["native_filter_configuration"][0]["chartsInScope"] == []
    assert "shared_label_colors" not in out["metadata"]  # the front end's view state
    assert "color_scheme_domain" not in out["metadata"]
    assert out["metadata"]["color_scheme"] == "supersetColors"


def test_a_new_asset_gets_a_readable_stable_file_name():
    uuid = "6e0b5f2a-1111-4222-8333-444455556666"
    known = {"aaaa": Path("charts/hotspot_cell_map.yaml")}
    assert export_name("charts", Path("/x/charts/20.yaml"), {"uuid": uuid}, known) == Path(
        "charts/chart_6e0b5f2a.yaml"
    )  # a Chinese title: Superset left only the id
    assert export_name("charts", Path("/x/charts/Gi_41.yaml"), {"uuid": uuid}, known) == Path(
        "charts/chart_6e0b5f2a.yaml"
    )
    assert export_name(
        "datasets",
        Path("/x/datasets/citybrain_marts/vehicle_tracks_by_day_15.yaml"),
        {"uuid": uuid},
        {},
    ) == Path("datasets/citybrain_marts/vehicle_tracks_by_day.yaml")
    assert export_name(
        "charts", Path("/x/charts/Street_ranking_7.yaml"), {"uuid": "aaaa"}, known
    ) == (
        Path("charts/hotspot_cell_map.yaml")  # the name in git wins
    )
