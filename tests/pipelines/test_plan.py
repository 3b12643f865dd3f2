"""The sqlmesh command lines ``citybrain plan`` runs (the runs themselves: the marts' e2e tests)."""

from pipelines.plan import plan_command


def test_a_plain_plan_runs_the_unit_tests_and_the_restatement_after_it_does_not():
    plain = plan_command(start=None, end=None, restate=False)
    restate = plan_command(start="2026-12-01", end="2026-12-03", restate=True, tests=False)
    assert plain[plain.index("plan") :] == ["plan", "--auto-apply", "--no-prompts"]
    assert "--skip-tests" in restate
    assert restate[restate.index("--start") :] == ["--start", "2026-12-01", "--end", "2026-12-03"]
    assert restate.count("--restate-model") == 2  # staging.* and marts.*


def test_the_gateway_is_named_on_every_command():
    command = plan_command(start=None, end=None, restate=False, gateway="postgres")
    assert command[command.index("--gateway") + 1] == "postgres"
