from citybrain.settings import load
from pipelines.processes import settings_env


def test_children_get_the_video_rules_file(tmp_path):
    rules = tmp_path / "video-rules.json"
    settings = load({"HOME": str(tmp_path), "CITYBRAIN_VIDEO_RULES": str(rules)})
    assert settings_env(settings)["CITYBRAIN_VIDEO_RULES"] == str(rules)
    assert "CITYBRAIN_VIDEO_RULES" not in settings_env(load({"HOME": str(tmp_path)}))
