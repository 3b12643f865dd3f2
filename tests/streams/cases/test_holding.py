from streams.cases.holding import Hold, IdleClock, held_key

REPORT = {"signal_id": "report:R1", "message_id": "R1", "at": "2026-07-15T02:00:10.000Z"}
ALERT = {"signal_id": "alert:a1", "message_id": "a1.1", "at": "2026-07-15T02:00:05.000Z"}
LATER = {"signal_id": "alert:a2", "message_id": "a2.1", "at": "2026-07-15T02:00:30.000Z"}
PATHS = ["cases-intake:alerts/0", "cases-intake:reports.citizen/0"]


def held(hold):
    return [h["signal"]["signal_id"] for h in hold.held]


def test_a_message_is_held_once_and_the_hold_says_it_changed():
    hold = Hold()
    assert hold.add(REPORT, kafka_key="k", raised_at=10.0)
    assert not hold.add(REPORT, kafka_key="k", raised_at=10.0)  # delivered again
    assert hold.add(REPORT | {"message_id": "R1.2"}, kafka_key="k", raised_at=10.0)  # an update
    assert hold.changed and len(hold.held) == 2


def test_held_signals_wait_for_every_path_then_go_in_the_order_they_were_raised():
    hold = Hold()
    hold.add(REPORT, kafka_key="k", raised_at=10.0)  # arrived first, raised later
    hold.add(LATER, kafka_key="k", raised_at=30.0)
    hold.add(ALERT, kafka_key="k", raised_at=5.0)
    assert hold.due(PATHS) == []  # no path has a mark yet
    assert hold.note({PATHS[0]: 20.0}) == [PATHS[0]]
    assert hold.due(PATHS) == []  # the reports path has not been heard
    assert hold.note({PATHS[1]: 12.0, PATHS[0]: 15.0}) == [PATHS[1]]  # 15 < 20: no move
    due = hold.due(PATHS)
    assert [h["signal"]["signal_id"] for h in due] == ["alert:a1", "report:R1"]
    assert [h["kafka_key"] for h in due] == ["k", "k"]
    assert held(hold) == ["alert:a2"]


def test_ties_in_time_go_by_signal_id_and_no_path_waited_for_releases_everything():
    hold = Hold()
    hold.add(REPORT, kafka_key="k", raised_at=10.0)
    hold.add(ALERT, kafka_key="k", raised_at=10.0)
    assert [h["signal"]["signal_id"] for h in hold.due([])] == ["alert:a1", "report:R1"]
    assert hold.held == []


def test_the_table_values_are_the_held_signals_and_the_marks():
    hold = Hold(held=[], marks={PATHS[0]: 1.0})
    assert not hold.changed
    hold.add(ALERT, kafka_key="k", raised_at=5.0)
    held_now, marks = hold.to_table()
    assert held_now[0]["signal"] == ALERT and marks == {PATHS[0]: 1.0}
    assert held_key(4) == "~held|4"


def test_a_path_silent_longer_than_idle_is_no_longer_waited_for_until_it_moves():
    now = [100.0]
    idle = IdleClock(60.0, clock=lambda: now[0])
    assert idle.waited_for(0, PATHS) == PATHS  # a restarted worker waits for every path
    now[0] = 150.0
    idle.moved(0, [PATHS[0]])
    now[0] = 170.0
    assert idle.waited_for(0, PATHS) == [PATHS[0]]  # reports silent since 100
    assert idle.waited_for(1, PATHS) == PATHS  # another partition has its own clock
    idle.moved(0, [PATHS[1]])
    assert idle.waited_for(0, PATHS) == PATHS
    now[0] = 300.0
    assert idle.waited_for(0, PATHS) == []


def test_a_placed_signal_stays_in_the_table_until_its_command_is_sent():
    """Released by a progress record, it would be lost if a kill came before the sends."""
    hold = Hold()
    hold.add(ALERT, kafka_key="k", raised_at=5.0)
    hold.add(LATER, kafka_key="k", raised_at=30.0)
    hold.note({PATHS[0]: 10.0, PATHS[1]: 10.0})
    assert [h["signal"]["signal_id"] for h in hold.due(PATHS)] == ["alert:a1"]
    written_before_sends = [h["signal"]["signal_id"] for h in hold.to_table()[0]]
    assert written_before_sends == ["alert:a1", "alert:a2"]  # placed again after a restart
    assert hold.settle() and not hold.settle()
    assert [h["signal"]["signal_id"] for h in hold.to_table()[0]] == ["alert:a2"]
