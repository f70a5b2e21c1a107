"""Statistics on read: pure functions over what the store returned."""

import math
from datetime import date, datetime, timedelta

import pytest

from posture_cam.core.settings import BreakConfig

from posture_cam.core.readings import Readings
from posture_cam.core.history_store import HistoryEvent, MinuteSummary, Span
from posture_cam.core.summary import (
    Streak, day_bounds, sitting_streaks, summarize, upright_share_of, week_days,
)

pytestmark = pytest.mark.unit

T0 = 1_795_000_020.0
M0 = int(T0 // 60)

GAP = BreakConfig().away_reset_s


def present(a, b):
    return Span("present", T0 + a, T0 + b)


def test_short_absences_do_not_end_a_sitting_streak_but_a_break_does():
    spans = [present(0, 600), present(660, 1200), present(1500, 1800)]
    assert sitting_streaks(spans, break_gap_s=120) == [Streak(T0, T0 + 1200),
                                                        Streak(T0 + 1500, T0 + 1800)]


def test_sitting_streaks_of_nothing_is_nothing():
    assert sitting_streaks([], break_gap_s=120) == []


def test_upright_share_is_the_share_of_desk_time_not_slouched():
    assert upright_share_of(600, 150) == 0.75
    assert math.isnan(upright_share_of(0, 0))


def test_summary_counts_alerts_breaks_and_ignored_reminders():
    minutes = [MinuteSummary(M0 + i, 60.0, 30.0 if i < 4 else 0.0, 60.0, Readings(head=0.5)) for i in range(10)]
    events = [HistoryEvent(T0 + 100, "alert", 45.0, "head_forward", 18.0, 0),
              HistoryEvent(T0 + 200, "break_due", 3600.0),
              HistoryEvent(T0 + 300, "break_due", 4200.0, repeat=1),
              HistoryEvent(T0 + 400, "break_taken", 300.0)]
    spans = [present(0, 600), Span("slouch", T0 + 10, T0 + 70, "head_forward", 18.0),
             Span("slouch", T0 + 100, T0 + 230, "trunk_forward", 15.0)]
    s = summarize(minutes, events, spans, T0, T0 + 86400, GAP)
    assert s.present_s == 600 and s.slouched_s == 120
    assert s.upright_share == pytest.approx(0.8)
    assert (s.slouches, s.longest_slouch_s) == (2, 130)
    assert (s.alerts, s.break_reminders, s.reminders_ignored, s.breaks_taken) == (1, 2, 1, 1)
    assert s.longest_streak == Streak(T0, T0 + 600)
    assert s.mean_severity.head == pytest.approx(0.5)


def test_summary_clips_spans_and_ignores_rows_outside_the_period():
    minutes = [MinuteSummary(M0 - 1, 60.0, 60.0, 60.0), MinuteSummary(M0, 60.0, 0.0, 60.0)]
    spans = [Span("slouch", T0 - 60, T0 + 30, "head_forward", 15.0)]
    s = summarize(minutes, [], spans, T0, T0 + 3600, GAP)
    assert s.present_s == 60 and s.slouched_s == 0
    assert s.longest_slouch_s == 30


def test_an_empty_period_summarises_as_empty():
    s = summarize([], [], [], T0, T0 + 86400, GAP)
    assert s.empty and s.longest_streak is None and math.isnan(s.upright_share)


def test_a_day_runs_from_local_midnight_to_local_midnight():
    start, end = day_bounds(date(2026, 11, 20))
    assert datetime.fromtimestamp(start) == datetime(2026, 11, 20)
    assert datetime.fromtimestamp(end) == datetime(2026, 11, 21)


def test_a_week_is_the_seven_days_up_to_the_given_day():
    days = week_days(date(2026, 11, 20))
    assert days[0] == date(2026, 11, 14) and days[-1] == date(2026, 11, 20)
    assert all(b - a == timedelta(days=1) for a, b in zip(days, days[1:]))
