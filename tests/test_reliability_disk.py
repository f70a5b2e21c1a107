"""A full disk and read-only folders, for real: a small tmpfs and read-only bind mounts.

Root ignores file modes, so the read-only cases use a read-only mount, which stops root
too. Mounting needs root (CI runs as root); elsewhere these tests skip and say why. Each
failure is one line naming the path and the cause (never "damaged", never an internal
error), no partial file is left, and a monitor keeps its minutes until it can write them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import sample
from test_cli_errors import assert_one_line_error
from waiting import wait_for as _wait_for

pytestmark = pytest.mark.cli

CLIP = "front_upright_a"


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True)


def _can_mount() -> str | None:
    if os.geteuid() != 0:
        return "mounting a small or read-only file system needs root"
    return None


@pytest.fixture
def small_disk(tmp_path):
    """A 512 KiB file system: `fill()` leaves it with no room, `free()` gives it back."""
    why = _can_mount()
    if why:
        pytest.skip(why)
    where = tmp_path / "disk"
    where.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", str(where))
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc.stderr.strip()}")

    class Disk:
        path = where
        filler = where / "filler"

        def fill(self) -> None:
            with contextlib.suppress(OSError), open(self.filler, "ab") as f:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()

        def free(self) -> None:
            self.filler.unlink(missing_ok=True)

    yield Disk()
    subprocess.run(["umount", "-l", str(where)], check=False)


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` read-only (for root too) while the block runs."""
    why = _can_mount()
    if why:
        pytest.skip(why)
    try:
        _mount("--bind", str(folder), str(folder))
        _mount("-o", "remount,ro,bind", str(folder))
    except subprocess.CalledProcessError as exc:
        subprocess.run(["umount", str(folder)], check=False)
        pytest.skip(f"cannot make a read-only bind mount here: {exc.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_calibrate_into_a_read_only_config_folder_names_the_file_and_the_cause(cli, user_dirs):
    config = user_dirs[0]["config"]
    with read_only(config):
        result = cli("calibrate", "--source", sample(CLIP))
    assert_one_line_error(result, str(config / "calibration.json"), "read-only")
    assert list(config.iterdir()) == []


def test_snooze_with_a_read_only_state_folder_names_the_file_and_the_cause(cli, user_dirs):
    state = user_dirs[0]["state"]
    with read_only(state):
        result = cli("snooze", "10")
    assert_one_line_error(result, str(state / "snooze.json"), "read-only")


def test_a_monitor_with_a_read_only_state_folder_says_so_in_one_line(cli, user_dirs):
    assert cli("calibrate", "--source", sample(CLIP)).returncode == 0
    state = user_dirs[0]["state"]
    with read_only(state):
        result = cli("monitor", "--source", sample(CLIP), "--no-history")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    warning, error = result.stderr.splitlines()  # no log file (a warning), then no lock
    assert str(state / "monitor.log") in warning and "read-only" in warning
    assert error.startswith("posture-cam: error:") and str(state / "monitor.lock") in error
    assert "read-only" in error


def test_calibrate_and_report_on_a_full_disk_leave_no_partial_file(cli, small_disk):
    history = small_disk.path / "history.sqlite3"
    assert cli("replay", sample(CLIP), "--history", history).returncode == 0
    small_disk.fill()
    before = sorted(p.name for p in small_disk.path.iterdir())

    out = small_disk.path / "calibration.json"
    assert_one_line_error(cli("calibrate", "--source", sample(CLIP), "--output", out),
                          str(out), "disk is full")
    chart = small_disk.path / "report.png"
    assert_one_line_error(cli("report", "--history", history, "--out", chart),
                          str(chart), "disk is full")
    assert sorted(p.name for p in small_disk.path.iterdir()) == before


def test_replay_into_a_history_on_a_full_disk_fails_before_the_work_and_leaves_nothing(
        cli, small_disk):
    small_disk.fill()
    history = small_disk.path / "history.sqlite3"
    result = cli("replay", sample(CLIP), "--history", history)
    assert_one_line_error(result, str(history), "disk is full")
    assert "damaged" not in result.stderr and result.stdout == ""  # nothing analysed
    assert not history.exists()
    small_disk.free()  # space is back: the same file is accepted, never "refused"
    assert cli("replay", sample(CLIP), "--history", history).returncode == 0


def test_doctor_and_replay_name_a_read_only_history_and_do_not_call_it_damaged(cli, tmp_path):
    folder = tmp_path / "hist"
    folder.mkdir()
    history = folder / "history.sqlite3"
    assert cli("replay", sample(CLIP), "--history", history).returncode == 0
    with read_only(folder):
        doctor = cli("doctor", "--source", sample(CLIP), "--set", f"history.path={history}")
        replay = cli("replay", sample(CLIP), "--history", history)
    [line] = [x for x in doctor.stdout.splitlines() if "history" in x]
    assert "FAIL" in line and "read-only" in line and "damaged" not in line
    assert doctor.returncode == 1
    assert_one_line_error(replay, str(history), "read-only")
    assert replay.stdout == ""


def _minutes(history: Path) -> list[int]:
    with contextlib.closing(sqlite3.connect(history)) as db:
        return [m for (m,) in db.execute("SELECT minute FROM minutes ORDER BY minute")]


@pytest.mark.slow
def test_a_monitor_keeps_its_minutes_through_a_full_disk_and_writes_them_later(
        desktop_cli, user_dirs, small_disk, notification_server):
    """The clip loops as fast as it analyses: minutes of frame time close every few seconds."""
    log_file = user_dirs[0]["state"] / "monitor.log"
    history = small_disk.path / "history.sqlite3"
    assert desktop_cli("calibrate", "--source", sample(CLIP)).returncode == 0
    monitor = desktop_cli.spawn("monitor", "--source", sample(CLIP), "--loop",
                                "--history", history, "--set", "analysis.calm_fps=2",
                                env=notification_server.env)
    try:
        _wait_for(lambda: history.exists() and len(_minutes(history)) >= 1, 120,
                  "the first minute in the history")
        small_disk.fill()
        _wait_for(lambda: "disk is full" in log_file.read_text(), 120, "the full disk noticed")
        time.sleep(8)  # a few more minutes of frames wait in memory
        small_disk.free()
        _wait_for(lambda: "can be written again" in log_file.read_text(), 120,
                  "the waiting minutes written")
    finally:
        monitor.send_signal(signal.SIGTERM)
        stdout, stderr = monitor.communicate(timeout=60)
    assert monitor.returncode == 0, stderr
    minutes = _minutes(history)
    assert len(minutes) >= 4
    assert minutes == list(range(minutes[0], minutes[-1] + 1))  # no minute lost
    log = log_file.read_text()
    assert log.count("disk is full; posture-cam keeps monitoring") == 1
    assert "damaged" not in log and "internal error" not in log
    told = [n for n in notification_server.received() if "history" in n.title]
    assert len(told) == 1 and "disk is full" in told[0].body


@pytest.mark.slow
def test_a_monitor_starts_with_a_read_only_history_and_writes_once_it_is_writable(
        desktop_cli, user_dirs, tmp_path):
    log_file = user_dirs[0]["state"] / "monitor.log"
    folder = tmp_path / "hist"
    folder.mkdir()
    history = folder / "history.sqlite3"
    assert desktop_cli("calibrate", "--source", sample(CLIP)).returncode == 0
    with read_only(folder):
        monitor = desktop_cli.spawn("monitor", "--source", sample(CLIP), "--loop",
                                    "--history", history, "--set", "analysis.calm_fps=2",
                                    "--set", "notify.backend=terminal")
        try:
            _wait_for(lambda: log_file.exists() and "read-only" in log_file.read_text(), 120,
                      "the read-only history noticed")
            time.sleep(5)
        except BaseException:
            monitor.kill()
            raise
    try:
        _wait_for(lambda: "can be written again" in log_file.read_text(), 120,
                  "the waiting minutes written")
    finally:
        monitor.send_signal(signal.SIGTERM)
        stdout, stderr = monitor.communicate(timeout=60)
    assert monitor.returncode == 0, stderr
    assert "read-only" in stderr  # the terminal "notification", once
    assert stderr.count("posture-cam history") == 1
    minutes = _minutes(history)
    assert minutes and minutes == list(range(minutes[0], minutes[-1] + 1))
