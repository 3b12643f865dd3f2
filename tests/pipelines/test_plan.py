"""The sqlmesh command lines ``citybrain plan`` runs (the runs themselves: the marts' e2e tests)."""

from datetime import date

from pipelines.plan import plan_command, restatement_needed


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


def test_a_new_warehouse_needs_no_restatement_of_days_the_plain_plan_has_computed():
    today = date(2026, 12, 7)
    assert not restatement_needed(warehouse_was_new=True, end="2026-07-16", today=today)
    assert not restatement_needed(warehouse_was_new=True, end="2026-12-07", today=today)
    assert not restatement_needed(warehouse_was_new=True, end=None, today=today)
    # the plain plan stops at now: a range ending tomorrow holds intervals it left
    assert restatement_needed(warehouse_was_new=True, end="2026-12-08", today=today)
    # on a warehouse that was there, the landing may hold rows its marts have not seen
    assert restatement_needed(warehouse_was_new=False, end="2026-07-16", today=today)
