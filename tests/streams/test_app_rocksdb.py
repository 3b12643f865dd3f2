"""The stream and sink apps cap RocksDB memory per table partition."""

from dataclasses import replace

from citybrain.settings import load
from streams.app import ROCKSDB_OPTIONS
from streams.main import sink_app, stream_app


def settings(tmp_path, store: str):
    base = load({"HOME": str(tmp_path), "CITYBRAIN_HOME": str(tmp_path / "home")})
    return replace(base, store=store, reference_dir=tmp_path / "reference")


def test_every_table_of_the_worker_gets_small_rocksdb_buffers(tmp_path):
    app = stream_app(settings(tmp_path, "rocksdb://"))
    # hotspots, flood, vehicles, video 2, cases 6 (with case_retired and the intake's two)
    assert len(app.tables) == 11
    for name, table in app.tables.items():
        options = table.data.rocksdb_options  # the store the table will open
        assert options.write_buffer_size == ROCKSDB_OPTIONS["write_buffer_size"], name
        assert options.max_write_buffer_number == ROCKSDB_OPTIONS["max_write_buffer_number"]
        assert options.block_cache_size == ROCKSDB_OPTIONS["block_cache_size"], name
    # faust's defaults, which the cap replaces: 64 MiB buffers and a 2 GiB cache
    assert ROCKSDB_OPTIONS["write_buffer_size"] * 16 <= 64 * 1024 * 1024


def test_memory_stores_and_the_tableless_sink_are_left_alone(tmp_path):
    app = stream_app(settings(tmp_path, "memory://"))
    assert all(not table.options for table in app.tables.values())
    assert not sink_app(settings(tmp_path, "rocksdb://")).tables
