import pytest

from pipelines.chaos.plan import BROKER, SECOND_WORKER, SINK, WORKER, clean_plan, plan_run


def test_a_run_plan_is_a_pure_function_of_the_seed_and_run():
    a = plan_run(seed=7, run=3, messages=1000, kills=20)
    assert a == plan_run(seed=7, run=3, messages=1000, kills=20)
    assert a != plan_run(seed=7, run=4, messages=1000, kills=20)
    assert a != plan_run(seed=8, run=3, messages=1000, kills=20)


def test_kills_and_one_broker_restart_between_increasing_cuts():
    plan = plan_run(seed=1, run=1, messages=1000, kills=20)
    assert len(plan.kills) == 20
    assert len(plan.broker_restarts) == 1
    assert {f.process for f in plan.kills} <= {WORKER, SINK}
    assert WORKER in {f.process for f in plan.kills}
    assert [f.segment for f in plan.faults] == list(range(21))
    assert plan.cuts[0] == 0 and plan.cuts[-1] == 1000
    assert list(plan.cuts) == sorted(set(plan.cuts))  # every segment has messages
    assert len(plan.cuts) == len(plan.faults) + 2  # a last segment after the last fault


def test_the_second_worker_is_never_killed():
    for run in range(1, 30):
        plan = plan_run(seed=2, run=run, messages=500, kills=5, workers=2)
        assert SECOND_WORKER not in {f.process for f in plan.faults}
        assert BROKER in {f.process for f in plan.faults}


def test_without_a_broker_restart_or_kills():
    assert plan_run(seed=1, run=1, messages=10, kills=3, broker_restart=False).broker_restarts == ()
    plan = plan_run(seed=1, run=1, messages=10, kills=0, broker_restart=False)
    assert plan.faults == () and plan.cuts == (0, 10)


def test_more_faults_than_messages_leaves_empty_segments():
    plan = plan_run(seed=1, run=1, messages=3, kills=5)
    assert plan.cuts[-1] == 3 and list(plan.cuts) == sorted(plan.cuts)


def test_the_clean_run_has_no_fault_and_one_segment():
    plan = clean_plan(seed=1, messages=100)
    assert plan.run == 0 and plan.faults == () and plan.cuts == (0, 100)


def test_run_zero_is_reserved_for_the_clean_run():
    with pytest.raises(ValueError, match="clean run"):
        plan_run(seed=1, run=0, messages=10, kills=1)
