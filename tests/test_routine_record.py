"""What a finished break routine leaves behind: a history row (schema 3), and a running
monitor's sitting timer restarted through the routine file."""

from __future__ import annotations

import sqlite3

import pytest

from posture_cam.core.breaks import SittingTimer
from posture_cam.core.decision import SlouchDetector
from posture_cam.core.events import EventKind
from posture_cam.core.history_store import MemoryStore, RoutineMove, RoutineRecord
from posture_cam.core.landmarks import PoseFrame
from posture_cam.core.pipeline import Pipeline
from posture_cam.core.settings import BreakConfig, Config
from posture_cam.history_sqlite import APPLICATION_ID, MIGRATIONS, SqliteStore
from posture_cam.routine_record import RoutineWatch, signal_routine_done

pytestmark = pytest.mark.unit

T0 = 1_796_000_000.0
RECORD = RoutineRecord(T0, 131.5, True, (
    RoutineMove("chin-tuck", 0, 8, 0.0, "a camera in front of you cannot see a chin tuck"),
    RoutineMove("shoulder-squeeze", 8, 8, 31.0), RoutineMove("stand-reach", 2, 2, 9.5)))


@pytest.mark.parametrize("open_store", [lambda p: MemoryStore(), SqliteStore.open],
                         ids=["memory", "sqlite"])
def test_every_store_keeps_routines_with_their_moves(tmp_path, open_store):
    store = open_store(tmp_path / "history.sqlite3")
    store.add_routine(RECORD)
    store.add_routine(RoutineRecord(T0 + 86_400, 20.0, False))
    store.commit()
    assert store.routines(T0, T0 + 3600) == [RECORD]
    assert [r.completed for r in store.routines(T0, T0 + 2 * 86_400)] == [True, False]
    store.close()


def _version_2_file(path):
    db = sqlite3.connect(path, isolation_level=None)
    for statements in MIGRATIONS[:2]:
        for statement in statements:
            db.execute(statement)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO events (t_s, kind, duration_s, repeat) VALUES (?, 'alert', 0, 0)",
               (T0,))
    db.close()


def test_a_version_2_history_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "history.sqlite3"
    _version_2_file(path)
    store = SqliteStore.open(path)
    assert [e.kind for e in store.events(T0 - 1, T0 + 1)] == ["alert"]
    store.add_routine(RECORD)
    store.commit()
    store.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    assert db.execute("SELECT COUNT(*) FROM routines").fetchone()[0] == 1


def test_the_watch_ignores_an_old_file_and_reports_a_new_routine_once(tmp_path):
    path = tmp_path / "routine.json"
    signal_routine_done(path, T0, 100.0)  # before the monitor started: old news
    watch = RoutineWatch(path)
    assert watch.poll() is None
    signal_routine_done(path, T0 + 500, 120.0)
    assert watch.poll() == 120.0
    assert watch.poll() is None


def test_a_finished_routine_restarts_a_running_monitors_sitting_timer(tmp_path, steps):
    """The monitor's own pipeline, fed scripted frames: sitting 50 min, then a routine is
    signalled by another process; the break reminder comes 60 min after it, not at 60."""
    from conftest import ScriptedAnalyzer

    config = Config()
    breaks = BreakConfig(enabled=True, sitting_min=60, away_reset_s=120, repeat_min=10)
    path = tmp_path / "routine.json"
    pipeline = Pipeline(None, ScriptedAnalyzer([(10_000.0, "upright")]),
                        SlouchDetector(config.slouch), SittingTimer(breaks))
    pipeline.routine_done = RoutineWatch(path).poll
    events = []
    for i in range(int(50 * 60 / 5)):
        events += pipeline.step_pose(PoseFrame(i * 5.0, 640, 480, ())).events
    signal_routine_done(path, T0, 125.0)
    t = 50 * 60.0
    result = pipeline.step_pose(PoseFrame(t, 640, 480, ()))
    assert [e.kind for e in result.events] == [EventKind.BREAK_TAKEN]
    assert result.sitting_s == 0.0
    while t < 115 * 60:
        t += 5.0
        events += pipeline.step_pose(PoseFrame(t, 640, 480, ())).events
    due = [e.t_s for e in events if e.kind is EventKind.BREAK_DUE]
    assert due[0] == pytest.approx(50 * 60 + 3600)
