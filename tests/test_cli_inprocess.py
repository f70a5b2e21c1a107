"""The CLI as a function: `main(argv, paths, out, err) -> int`, without a subprocess.

The commands that load no model run here in milliseconds; the ones users run on a camera
or a video are also tested as real subprocesses (test_cli_errors.py, test_replay_samples.py).
"""

import json

import pytest

pytestmark = pytest.mark.unit


def test_config_prints_where_every_file_is(app, user_dirs):
    result = app("config")
    assert result.returncode == 0
    dirs, _ = user_dirs
    assert str(dirs["config"] / "calibration.json") in result.stdout
    assert str(dirs["data"] / "history.sqlite3") in result.stdout


def test_config_shows_the_history_path_the_monitor_will_use(app, tmp_path):
    elsewhere = tmp_path / "elsewhere.sqlite3"
    result = app("config", "--set", f'history.path="{elsewhere}"')
    assert f"history:      {elsewhere}" in result.stdout


def test_defaults_are_commented_toml(app):
    result = app("config", "--defaults")
    assert result.returncode == 0
    assert "[slouch]" in result.stdout and "sensitivity = \"medium\"" in result.stdout


def test_snooze_writes_a_private_file_and_resume_removes_it(app, user_dirs):
    snooze_file = user_dirs[0]["state"] / "snooze.json"
    assert app("snooze", "15").returncode == 0
    assert json.loads(snooze_file.read_text())["snooze_until_epoch_s"] > 0
    assert snooze_file.stat().st_mode & 0o777 == 0o600
    result = app("resume")
    assert result.returncode == 0 and "resumed" in result.stdout
    assert not snooze_file.exists()


@pytest.mark.parametrize("args, fragment", [
    (["snooze", "0"], "more than 0"),
    (["replay", "nope.mp4", "--set", "slouch.hysteresis_deg=4"], "slouch.hysteresis_ratio"),
    (["config", "--check", "missing.toml"], "does not exist"),
])
def test_user_mistakes_are_one_line_on_err_with_status_1(app, args, fragment):
    result = app(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("posture-cam: error:") and fragment in line


def test_usage_errors_and_help_return_instead_of_exiting(app):
    assert app("--help").returncode == 0
    assert app("no-such-command").returncode == 2
    assert app().returncode == 2



def _calibration(paths_dir):
    from factories import make_pose
    from posture_cam.core.calibration import build_baseline
    from posture_cam.core.geometry import extract_features
    from posture_cam.storage import save_baseline

    features = extract_features(make_pose(), 640, 480)
    save_baseline(build_baseline([features] * 8, 640, 480, source="test"),
                  paths_dir / "calibration.json")


def test_a_second_monitor_says_who_runs_and_exits_1(app, user_dirs, tmp_path):
    import os

    from posture_cam.instance import MonitorLock, holder
    from videos import write_video

    dirs, _ = user_dirs
    _calibration(dirs["config"])
    lock_file = dirs["state"] / "monitor.lock"
    assert holder(lock_file) is None
    with MonitorLock(lock_file):
        assert holder(lock_file) == os.getpid()
        result = app("monitor", "--source", write_video(tmp_path / "v.mp4", frames=5))
        snoozed = app("snooze", "5")
    assert result.returncode == 1
    assert f"already running (PID {os.getpid()})" in result.stderr
    assert "No monitor is running" not in snoozed.stdout
    assert "No monitor is running" in app("snooze", "5").stdout
    assert holder(lock_file) is None


def test_a_monitor_that_cannot_start_leaves_the_reason_in_its_log(app, user_dirs):
    result = app("monitor")  # no calibration yet
    assert result.returncode == 1
    log = (user_dirs[0]["state"] / "monitor.log").read_text()
    assert "no calibration" in log and "posture-cam calibrate" in log
