"""The desktop companion through the real CLI: `status` beside a real monitor, and working
hours on a replayed clip placed just before the end of the day."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime

import pytest

from conftest import ROOT, sample
from waiting import wait_for as _wait_for
from posture_cam.history_sqlite import open_history

pytestmark = pytest.mark.cli

FAST_ALERTS = ("--set", "slouch.alert_after_s=5")
OFFICE_HOURS = ("--set", 'schedule.days=["mon","tue","wed","thu","fri","sat","sun"]',
                "--set", "schedule.start=09:00", "--set", "schedule.end=18:00")


def test_a_replay_across_18_00_records_nothing_after_it(cli, tmp_path):
    history = tmp_path / "history.sqlite3"
    started = datetime(2026, 12, 1, 17, 59, 30)
    end_of_day = datetime(2026, 12, 1, 18, 0).timestamp()
    result = cli("replay", sample("front_forward_head_a"), "--json", "--history", history,
                 "--start", started.isoformat(), *FAST_ALERTS, *OFFICE_HOURS)
    assert result.returncode == 0, result.stderr
    frames = [r for r in result.json_lines() if r["type"] == "frame"]
    assert 29.0 <= max(r["t_s"] for r in frames) < 30.0  # analysed up to 18:00, not beyond
    store = open_history(history)
    try:
        minutes = store.minutes(0, 2e9)
        events = store.events(0, 2e9)
    finally:
        store.close()
    assert minutes and all(m.start_s < end_of_day for m in minutes)
    assert sum(m.present_s for m in minutes) == pytest.approx(30, abs=1.5)
    assert [str(e.kind) for e in events] == ["alert"]  # the slouch began before 18:00
    assert all(e.t_s < end_of_day for e in events)


@pytest.fixture
def calibrated(cli, user_dirs):
    result = cli("calibrate", "--source", sample("front_upright_a"), "--seconds", "6")
    assert result.returncode == 0, result.stderr


def test_status_while_a_monitor_runs_and_after_it_stops(cli, user_dirs, calibrated):
    dirs, env = user_dirs
    import os

    proc = subprocess.Popen(
        [sys.executable, "-m", "posture_cam.cli", "monitor", "--source",
         str(sample("front_forward_head_a")), "--loop", "--realtime", "--no-history",
         "--set", "notify.backend=terminal", *FAST_ALERTS],
        env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    try:
        def upright():
            shown = cli("status", "--json")
            data = json.loads(shown.stdout)
            return (shown, data) if data["state"] == "upright" else None

        seen = _wait_for(upright, 120)
        assert seen, proc.stderr.read() if proc.poll() is not None else "no upright state"
        shown, data = seen
        assert shown.returncode == 0
        assert data["running"] is True and data["pid"] == proc.pid
        assert data["since_epoch_s"] <= time.time()
        assert data["calibration_view"] == "front" and data["calibration_age_s"] < 600
        slouching = _wait_for(lambda: json.loads(cli("status", "--json").stdout)["state"]
                              == "slouching", 60)
        assert slouching, "the clip's slouch never reached the status"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    after = cli("status")
    assert after.returncode == 3
    assert after.stdout.startswith("monitor:      not running")
    assert not (dirs["state"] / "status.json").exists()


def test_a_status_file_left_by_a_killed_monitor_does_not_read_as_running(cli, user_dirs):
    dirs, _ = user_dirs
    (dirs["state"] / "status.json").write_text(json.dumps(
        {"pid": 999999, "state": "slouching", "since_epoch_s": time.time()}))
    (dirs["state"] / "monitor.lock").write_text("999999")  # nobody holds the lock
    result = cli("status", "--json")
    assert result.returncode == 3
    assert json.loads(result.stdout)["state"] == "stopped"


def test_tray_without_a_desktop_session_says_so_in_one_line_and_monitors(cli, calibrated):
    result = cli("monitor", "--source", sample("front_upright_a"), "--tray", "--no-history",
                 "--set", "notify.backend=terminal", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if "tray" in line] == [
        "posture-cam: --tray: no desktop session (neither DISPLAY nor WAYLAND_DISPLAY is set); "
        "monitoring without a tray icon"]


def test_off_hours_the_camera_stays_closed_and_status_says_so(cli, user_dirs, calibrated):
    """No webcam on the test machine: a monitor that tried to open camera 0 would report a
    camera problem. Off hours it must not even try."""
    import os
    from datetime import timedelta

    dirs, env = user_dirs
    later = datetime.now() + timedelta(hours=12)  # a one-minute working day, half a day away
    start = f"{later:%H:%M}"
    end = "24:00" if start == "23:59" else f"{later + timedelta(minutes=1):%H:%M}"
    (dirs["config"] / "config.toml").write_text(  # read by the monitor and by `status`
        f'[schedule]\nstart = "{start}"\nend = "{end}"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "posture_cam.cli", "monitor", "--no-history",
         "--set", "notify.backend=terminal"],
        env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    try:
        shown = _wait_for(lambda: (lambda r: r if json.loads(r.stdout)["state"]
                                   not in ("starting", "stopped") else None)(
            cli("status", "--json")), 60)
        assert shown, "the monitor never published a state"
        data = json.loads(shown.stdout)
        assert (shown.returncode, data["state"], data["working_now"]) == (0, "off hours", False)
        time.sleep(2)  # a camera opened by mistake would have failed by now
        assert json.loads(cli("status", "--json").stdout)["state"] == "off hours"
        published = json.loads((dirs["state"] / "status.json").read_text())
        assert published["state"] == "off hours"  # the monitor's own word, not only the clock
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert "camera" not in stderr  # never opened, so never reported missing
    log = (dirs["state"] / "monitor.log").read_text()
    assert "off hours" in log and "cannot be opened" not in log
