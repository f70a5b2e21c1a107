"""Posture data is the user's: private modes, forgetting it all, keeping it only so long."""

from __future__ import annotations

import sqlite3
import stat
import time
from pathlib import Path

import pytest

from conftest import sample
from posture_cam.core.history_store import MinuteSummary
from posture_cam.core.readings import Readings
from posture_cam.history import prune_history
from posture_cam.history_sqlite import open_history
from posture_cam.paths import Paths
from posture_cam.privacy import tighten

CLIP = "front_upright_a"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def minute_row(minute: int) -> MinuteSummary:
    return MinuteSummary(minute, 60.0, 0.0, 60.0, Readings(0.1, 0.1, 0.1, 0.1),
                         Readings(0.2, 0.2, 0.2, 0.2), "front")


@pytest.mark.unit
def test_files_an_older_release_left_open_are_made_user_only_once(tmp_path, caplog):
    paths = Paths(tmp_path / "config", tmp_path / "data", tmp_path / "state")
    for folder in paths.folders:
        folder.mkdir(mode=0o755)
        folder.chmod(0o755)
    history = paths.data_dir / "history.sqlite3"
    for f in (history, paths.log_file, paths.calibration_file):
        f.write_text("x")
        f.chmod(0o644)
    caplog.set_level("INFO")

    changed = tighten(paths, history)

    assert set(changed) == {history, paths.log_file, paths.calibration_file, *paths.folders}
    assert [mode(f) for f in (history, paths.log_file, paths.calibration_file)] == [0o600] * 3
    assert all(mode(d) == 0o700 for d in paths.folders)
    assert [r.message for r in caplog.records if "readable by you alone" in r.message]
    caplog.clear()
    assert tighten(paths, history) == []  # once: nothing to say the second time
    assert not [r for r in caplog.records if "readable by you alone" in r.message]


@pytest.mark.unit
def test_minutes_older_than_keep_days_are_pruned_and_newer_ones_kept(tmp_path):
    path = tmp_path / "history.sqlite3"
    now = time.time()
    old_minute, new_minute = int((now - 40 * 86400) // 60), int((now - 5 * 86400) // 60)
    store = open_history(path)
    store.add_minutes([minute_row(old_minute), minute_row(new_minute)])
    store.commit()
    store.close()

    assert prune_history(path, keep_days=30, now_s=now) == 1
    store = open_history(path)
    assert [m.minute for m in store.minutes(0, 2e10)] == [new_minute]
    store.close()


@pytest.mark.cli
def test_a_monitor_start_prunes_by_history_keep_days(cli, user_dirs):
    history = user_dirs[0]["data"] / "history.sqlite3"
    store = open_history(history)
    store.add_minutes([minute_row(int((time.time() - 10 * 86400) // 60))])
    store.commit()
    store.close()
    assert cli("calibrate", "--source", sample(CLIP)).returncode == 0
    result = cli("monitor", "--source", sample(CLIP), "--set", "history.keep_days=7")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(history) as db:
        oldest = db.execute("SELECT MIN(minute) FROM minutes").fetchone()[0]
    assert oldest * 60 > time.time() - 86400  # only today's minutes of this run are left
    assert "older than 7 days deleted" in (user_dirs[0]["state"] / "monitor.log").read_text()


@pytest.mark.cli
def test_every_file_created_by_the_commands_is_user_only_in_a_fresh_home(cli, user_dirs):
    dirs, _ = user_dirs
    for folder in dirs.values():
        folder.rmdir()  # a fresh home: posture-cam creates its folders itself
    assert cli("calibrate", "--source", sample(CLIP)).returncode == 0
    assert cli("monitor", "--source", sample(CLIP)).returncode == 0
    assert cli("replay", sample(CLIP), "--history",
               dirs["data"] / "replayed.sqlite3").returncode == 0
    assert cli("snooze", "5").returncode == 0
    made = [p for folder in dirs.values() for p in (folder, *folder.rglob("*"))]
    assert len(made) >= 8, made
    wrong = [(str(p), oct(mode(p))) for p in made if mode(p) & 0o077]
    assert wrong == []


@pytest.mark.cli
def test_forget_asks_then_deletes_all_posture_data_and_keeps_the_settings(cli, user_dirs):
    dirs, _ = user_dirs
    settings = dirs["config"] / "config.toml"
    settings.write_text("[slouch]\nsensitivity = \"low\"\n")
    assert cli("calibrate", "--source", sample(CLIP)).returncode == 0
    assert cli("monitor", "--source", sample(CLIP)).returncode == 0
    assert cli("snooze", "5").returncode == 0
    before = sorted(p.name for folder in dirs.values() for p in folder.iterdir())
    assert {"calibration.json", "history.sqlite3", "monitor.log", "snooze.json"} <= set(before)

    declined = cli("forget", input="n\n")
    assert declined.returncode == 1 and "Nothing deleted" in declined.stdout
    assert "history.sqlite3" in declined.stderr  # the prompt lists what would go
    nobody_to_ask = cli("forget", input="")
    assert nobody_to_ask.returncode == 1
    assert sorted(p.name for f in dirs.values() for p in f.iterdir()) == before

    confirmed = cli("forget", input="y\n")
    assert confirmed.returncode == 0, confirmed.stderr
    left = [p for folder in dirs.values() for p in folder.iterdir()]
    assert left == [settings]
    again = cli("forget", "--yes")
    assert again.returncode == 0 and "No posture data" in again.stdout


@pytest.mark.cli
def test_forget_refuses_while_a_monitor_holds_the_lock(cli, user_dirs):
    from posture_cam.instance import MonitorLock

    dirs, _ = user_dirs
    (dirs["config"] / "calibration.json").write_text("{}")
    with MonitorLock(dirs["state"] / "monitor.lock"):
        result = cli("forget", "--yes")
    assert result.returncode == 1 and "monitor is running" in result.stderr
    assert (dirs["config"] / "calibration.json").exists()
