"""`posture-cam status`: the pure assembly, and the command on real files and a real lock."""

from __future__ import annotations

import json
import math
import os
import time
from datetime import datetime

import pytest

from posture_cam.control import write_snooze
from posture_cam.core.schedule import Schedule
from posture_cam.core.status import StatusFacts, assemble
from posture_cam.instance import MonitorLock
from posture_cam.live import LiveState, LiveStatus, read_live_state

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 10, 0).timestamp()  # a Tuesday morning
OFFICE = Schedule.from_settings(("mon", "tue", "wed", "thu", "fri"), "09:00", "18:00")


def facts(**changes) -> StatusFacts:
    return StatusFacts(**{"now_epoch_s": NOW, "lock_pid": None, "published_pid": None,
                          **changes})


def test_a_running_monitor_shows_its_pid_state_and_since_when():
    report = assemble(facts(lock_pid=42, published_pid=42, published_state="slouching",
                            published_since_epoch_s=NOW - 90))
    assert (report.running, report.pid, report.state) == (True, 42, "slouching")
    assert report.lines(NOW)[0] == "monitor:      running (PID 42), slouching since 09:58"


def test_nobody_holding_the_lock_is_not_running_whatever_the_file_says():
    report = assemble(facts(published_pid=42, published_state="upright",
                            published_since_epoch_s=NOW))
    assert (report.running, report.pid, report.state) == (False, None, "stopped")
    assert report.lines(NOW)[0] == "monitor:      not running"


def test_a_stale_file_from_a_killed_monitor_is_not_repeated_for_a_new_one():
    report = assemble(facts(lock_pid=7, published_pid=42, published_state="slouching",
                            published_since_epoch_s=NOW))
    assert (report.running, report.state, report.since_epoch_s) == (True, "unknown", None)


def test_snoozed_until_is_shown_only_while_it_lasts():
    assert assemble(facts(snooze_until_epoch_s=NOW + 600)).snoozed_until_epoch_s == NOW + 600
    assert assemble(facts(snooze_until_epoch_s=NOW - 1)).snoozed_until_epoch_s is None


def test_off_hours_come_from_the_schedule_and_the_clock():
    evening = datetime(2026, 12, 1, 19, 0).timestamp()
    report = assemble(facts(now_epoch_s=evening, lock_pid=5, published_pid=5,
                            published_state="upright", published_since_epoch_s=evening - 3600,
                            schedule=OFFICE))
    assert (report.state, report.working_now) == ("off hours", False)
    assert "mon-fri 09:00-18:00 (off hours now)" in "\n".join(report.lines(evening))


def test_today_without_history_and_calibration_says_so():
    lines = "\n".join(assemble(facts(today_upright_share=math.nan)).lines(NOW))
    assert "today:        no time at the desk yet, 0 alerts" in lines
    assert "calibration:  none" in lines


def test_the_live_status_file_changes_only_when_the_shown_state_changes(tmp_path):
    from conftest import scripted_steps

    path = tmp_path / "status.json"
    live = LiveStatus(path, "camera 0")
    written = []
    live.subscribe(written.append)
    steps = scripted_steps([(20, "upright"), (60, "slouched"), (20, "away")])
    for step in steps:
        live.handle(step)
    assert [s.state for s in written] == ["starting", "upright", "slouching", "away"]
    assert read_live_state(path) == written[-1]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    live.off_hours(True)
    live.camera_fault("camera 0 is busy")  # off hours win: the camera is closed anyway
    assert read_live_state(path).state == "off hours"
    live.off_hours(False)
    assert read_live_state(path) == LiveState(os.getpid(), "camera problem",
                                              written[-1].since_epoch_s, "camera 0 is busy",
                                              "camera 0")
    live.close()
    assert not path.exists()


# --- the command, in-process, on real files and a real lock -------------------------------

def test_status_when_no_monitor_runs_exits_3(app):
    result = app("status")
    assert result.returncode == 3
    assert result.stdout.splitlines()[0] == "monitor:      not running"


def test_status_json_while_a_monitor_holds_the_lock_and_publishes(app, user_dirs):
    dirs, _ = user_dirs
    with MonitorLock(dirs["state"] / "monitor.lock"):
        live = LiveStatus(dirs["state"] / "status.json", "camera 0")
        live.off_hours(False)
        result = app("status", "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["running"] is True and shown["pid"] == os.getpid()
    assert shown["state"] == "starting" and shown["camera_index"] == 0


def test_status_shows_a_snooze_and_the_schedule(app, user_dirs):
    dirs, _ = user_dirs
    write_snooze(dirs["state"] / "snooze.json", time.time() + 1800)
    result = app("status", "--json", "--set", 'schedule.days=["sat"]',
                 "--set", "schedule.start=09:00", "--set", "schedule.end=09:01")
    shown = json.loads(result.stdout)
    assert result.returncode == 3
    assert shown["snoozed_until_epoch_s"] == pytest.approx(time.time() + 1800, abs=5)
    assert shown["schedule"] == "sat 09:00-09:01"


def test_status_reads_todays_history(app, user_dirs, steps):
    from posture_cam.history import HistoryRecorder

    dirs, _ = user_dirs
    from datetime import date

    from posture_cam.core.summary import day_bounds

    start = max(time.time() - 300, day_bounds(date.today())[0] + 1)  # today, even at 00:01
    recorder = HistoryRecorder(dirs["data"] / "history.sqlite3", start)
    for step in steps([(60, "upright"), (120, "slouched"), (60, "upright")]):
        recorder.handle(step)
    recorder.close()
    shown = json.loads(app("status", "--json").stdout)
    assert shown["today_alerts"] == 1
    assert 0.2 < shown["today_upright_share"] < 0.9
