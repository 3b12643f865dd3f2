import re

import pytest

from citybrain.categories import CATEGORIES
from streams.cases.classify import (
    CLASS_CODES,
    GBT_30428_2_2013,
    GBT_47678_5_2026,
    Urgency,
    class_code,
    urgency_for,
)

CODE_FORMATS = {GBT_30428_2_2013: r"\d{2}-\d{2}", GBT_47678_5_2026: r"\d{5}"}


@pytest.mark.parametrize("standard", sorted(CLASS_CODES))
def test_every_category_is_mapped_or_explicitly_unmapped_in_every_standard(standard):
    table = CLASS_CODES[standard]
    assert set(table) == set(CATEGORIES)
    for category, entry in table.items():
        if entry is None:
            continue
        assert entry.standard == standard
        assert entry.kind in {"component", "event"}
        assert re.fullmatch(CODE_FORMATS[standard], entry.code), (category, entry.code)
        assert entry.name


def test_the_default_standard_is_gbt_30428_2_with_the_published_codes():
    assert class_code("exposed_garbage").code == "01-10"
    assert class_code("unlicensed_peddler").code == "04-01"
    assert class_code("illegal_parking").to_dict() == {
        "standard": "GB/T 30428.2-2013",
        "kind": "event",
        "code": "04-09",
        "name": "机动车乱停放",
        "inferred": False,
    }
    assert class_code("manhole_cover").kind == "component"
    assert class_code("waterlogging") is None


def test_later_standard_keeps_the_subclass_and_moves_the_event_major():
    # GB/T 47678.5 keeps 2013 event subclass numbers, majors 01→06, 02→07, 03→08, 04→09
    major = {"01": "06", "02": "07", "03": "08", "04": "09"}
    for category, old in CLASS_CODES[GBT_30428_2_2013].items():
        new = CLASS_CODES[GBT_47678_5_2026][category]
        if old is None or old.kind != "event":
            continue
        assert new.code == major[old.code[:2]] + "0" + old.code[3:], category


def test_unknown_category_or_standard_raise():
    with pytest.raises(KeyError, match="unicorns"):
        class_code("unicorns")
    with pytest.raises(KeyError):
        class_code("noise", standard="CJ/T 214-2007")


def test_urgency_is_the_higher_of_category_default_and_request():
    assert urgency_for("exposed_garbage") is Urgency.NORMAL
    assert urgency_for("exposed_garbage", requested="urgent") is Urgency.URGENT
    assert urgency_for("manhole_cover") is Urgency.URGENT
    assert urgency_for("manhole_cover", requested="normal") is Urgency.URGENT
    assert urgency_for("waterlogging", requested="emergency") is Urgency.EMERGENCY
    with pytest.raises(ValueError):
        urgency_for("noise", requested="asap")
