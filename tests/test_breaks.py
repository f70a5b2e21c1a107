"""The movement-break timer on fed timestamps: hours of sitting replay in milliseconds."""

import pytest

from posture_cam.core.breaks import SittingTimer
from posture_cam.core.settings import BreakConfig
from posture_cam.core.events import Event, EventKind

pytestmark = pytest.mark.unit

CONFIG = BreakConfig(enabled=True, sitting_min=60, away_reset_s=120, repeat_min=10)
STEP_S = 0.5


def feed(timer, t_from, t_to, present=True):
    """Feeds one sample every STEP_S seconds in [t_from, t_to); returns the events."""
    events = []
    n = int(round((t_to - t_from) / STEP_S))
    for i in range(n):
        events += timer.update(t_from + i * STEP_S, present)
    return events


def of_kind(events, kind):
    return [e for e in events if e.kind is kind]


def test_reminder_fires_once_after_sixty_minutes_of_sitting():
    timer = SittingTimer(CONFIG)
    assert feed(timer, 0, 3599.5) == []
    events = feed(timer, 3599.5, 3605)
    assert [e.kind for e in events] == [EventKind.BREAK_DUE]
    assert events[0].t_s == 3600
    assert events[0].duration_s == 3600
    assert events[0].repeat == 0


def test_ignored_reminder_repeats_after_repeat_min_not_every_frame():
    timer = SittingTimer(CONFIG)
    due = of_kind(feed(timer, 0, 3600 + 25 * 60), EventKind.BREAK_DUE)
    assert [e.t_s for e in due] == [3600, 3600 + 600, 3600 + 1200]
    assert [e.repeat for e in due] == [0, 1, 2]
    assert [round(e.duration_s) for e in due] == [3600, 4200, 4800]


def test_short_absence_does_not_reset_the_sitting_clock():
    timer = SittingTimer(CONFIG)
    events = feed(timer, 0, 1800)
    events += feed(timer, 1800, 1860, present=False)  # one minute away: under away_reset_s
    events += feed(timer, 1860, 3605)
    assert of_kind(events, EventKind.BREAK_TAKEN) == []
    assert [e.t_s for e in of_kind(events, EventKind.BREAK_DUE)] == [3600]


def test_long_absence_is_a_break_that_restarts_the_clock():
    timer = SittingTimer(CONFIG)
    events = feed(timer, 0, 3000)
    events += feed(timer, 3000, 3180, present=False)  # three minutes away
    events += feed(timer, 3180, 3181)
    taken = of_kind(events, EventKind.BREAK_TAKEN)
    assert len(taken) == 1 and taken[0].t_s == 3180 and taken[0].duration_s == 180
    assert timer.sitting_s(3181) == 1
    later = feed(timer, 3181, 3180 + 3605)
    assert [e.t_s for e in of_kind(later, EventKind.BREAK_DUE)] == [3180 + 3600]


def test_absence_is_measured_from_when_the_user_was_last_seen():
    # The detector declares "away" only after away_after_s; its AWAY_START says since when.
    timer = SittingTimer(BreakConfig(sitting_min=60, away_reset_s=10, repeat_min=10))
    feed(timer, 0, 100)
    assert timer.update(103.0, False, [Event(EventKind.AWAY_START, 100.0)]) == []
    feed(timer, 103.5, 110, present=False)
    events = timer.update(110.0, True)  # 10 s since last seen, only 7 s since declared away
    assert [(e.kind, e.duration_s) for e in events] == [(EventKind.BREAK_TAKEN, 10.0)]


def test_absence_just_under_the_limit_is_not_a_break():
    timer = SittingTimer(BreakConfig(sitting_min=60, away_reset_s=120, repeat_min=10))
    feed(timer, 0, 100)
    feed(timer, 100, 219.5, present=False)
    assert timer.update(219.5, True) == []
    assert timer.sitting_s(219.5) == 219.5


def test_no_reminder_while_away_and_a_fresh_one_after_coming_back_from_a_break():
    timer = SittingTimer(CONFIG)
    events = feed(timer, 0, 3500)
    events += feed(timer, 3500, 7200, present=False)  # left before the hour was up
    assert of_kind(events, EventKind.BREAK_DUE) == []
    events = feed(timer, 7200, 7200 + 3605)
    assert [e.kind for e in events][0] is EventKind.BREAK_TAKEN
    assert [e.t_s for e in of_kind(events, EventKind.BREAK_DUE)] == [7200 + 3600]


def test_reminder_due_while_away_waits_until_the_user_is_back():
    timer = SittingTimer(CONFIG)
    feed(timer, 0, 3590)
    assert feed(timer, 3590, 3620, present=False) == []  # 30 s away: not a break
    events = timer.update(3620, True)
    assert [e.kind for e in events] == [EventKind.BREAK_DUE]
    assert events[0].duration_s == 3620


def test_disabled_timer_never_reminds():
    timer = SittingTimer(BreakConfig(enabled=False))
    assert feed(timer, 0, 4 * 3600, present=True) == []


def test_sitting_starts_when_the_user_first_appears():
    timer = SittingTimer(CONFIG)
    feed(timer, 0, 600, present=False)  # the monitor started before the user sat down
    events = feed(timer, 600, 600 + 3605)
    assert of_kind(events, EventKind.BREAK_TAKEN) == []  # nothing to reset yet
    assert [e.t_s for e in of_kind(events, EventKind.BREAK_DUE)] == [600 + 3600]
