from pipelines.soak.run import soak_settings
from streams.cases.policy import CasePolicy
from streams.cases.policy_file import load_policy


def test_a_soak_home_gets_its_own_ports_and_the_retention_it_asks_for(tmp_path):
    settings = soak_settings(tmp_path / "soak", retire_after_h=2.5)
    assert settings.home == tmp_path / "soak" and settings.web_port != settings.sink_web_port
    policy = load_policy(settings.case_policy_path)
    assert (policy.retire_after_h, policy.forget_retired_after_h) == (2.5, 2.5)
    assert policy.max_links_per_case == CasePolicy().max_links_per_case  # the rest: defaults


def test_without_a_retention_the_worker_keeps_its_own_policy(tmp_path):
    assert soak_settings(tmp_path / "soak").case_policy_path is None
