"""The history against the truth: sample clips replayed and monitored through the real
model, then the summary compared with the clips' ground truth (samples/NAME.json).

Measured on the analyzer of 2026-11 (see the lead's notes for updates); the tolerances
leave room for the ~3 s onset / 5 s recovery / 3 s away delays of the state machine and
the smoothing, not for a different answer.
"""

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from posture_cam.core.settings import BreakConfig, SlouchConfig

from conftest import ROOT, sample, sample_truth
from history_rows import query_history
from posture_cam.history_sqlite import open_history
from posture_cam.core.summary import day_bounds, load_period

pytestmark = [pytest.mark.model, pytest.mark.cli]

CLIPS = ["front_upright_a", "front_forward_head_a", "front_rounded_shoulders_b",
         "front_trunk_lean_c", "front_slumped_d", "front_head_turn_a", "front_away_b",
         "front_second_person_c", "front_mixed_e", "side_upright_b", "side_forward_head_c",
         "side_slumped_a"]
START = "2026-11-20T09:00"
DAY = date(2026, 11, 20)
ALERT_AFTER_S = 5.0
ONSET_S, COOLDOWN_S = SlouchConfig().onset_s, SlouchConfig().cooldown_s


def posture_cam(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "posture_cam.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="session")
def replayed(tmp_path_factory):
    """Every clip replayed into its own history file (two at a time: two cores)."""
    folder = tmp_path_factory.mktemp("replayed")
    dirs = {f"POSTURE_CAM_{d}_DIR": str(folder / d.lower()) for d in ("CONFIG", "DATA", "STATE")}

    def replay(name):
        path = folder / f"{name}.sqlite3"
        result = posture_cam("replay", sample(name), "--history", path, "--start", START,
                             "--set", f"slouch.alert_after_s={ALERT_AFTER_S}", env=dirs)
        return name, (path, result)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(replay, CLIPS))


def history_of(replayed, name):
    path, result = replayed[name]
    assert result.returncode == 0, f"replay of {name} failed: {result.stderr.strip()}"
    return path


# Clips on which the analyzer (not the history) disagrees with the truth, with the figures
# measured on 2026-11-25. Strict: once the analyzer gets them right the test passes, xfail
# turns that into a failure, and the entry must go.
MISSED_SLOUCH: dict[str, str] = {}  # none at present; the rounded-shoulders clip is caught


def clips(*known: dict[str, str]):
    reasons = {k: v for d in known for k, v in d.items()}
    return [pytest.param(n, marks=pytest.mark.xfail(reason=reasons[n], strict=True))
            if n in reasons else n for n in CLIPS]


def segments(truth, label):
    return [s for s in truth["segments"] if s["label"] == label]


def truth_seconds(truth, label):
    return sum(s["end_s"] - s["start_s"] for s in truth["segments"] if s["label"] == label)


def truth_alerts(truth):
    """Alerts the truth calls for: slouches outlasting onset + alert_after, spaced by the
    cool-down."""
    alerts, last = 0, -1e9
    for s in truth["segments"]:
        at = s["start_s"] + ONSET_S + ALERT_AFTER_S
        if s["label"] == "slouched" and s["end_s"] >= at and at - last >= COOLDOWN_S:
            alerts, last = alerts + 1, at
    return alerts


def summary_of(path):
    store = open_history(path)
    try:
        return load_period(store, *day_bounds(DAY), BreakConfig().away_reset_s).summary
    finally:
        store.close()


@pytest.mark.parametrize("name", clips())
def test_time_at_the_desk_matches_the_time_the_person_is_in_view(name, replayed):
    truth = sample_truth(name)
    s = summary_of(history_of(replayed, name))
    expected = truth_seconds(truth, "upright") + truth_seconds(truth, "slouched")
    print(f"{name}: present {s.present_s:.1f} s, truth {expected:.1f} s")
    # getting up and sitting down, the person is still in view (~2 s each) while the
    # truth already says "away"
    assert s.present_s == pytest.approx(expected, abs=2.0 + 4.0 * len(segments(truth, "away")))


@pytest.mark.parametrize("name", clips(MISSED_SLOUCH))
def test_slouched_time_matches_the_truth(name, replayed):
    truth = sample_truth(name)
    s = summary_of(history_of(replayed, name))
    expected = truth_seconds(truth, "slouched")
    print(f"{name}: slouched {s.slouched_s:.1f} s, truth {expected:.1f} s")
    # per slouch: confirmed onset_s late, cleared recovery_s late, ~1 s smoothing
    assert s.slouched_s == pytest.approx(expected,
                                         abs=2.0 + 4.0 * len(segments(truth, "slouched")))


