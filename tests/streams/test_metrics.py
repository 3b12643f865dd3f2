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


def test_consumer_lag_is_a_gauge_per_owned_partition():
    from types import SimpleNamespace

    from faust.types import TP

    from streams.metrics import consumer_lag

    a, b, c = TP("gps.fixes", 0), TP("gps.fixes", 1), TP("alerts", 2)
    consumer = SimpleNamespace(
        assignment=lambda: {a, b, c},
        highwater=lambda tp: {a: 120, b: 40, c: 7}[tp],
        _committed_offset={a: 100, b: None, c: 9},
        _read_offset={b: 35},
    )
    lag = consumer_lag(consumer)
    assert lag == {("alerts", 2): 0, ("gps.fixes", 0): 20, ("gps.fixes", 1): 5}
    text = exposition({}, lag)
    assert 'citybrain_consumer_lag_messages{topic="gps.fixes",partition="0"} 20' in text
    assert "# TYPE citybrain_consumer_lag_messages gauge" in text
