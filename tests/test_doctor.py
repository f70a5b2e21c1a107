"""`posture-cam doctor` on a real setup: model, calibration, video source, history."""

import pytest

from conftest import sample

pytestmark = pytest.mark.cli


def test_doctor_passes_on_a_complete_setup(cli):
    clip = sample("front_upright_a")
    assert cli("calibrate", "--source", clip, "--seconds", "6").returncode == 0
    result = cli("doctor", "--source", clip)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    pose model" in result.stdout and "ok    calibration" in result.stdout
    assert "all good" in result.stdout
    for line in ("info  monitor:      not running", "info  snoozed:      no",
                 "info  schedule:     always (working hours now)", "info  autostart:    off"):
        assert line in result.stdout


def test_doctor_names_what_is_missing_or_damaged(cli, user_dirs):
    (user_dirs[0]["data"] / "history.sqlite3").write_bytes(b"\x00garbage" * 100)
    result = cli("doctor", "--source", sample("front_upright_a"))
    assert result.returncode == 1
    assert "FAIL  calibration" in result.stdout and "posture-cam calibrate" in result.stdout
    assert "FAIL  history" in result.stdout
    assert "Traceback" not in result.stderr
