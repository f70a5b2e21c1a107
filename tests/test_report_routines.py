"""The report shows the break routines: per day beside the alerts, in words and on the chart."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from posture_cam.core.history_store import RoutineMove, RoutineRecord
from posture_cam.core.settings import BreakConfig
from posture_cam.core.summary import day_bounds, load_period
from posture_cam.history import HistoryRecorder
from posture_cam.history_sqlite import open_history

pytestmark = pytest.mark.cli

DAY = date(2026, 11, 20)
MORNING = [(600, "upright"), (240, "slouched"), (900, "upright")]


@pytest.fixture
def history(tmp_path, steps):
    path = tmp_path / "history.sqlite3"
    nine = datetime(DAY.year, DAY.month, DAY.day, 9).timestamp()
    recorder = HistoryRecorder(path, nine)
    for result in steps(MORNING, step_s=1.0):
        recorder.handle(result)
    recorder.close()
    store = open_history(path)
    moves = (RoutineMove("shoulder-squeeze", 8, 8, 30.0), RoutineMove("stand-reach", 2, 2))
    store.add_routine(RoutineRecord(nine + 1000, 125.0, True, moves))
    store.add_routine(RoutineRecord(nine + 1600, 20.0, False, moves[:1]))  # stopped early
    store.commit()
    store.close()
    return path


def test_the_day_report_counts_finished_routines(history, app):
    result = app("report", "--day", DAY, "--history", history)
    assert result.returncode == 0, result.stderr
    assert "break routines   1 finished" in result.stdout


def test_the_day_chart_marks_each_finished_routine_beside_the_alerts(history, app, tmp_path):
    from posture_cam.report_charts import draw_day

    store = open_history(history)
    period = load_period(store, *day_bounds(DAY), BreakConfig().away_reset_s)
    store.close()
    figure = draw_day(period, DAY, "Posture")
    assert "1 break routine" in figure._suptitle.get_text()  # noqa: SLF001
    top = figure.axes[0]
    marked = [c for c in top.collections if c.get_label() == "break routine"]
    assert len(marked) == 1 and len(marked[0].get_offsets()) == 1
    assert "break routine" in [t.get_text() for t in top.get_legend().get_texts()]
    out = tmp_path / "day.png"
    assert app("report", "--day", DAY, "--history", history, "--out", out).returncode == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_week_chart_writes_routines_per_day_under_each_day(history):
    from posture_cam.core.summary import week_days
    from posture_cam.report_charts import draw_week

    store = open_history(history)
    days = week_days(DAY)
    periods = [load_period(store, *day_bounds(d), BreakConfig().away_reset_s) for d in days]
    store.close()
    figure = draw_week(days, periods, "Week")
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert labels[-1].endswith("1 routine") and labels[0].endswith("0 routines")
