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


def test_table_sizes_count_keys_and_the_json_size_of_values():
    from streams.metrics import table_sizes

    tables = {"vehicles": {"v1": {"lat": 30.25}, "v2": None}, "hotspot_counts": {}}
    sizes = table_sizes(tables)
    assert sizes == {
        "hotspot_counts": (0, 0),
        "vehicles": (2, len("v1") + len(b'{"lat":30.25}') + len("v2") + len(b"null")),
    }
    text = exposition({}, None, sizes, 5 * 1024 * 1024)
    assert 'citybrain_table_keys{table="vehicles"} 2' in text
    assert f'citybrain_table_bytes{{table="vehicles"}} {sizes["vehicles"][1]}' in text
    assert "# TYPE citybrain_table_keys gauge" in text
    assert "citybrain_process_resident_memory_bytes 5242880" in text


def test_resident_bytes_reads_vmrss(tmp_path):
    from streams.metrics import resident_bytes

    status = tmp_path / "status"
    status.write_text("Name:\tpython\nVmRSS:\t  2048 kB\nThreads:\t3\n")
    assert resident_bytes(str(status)) == 2048 * 1024
    assert resident_bytes(str(tmp_path / "gone")) is None
    assert resident_bytes() > 0  # this process, from /proc/self/status
