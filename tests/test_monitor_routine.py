"""The break routine on the monitor's own frames (monitor_routine.py), without the model:
the real pipeline and sink on the stick figure of tests/factories.py, real files."""

from __future__ import annotations

import json
import sqlite3

import pytest

from factories import frame_of, make_pose
from posture_cam.actions import BUTTONS, DONE, ROUTINE, SNOOZE, ActionInbox
from posture_cam.alerts import Alerter
from posture_cam.core.analyzer import Analyzer
from posture_cam.core.breaks import SittingTimer
from posture_cam.core.calibration import build_baseline
from posture_cam.core.decision import SlouchDetector
from posture_cam.core.events import Event, EventKind
from posture_cam.core.exercises import MOVES
from posture_cam.core.geometry import extract_features
from posture_cam.core.messages import BREAK_TITLE
from posture_cam.core.pace import AdaptivePace
from posture_cam.core.pipeline import Pipeline
from posture_cam.core.settings import BreakConfig
from posture_cam.monitor_routine import QUIET_WHY, MonitorRoutine
from posture_cam.notify import RecordingNotifier
from posture_cam.routine_record import RoutineWatch

pytestmark = pytest.mark.unit

STEP_S = 0.1  # the routine's rate: the sink pins the pace at it
SIZE = (640, 480)


def seated(t_s: float):
    return frame_of(make_pose(image_size=SIZE), t_s=t_s, image_size=SIZE)


def standing(t_s: float):
    """Stood up: the body 0.5 m higher, shoulders far above where they were seated."""
    return frame_of(make_pose(image_size=SIZE, shift_m=(0.0, 0.5, 0.0)), t_s=t_s,
                    image_size=SIZE)


def stand_ups(t0_s: float, reps: int) -> list:
    """`reps` times: 2 s seated, 1.5 s standing; then 2 s seated."""
    frames, t = [], t0_s
    for _ in range(reps):
        frames += [seated(t + i * STEP_S) for i in range(20)]
        t += 2.0
        frames += [standing(t + i * STEP_S) for i in range(15)]
        t += 1.5
    return frames + [seated(t + i * STEP_S) for i in range(20)]


@pytest.fixture
def monitor(tmp_path):
    """The monitor's parts that the routine touches: pipeline (with the routine file
    watch, as `monitor` sets it), alerter, pace, and the sink, reminders after 1 min."""
    pose = make_pose(image_size=SIZE)
    baseline = build_baseline([extract_features(pose, *SIZE)] * 8, *SIZE, source="test")
    pipeline = Pipeline(None, Analyzer(baseline), SlouchDetector(),
                        SittingTimer(BreakConfig(sitting_min=1.0)))
    routine_file = tmp_path / "routine.json"
    pipeline.routine_done = RoutineWatch(routine_file).poll
    told: list[tuple[str, str]] = []
    alerter = Alerter(RecordingNotifier(), min_interval_s=0.0)
    pace = AdaptivePace(fps=2.0, calm_fps=1.0)
    sink = MonitorRoutine(lambda title, body: told.append((title, body)),
                          tmp_path / "history.sqlite3", routine_file,
                          specs=[MOVES["stand-reach"]], alerter=alerter, pace=pace, fps=10.0)
    sink.pipeline = pipeline

    def feed(frames) -> list:
        results = []
        for pose_frame in frames:
            result = pipeline.step_pose(pose_frame)
            sink.handle(result)
            alerter.handle(result)
            results.append(result)
        return results

    return pipeline, sink, alerter, pace, told, feed, tmp_path


def test_a_requested_routine_counts_the_monitors_frames_records_it_and_restarts_sitting(
        monitor):
    pipeline, sink, alerter, pace, told, feed, tmp_path = monitor
    feed(seated(i * 1.0) for i in range(90))  # 90 s at the desk: a reminder at 60 s
    assert [title for title, _body in alerter.notifier.sent] == [BREAK_TITLE]
    assert pipeline.sitting.sitting_s(89.0) == pytest.approx(89.0)
    sink.request()  # from the notification's listener thread: nothing happens yet
    assert not sink.running
    feed([seated(90.0)])
    assert sink.running
    assert alerter.quiet_for == QUIET_WHY
    assert pace.after(pipeline.step_pose(seated(90.05))) == 10.0
    assert told == [("Break routine 1/1: Stand up and reach", MOVES["stand-reach"].how)]
    results = feed(stand_ups(90.1, 2))
    assert not sink.running
    assert sink.outcome is not None and sink.outcome.completed
    assert told[-1][0] == "Break routine finished"
    assert "1 of 1 moves done" in told[-1][1] and "2/2 reps" in told[-1][1]
    assert alerter.quiet_for == "" and pace.held_fps is None
    # the history row, as `posture-cam exercise` leaves it
    db = sqlite3.connect(tmp_path / "history.sqlite3")
    completed, moves = db.execute("SELECT completed, moves FROM routines").fetchone()
    assert completed == 1 and json.loads(moves)[0]["reps"] == 2
    # ...and the sitting clock hears of it at the next frame, as of another process
    taken = [e for r in results for e in r.events if e.kind is EventKind.BREAK_TAKEN]
    assert [e.detail for e in taken] == ["a break routine"]
    finished_t = sink.outcome.routine.t0_s + sink.outcome.routine.duration_s
    assert taken[0].t_s == pytest.approx(finished_t + STEP_S)
    assert pipeline.sitting.sitting_s(taken[0].t_s + 5.0) == pytest.approx(5.0)



