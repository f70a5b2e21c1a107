"""What the tray's menu items do (TrayActions), the tooltip, and recalibration from the
monitor's own frames, without a display: the objects the menu calls, on real files."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from factories import frame_of, make_pose
from monitor_fakes import RecordingDetector, fake_pipeline
from posture_cam.control import SnoozeWatch
from posture_cam.live import LiveState, LiveStatus
from posture_cam.recalibrate import LEAD_IN_S, Recalibration
from posture_cam.tray import TrayActions, desktop_session_problem, tomorrow_epoch_s, tooltip

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 15, 20).timestamp()


@pytest.fixture
def actions(tmp_path):
    snooze = tmp_path / "snooze.json"
    live = LiveStatus(tmp_path / "status.json", snoozed=SnoozeWatch(snooze, lambda: NOW).snoozed)
    stopped, reports, calibrations = [], [], []
    return TrayActions(snooze, live, lambda: stopped.append(True), lambda: reports.append(1),
                       lambda: calibrations.append(1), clock=lambda: NOW), stopped, calibrations


def snoozed_until(actions) -> float:
    return json.loads(actions.snooze_file.read_text())["snooze_until_epoch_s"]


def test_pause_items_write_the_snooze_the_cli_writes_and_the_state_shows_paused(actions):
    tray, _, _ = actions
    tray.pause(3600)
    assert snoozed_until(tray) == NOW + 3600
    assert tray.live.current.state == "paused"
    tray.pause_until_tomorrow()
    assert snoozed_until(tray) == datetime(2026, 12, 2).timestamp()
    tray.resume()
    assert not tray.snooze_file.exists() and tray.live.current.state != "paused"


def test_a_click_without_a_menu_pauses_30_min_then_resumes(actions):
    tray, _, _ = actions
    tray.toggle()
    assert snoozed_until(tray) == NOW + 30 * 60
    tray.toggle()
    assert not tray.snooze_file.exists()


def test_quit_and_recalibrate_reach_the_monitor(actions):
    tray, stopped, calibrations = actions
    tray.stop()
    tray.recalibrate()
    assert stopped == [True] and calibrations == [1]


def test_start_break_routine_requests_the_routine_of_the_monitor(tmp_path):
    live = LiveStatus(tmp_path / "status.json")
    asked = []
    without = TrayActions(tmp_path / "snooze.json", live, lambda: None, lambda: None,
                          lambda: None)
    assert not without.can_start_routine  # the item is hidden then
    without.start_routine()  # and would do nothing
    tray = TrayActions(tmp_path / "snooze.json", live, lambda: None, lambda: None,
                       lambda: None, start_routine=lambda: asked.append(True))
    assert tray.can_start_routine
    tray.start_routine()
    assert asked == [True]


def test_the_tray_routine_item_reaches_the_sink_that_runs_on_the_next_frame(tmp_path):
    from posture_cam.monitor_routine import MonitorRoutine

    pipeline = fake_pipeline(RecordingDetector())
    told = []
    sink = MonitorRoutine(lambda title, body: told.append(title), None,
                          tmp_path / "routine.json")
    sink.pipeline = pipeline
    tray = TrayActions(tmp_path / "snooze.json", LiveStatus(tmp_path / "status.json"),
                       lambda: None, lambda: None, lambda: None, start_routine=sink.request)
    tray.start_routine()
    assert not sink.running
    sink.handle(pipeline.step_pose(frame_of(make_pose(image_size=(80, 60)), t_s=1.0,
                                            image_size=(80, 60))))
    assert sink.running and told[0].startswith("Break routine 2/4: ")  # chin tucks: front


def test_the_tooltip_says_the_state_since_when_and_a_problem():
    since = datetime(2026, 12, 1, 10, 42).timestamp()
    assert tooltip(LiveState(1, "slouching", since)) == "posture-cam: slouching since 10:42"
    assert tooltip(LiveState(1, "camera problem", since, "camera 0 is busy")) == (
        "posture-cam: camera problem since 10:42: camera 0 is busy")


def test_tomorrow_is_the_next_local_midnight():
    assert tomorrow_epoch_s(NOW) == datetime(2026, 12, 2).timestamp()


def test_no_display_means_no_tray(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert "no desktop session" in desktop_session_problem("linux")
    monkeypatch.setenv("DISPLAY", ":0")
    assert desktop_session_problem("linux") is None


def test_recalibrate_uses_the_next_frames_saves_and_swaps_the_baseline(tmp_path):
    told = []
    pipeline = fake_pipeline(RecordingDetector())
    before = pipeline.analyzer
    recalibration = Recalibration(_config(), tmp_path / "calibration.json",
                                  lambda title, body: told.append(title), seconds=2.0)
    recalibration.pipeline = pipeline
    recalibration.request()
    t = 0.0
    while t < LEAD_IN_S + 3.0:
        pose_frame = frame_of(make_pose(), t_s=t)
        recalibration.handle(pipeline.step_pose(pose_frame))
        t += 0.25
    assert told == ["Recalibrating posture-cam", "posture-cam recalibrated"]
    assert (tmp_path / "calibration.json").exists()
    assert pipeline.analyzer is not before


def test_a_failed_recalibration_keeps_the_old_baseline_and_says_why(tmp_path):
    from posture_cam.core.landmarks import PoseFrame

    told = []
    pipeline = fake_pipeline(RecordingDetector())
    before = pipeline.analyzer
    recalibration = Recalibration(_config(), tmp_path / "calibration.json",
                                  lambda title, body: told.append(title), seconds=2.0)
    recalibration.pipeline = pipeline
    recalibration.request()
    for i in range(40):  # nobody in view
        recalibration.handle(pipeline.step_pose(PoseFrame(i * 0.25, 640, 480, ())))
    assert told == ["Recalibrating posture-cam", "Recalibration failed"]
    assert pipeline.analyzer is before and not (tmp_path / "calibration.json").exists()


def _config():
    from posture_cam.core.settings import Config

    return Config()
