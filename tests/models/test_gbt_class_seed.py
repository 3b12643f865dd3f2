"""The warehouse's GB/T class seed and the case engine's class table say the same thing."""

import csv
from pathlib import Path

from citybrain.categories import CATEGORIES
from streams.cases.classify import SEED_COLUMNS, class_code, major_class, seed_row

SEED = Path(__file__).parents[2] / "models" / "seeds" / "incident_categories.csv"


def seeded() -> dict[str, dict[str, str]]:
    with open(SEED, encoding="utf-8") as f:
        return {row["category"]: row for row in csv.DictReader(f)}


def test_every_category_carries_the_engines_class():
    rows = seeded()
    assert set(rows) == set(CATEGORIES)
    for category, row in rows.items():
        assert {k: row[k] for k in SEED_COLUMNS} == seed_row(category), category


def test_classes_read_the_way_the_standard_writes_them():
    rows = seeded()
    garbage = rows["exposed_garbage"]
    assert (garbage["gbt_class_code"], garbage["gbt_class_name"]) == ("01-10", "暴露垃圾")
    assert (garbage["gbt_major_class_code"], garbage["gbt_major_class_name"]) == ("01", "市容环境")
    assert rows["unlicensed_peddler"]["gbt_major_class_name"] == "街面秩序"
    assert rows["waterlogging"]["gbt_class_code"] == ""  # the standard has no class for it


def test_major_class_is_the_codes_first_two_digits_in_either_standard():
    assert major_class(class_code("illegal_small_ads")) == ("02", "宣传广告")
    assert major_class(class_code("illegal_small_ads", standard="GB/T 47678.5-2026")) == (
        "07",
        "宣传广告类",
    )
