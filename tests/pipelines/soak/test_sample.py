import os
import subprocess
import sys

from pipelines.soak.sample import parse_metrics, rss_mib, scrape

PAGE = """# HELP citybrain_records_total Records.
# TYPE citybrain_records_total counter
citybrain_records_total{agent="sink",counter="gps.fixes.landed"} 40
citybrain_records_total{agent="cases",counter="cases_retired"} 12
citybrain_records_total{agent="cases",counter="commands"} 99
citybrain_consumer_lag_messages{topic="gps.fixes",partition="0"} 20
citybrain_consumer_lag_messages{topic="alerts",partition="2"} 3
citybrain_table_keys{table="vehicles"} 28
citybrain_table_bytes{table="vehicles"} 7168
citybrain_process_resident_memory_bytes 2.5e+08
"""


def test_prometheus_text_is_parsed_with_its_labels():
    samples = parse_metrics(PAGE)
    assert samples[0] == (
        "citybrain_records_total",
        {"agent": "sink", "counter": "gps.fixes.landed"},
        40.0,
    )
    assert samples[-1] == ("citybrain_process_resident_memory_bytes", {}, 2.5e8)
    assert len(samples) == 8


def test_a_scrape_keeps_table_sizes_and_total_lag():
    scraped = scrape(PAGE)
    assert scraped.table_keys == {"vehicles": 28}
    assert scraped.table_bytes == {"vehicles": 7168}
    assert scraped.lag == 23
    assert scraped.case_counts == {"cases_retired": 12}  # the engine's retirement, nothing else


def test_rss_of_a_live_process_and_of_a_gone_one():
    assert rss_mib(os.getpid()) > 1
    done = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert done.returncode == 0
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert rss_mib(child.pid) is None
