"""A real monitor (a subprocess on a looping video) hears of a break routine finished by
another process and restarts its sitting timer: a `break_taken` in its log and history."""

from __future__ import annotations

import signal
import sqlite3
import time

import pytest

from conftest import sample
from test_history_samples import start_monitor

pytestmark = [pytest.mark.model, pytest.mark.cli]


def test_a_running_monitor_takes_a_finished_routine_as_the_break(cli, user_dirs, tmp_path):
    from posture_cam.routine_record import signal_routine_done

    dirs, _ = user_dirs
    calibration = tmp_path / "calibration.json"
    made = cli("calibrate", "--source", sample("front_upright_a"), "--seconds", 6,
               "--output", calibration)
    assert made.returncode == 0, made.stderr
    history = tmp_path / "history.sqlite3"
    proc = start_monitor(user_dirs, calibration, history)
    log = dirs["state"] / "monitor.log"
    try:
        time.sleep(3)  # seated: the sitting clock runs
        signal_routine_done(dirs["state"] / "routine.json", time.time(), 118.0)
        deadline = time.monotonic() + 30
        while "break routine" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert "break taken: a break routine of 2 min" in log.read_text()
    db = sqlite3.connect(history)
    kinds = [k for (k,) in db.execute("SELECT kind FROM events")]
    assert kinds.count("break_taken") == 1