def hunched(t_s: float):
    """Leaning toward the camera: what a chin tuck or standing up can look like to it."""
    return frame_of(make_pose(image_size=SIZE, trunk_forward_deg=30.0),
                    t_s=t_s, image_size=SIZE)


def test_the_routines_moves_are_not_judged_as_slouches_nor_recorded_as_slouched(monitor):
    from posture_cam.history import HistoryRecorder

    pipeline, sink, _alerter, _pace, _told, feed, tmp_path = monitor
    recorder = HistoryRecorder(tmp_path / "moves.sqlite3", 1_800_000_000.0)
    record = lambda frames: [recorder.handle(r) for r in feed(frames)]  # noqa: E731
    record(seated(i * 1.0) for i in range(10))
    record(hunched(10.0 + i * 0.5) for i in range(30))  # at the desk: a slouch starts
    assert pipeline.slouch.slouching
    sink.request()
    record([hunched(25.0)])  # the routine starts on this frame...
    during = feed(hunched(25.1 + i * STEP_S) for i in range(250))  # ...25 s of it
    for result in during:
        recorder.handle(result)
    assert sink.running
    ended = [e for e in during[0].events if e.kind is EventKind.SLOUCH_END]
    assert len(ended) == 1 and ended[0].t_s == pytest.approx(25.1)  # the slouch ends there
    assert not [e for r in during for e in r.events
                if e.kind in (EventKind.SLOUCH_START, EventKind.ALERT)]
    assert {r.state.value for r in during} == {"upright"}
    recorder.close()
    db = sqlite3.connect(tmp_path / "moves.sqlite3")
    rows = db.execute("SELECT present_s, slouched_s FROM minutes").fetchall()
    (present_s, slouched_s), = rows  # one minute: 10 s upright, 15 s slouched, the routine
    assert present_s == pytest.approx(50.1, abs=0.6)
    assert slouched_s <= 15.1  # the slouch's time ends where the routine began (25.1 s)

def test_posture_alerts_and_reminders_are_quiet_while_the_routine_runs(monitor):
    pipeline, sink, alerter, _pace, _told, feed, _ = monitor
    sink.request()
    feed([seated(0.0)])
    sent_before = len(alerter.notifier.sent)
    alert = Event(EventKind.ALERT, 1.0, duration_s=60.0)
    assert not alerter.handle_event(alert)  # standing up looks like anything but upright
    assert not alerter.handle_event(Event(EventKind.BREAK_DUE, 1.0, duration_s=3600.0))
    assert len(alerter.notifier.sent) == sent_before
    sink.close()  # the monitor stops mid-routine: recorded as stopped, not a break
    assert sink.outcome is not None and sink.outcome.stopped_early
    assert not sink.outcome.completed
    assert alerter.quiet_for == ""
    assert alerter.handle_event(Event(EventKind.ALERT, 2.0, duration_s=60.0))


def test_a_second_request_while_running_does_not_restart_the_routine(monitor):
    _pipeline, sink, _alerter, _pace, told, feed, _ = monitor
    sink.request()
    feed([seated(0.0)])
    sink.request()
    feed(stand_ups(0.1, 1))
    assert sink.running and len(told) == 1  # one routine, one announcement


def test_without_a_calibration_a_request_does_nothing(tmp_path):
    sink = MonitorRoutine(lambda *_: None, None, tmp_path / "routine.json")
    sink.request()
    sink.handle(Pipeline(None, _NoBaseline(), SlouchDetector(), SittingTimer())
                .step_pose(seated(0.0)))
    assert not sink.running


class _NoBaseline:
    def update(self, frame):
        pose = make_pose(image_size=SIZE)
        baseline = build_baseline([extract_features(pose, *SIZE)] * 8, *SIZE, source="t")
        return Analyzer(baseline).update(frame)


def test_the_break_reminder_offers_the_routine_and_its_click_requests_it(tmp_path):
    assert [key for key, _label in BUTTONS[BREAK_TITLE]] == [ROUTINE, DONE, SNOOZE]
    inbox = ActionInbox(tmp_path / "snooze.json")
    inbox(ROUTINE)  # no routine set up: nothing happens, nothing breaks
    asked = []
    inbox.start_routine = lambda: asked.append(True)
    inbox(ROUTINE)
    assert asked == [True]
    assert not (tmp_path / "snooze.json").exists()
