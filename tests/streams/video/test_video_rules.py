import json

import pytest

from streams.video.rules import DEFAULT_RULES, config_from, load_rules


def test_defaults_cover_every_video_category_and_overrides_change_one_field(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(
        json.dumps(
            {
                "rules": {"unlicensed_peddler": {"persist_s": 600}},
                "suppression": {"distance_m": 80},
                "permits": {"ad_m": 20},
            }
        )
    )
    config = load_rules(path)
    assert config.rules["unlicensed_peddler"].persist_s == 600
    assert config.rules["unlicensed_peddler"].min_confidence == 0.5
    assert config.rules["illegal_parking"] == DEFAULT_RULES["illegal_parking"]
    assert (config.suppression.distance_m, config.permits.ad_m) == (80, 20)
    assert load_rules(None).rules == DEFAULT_RULES


@pytest.mark.parametrize(
    "doc",
    [
        {"rules": {"jaywalking": {}}},
        {"rules": {"illegal_parking": {"persist": 3}}},
        {"suppression": {"radius": 3}},
        {"other": {}},
    ],
)
def test_unknown_keys_are_refused(doc):
    with pytest.raises(ValueError):
        config_from(doc)
