from pipelines.chaos.lineage import case_tables, dependents, model_sources


def test_the_case_tables_are_the_case_events_and_every_model_built_from_them():
    tables = case_tables()
    assert {
        "landing.cases_events",
        "staging.stg_case_events",
        "marts.case_state_by_case",
        "marts.case_evaluation_by_department_day",
        "intermediate.int_road_damage_case_segments",  # a Python model reading the case mart
        "marts.road_damage_by_segment_year",  # two steps away
    } <= tables
    assert "marts.incident_counts_by_cell_day" not in tables
    assert "staging.stg_alerts" not in tables


def test_a_new_model_reading_a_case_table_is_found_without_being_listed(tmp_path):
    (tmp_path / "staging").mkdir()
    (tmp_path / "marts").mkdir()
    (tmp_path / "staging" / "stg_e.sql").write_text(
        "MODEL (name staging.stg_e); SELECT * FROM landing.cases_events"
    )
    (tmp_path / "marts" / "m_a.sql").write_text(
        "MODEL (name marts.m_a); SELECT * FROM staging.stg_e"
    )
    (tmp_path / "marts" / "m_b.py").write_text(
        '@model(\n    "marts.m_b",\n    depends_on=["marts.m_a"],\n)\n'
    )
    (tmp_path / "marts" / "m_c.sql").write_text(
        "MODEL (name marts.m_c); SELECT * FROM staging.stg_alerts /* not staging.stg_e2 */"
    )
    sources = model_sources(tmp_path)
    assert set(sources) == {"staging.stg_e", "marts.m_a", "marts.m_b", "marts.m_c"}
    assert dependents(["landing.cases_events"], sources) == {
        "staging.stg_e",
        "marts.m_a",
        "marts.m_b",
    }
