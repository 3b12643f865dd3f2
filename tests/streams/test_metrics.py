from streams.metrics import exposition


def test_counters_are_exposed_in_prometheus_text_format():
    text = exposition(
        {"intake": {"gps.fixes.rejected": 2, "gps.fixes.accepted": 40}, "hotspots": {"late": 0}}
    )
    assert text.splitlines() == [
        "# HELP citybrain_records_total Records seen by citybrain agents, by agent and counter.",
        "# TYPE citybrain_records_total counter",
        'citybrain_records_total{agent="hotspots",counter="late"} 0',
        'citybrain_records_total{agent="intake",counter="gps.fixes.accepted"} 40',
        'citybrain_records_total{agent="intake",counter="gps.fixes.rejected"} 2',
    ]