@pytest.mark.parametrize("name", clips(MISSED_SLOUCH))
def test_longest_slouch_matches_the_truth(name, replayed):
    truth = sample_truth(name)
    s = summary_of(history_of(replayed, name))
    expected = max((x["end_s"] - x["start_s"] for x in segments(truth, "slouched")), default=0)
    print(f"{name}: longest slouch {s.longest_slouch_s:.1f} s, truth {expected:.1f} s")
    assert s.longest_slouch_s == pytest.approx(expected, abs=4.0)


@pytest.mark.parametrize("name", clips(MISSED_SLOUCH))
def test_alert_count_matches_the_truth(name, replayed):
    s = summary_of(history_of(replayed, name))
    assert s.alerts == truth_alerts(sample_truth(name))


def test_the_report_command_reads_a_replayed_history(replayed):
    result = posture_cam("report", "--day", DAY, "--history",
                         history_of(replayed, "front_mixed_e"))
    assert result.returncode == 0, result.stderr
    assert "Posture on Fri 20 Nov 2026" in result.stdout and "longest slouch" in result.stdout


def test_the_history_never_holds_an_image(replayed):
    db = sqlite3.connect(history_of(replayed, "front_mixed_e"))
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        for column in columns:
            blobs, longest = db.execute(
                f"SELECT count(*) FILTER (WHERE typeof({column}) = 'blob'), "
                f"max(length({column})) FROM {table}").fetchone()
            assert blobs == 0 and (longest or 0) < 300, (table, column)


def test_replay_refuses_a_damaged_history_untouched(tmp_path):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(os.urandom(4096))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = posture_cam("replay", sample("front_upright_a"), "--history", path,
                         "--start", START)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and str(path) in result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# --- a real monitor, stopped the hard way and the polite way -------------------------------

@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibration")
    path = folder / "calibration.json"
    env = {f"POSTURE_CAM_{d}_DIR": str(folder / d.lower()) for d in ("CONFIG", "DATA", "STATE")}
    result = posture_cam("calibrate", "--source", sample("front_upright_a"), "--seconds", 6,
                         "--output", path, env=env)
    assert result.returncode == 0, result.stderr
    return path


def start_monitor(user_dirs, calibration, history):
    _, env = user_dirs
    proc = subprocess.Popen(
        [sys.executable, "-m", "posture_cam.cli", "monitor", "--source",
         sample("front_upright_a"), "--loop", "--realtime", "--history", history,
         "--calibration", calibration, "--set", "notify.backend=terminal"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    log = user_dirs[0]["state"] / "monitor.log"
    deadline = time.monotonic() + 120
    while not (log.exists() and "monitoring" in log.read_text()):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the monitor did not start"
        time.sleep(0.2)
    return proc


def minute_rows(history):
    if not history.exists():
        return []
    try:
        return query_history(history, "SELECT * FROM minutes ORDER BY minute")
    except sqlite3.OperationalError:  # not created yet
        return []


def test_sigterm_stops_the_monitor_at_once_and_keeps_the_partial_minute(
        user_dirs, calibration, tmp_path):
    history = tmp_path / "history.sqlite3"
    proc = start_monitor(user_dirs, calibration, history)
    time.sleep(8)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    took = time.monotonic() - sent
    print(f"SIGTERM -> exit in {took:.2f} s")
    assert proc.returncode == 0, err
    assert took < 3.0
    present = sum(row[1] for row in minute_rows(history))
    assert 5.0 <= present <= 10.0  # ~8 s of frames, none lost


@pytest.mark.slow
def test_a_monitor_killed_with_sigkill_keeps_every_finished_minute(
        user_dirs, calibration, tmp_path):
    history = tmp_path / "history.sqlite3"
    proc = start_monitor(user_dirs, calibration, history)
    try:
        deadline = time.monotonic() + 240
        while True:
            rows = minute_rows(history)
            if len([r for r in rows if r[0] > rows[0][0]]) >= 2:
                break  # the first (partial) minute and two full ones are on disk
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, f"only {len(rows)} minutes after 4 min"
            time.sleep(2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    after = minute_rows(history)
    assert after[:len(rows)] == rows
    for row in rows[1:]:
        assert row[1] == pytest.approx(60.0, abs=1.0)  # an upright clip: present all minute
    store = open_history(history)  # opens (and recovers the WAL) without complaint
    assert len(store.minutes(0, 2e9)) == len(after)
    store.close()
    assert sqlite3.connect(history).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
