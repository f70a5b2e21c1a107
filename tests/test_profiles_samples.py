"""Calibration profiles on real clips: two places calibrated with the real CLI, one video
that moves between them (and to a third, unknown place), replayed and monitored."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from conftest import sample

pytestmark = [pytest.mark.model, pytest.mark.cli]

# alerts 10 s into a slouch; a cool-down shorter than a place (58 s) but longer than a
# slouch: one alert per slouch, each place on its own
FAST = ["--set", "slouch.alert_after_s=10", "--set", "slouch.cooldown_s=30"]
DESK, SIDE, UNKNOWN = "front_forward_head_a", "side_slumped_a", "front_closeup_forward_head_e"
GAP_S = 10.0  # an empty room between places: longer than slouch.away_after_s (3 s)
# (clip or None for the empty room, the profile that must be chosen there)
PLAN = [(DESK, "desk"), (None, None), (SIDE, "side"), (None, None), (DESK, "desk"),
        (None, None), (UNKNOWN, None)]
TOLERANCE_S = 3.0


def _write_switching_video(path):
    """The clips of PLAN one after another at their own 10 fps; returns each one's start."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (640, 480))
    assert writer.isOpened(), "OpenCV cannot write mp4 here"
    starts, n = [], 0
    empty = np.full((480, 640, 3), 90, np.uint8)
    for clip, _ in PLAN:
        starts.append(n / 10.0)
        if clip is None:
            for _ in range(int(GAP_S * 10)):
                writer.write(empty)
                n += 1
            continue
        capture = cv2.VideoCapture(str(sample(clip)))
        while True:
            ok, image = capture.read()
            if not ok:
                break
            writer.write(image)
            n += 1
        capture.release()
    writer.release()
    return starts


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """A switching video and user folders with two profiles made by `calibrate --profile`."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    root = tmp_path_factory.mktemp("profiles")
    dirs = {name: root / name for name in ("config", "data", "state")}
    for d in dirs.values():
        d.mkdir()
    env = {**os.environ, "POSTURE_CAM_CONFIG_DIR": str(dirs["config"]),
           "POSTURE_CAM_DATA_DIR": str(dirs["data"]), "POSTURE_CAM_STATE_DIR": str(dirs["state"])}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "posture_cam.cli", *map(str, args)],
                              capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)

    for clip, name in ((DESK, "desk"), (SIDE, "side")):
        made = run("calibrate", "--source", sample(clip), "--seconds", "8", "--profile", name)
        assert made.returncode == 0, made.stderr
        assert f"profile {name}" in made.stdout
    video = root / "switching.mp4"
    starts = _write_switching_video(video)
    return run, dirs, video, starts


def _alerts(records, since=0.0, until=float("inf")):
    return [r["t_s"] - since for r in records
            if r["type"] == "event" and r["event"] == "alert" and since <= r["t_s"] < until]


def _json(result):
    import json

    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_calibrate_lists_and_removes_profiles(places):
    run, dirs, _, _ = places
    listed = run("calibrate", "--list")
    assert listed.returncode == 0
    rows = [line.split()[:2] for line in listed.stdout.splitlines()[1:]]
    assert rows == [["desk", "front"], ["side", "side"]]
    assert run("calibrate", "--remove", "nowhere").returncode == 1
    bad = run("calibrate", "--profile", "../x", "--source", sample(DESK))
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "profile name" in bad.stderr
    doctor = run("doctor", "--source", sample(DESK))
    line, = [ln for ln in doctor.stdout.splitlines() if "calibration" in ln]
    assert "profiles desk (front view, head and shoulders), side (side view" in line, line
    assert "FAIL" not in line


def test_replay_picks_the_right_profile_at_each_place_and_alerts_as_its_own_calibration(places):
    run, dirs, video, starts = places
    records = _json(run("replay", video, "--profiles", "--json", *FAST))
    choices = [r for r in records if r["type"] == "profile"]
    wanted = [(start, name, clip) for start, (clip, name) in zip(starts, PLAN) if clip]
    assert len(choices) == len(wanted), choices
    for choice, (start, name, clip) in zip(choices, wanted):
        # chosen within the first seconds of each place (5 s glimpse, 2 fps, the away
        # detection of the return)
        assert start <= choice["t_s"] <= start + 9, (choice, start)
        if name is None:  # the unknown place: no profile fits
            assert not choice["fits"], choice
            continue
        assert choice["profile"] == name and choice["fits"], choice
        margin = sorted(choice["scores"].values())[1] - choice["scores"][name]
        assert margin > 5, choice  # a front and a side camera: categorically apart
    # Alerts in each known place are those of the clip replayed with its own profile.
    bounds = starts[1:] + [float("inf")]
    for (start, name, clip), end in zip(wanted, [b for b, (c, _) in zip(bounds, PLAN) if c]):
        if name is None:
            continue
        own = _json(run("replay", sample(clip), "--calibration",
                        dirs["config"] / "profiles" / f"{name}.json", "--json", *FAST))
        expected, seen = _alerts(own), _alerts(records, start, end)
        assert expected, f"{clip} alerts with its own calibration"
        assert len(seen) == len(expected), (clip, seen, expected)
        assert all(abs(a - b) <= TOLERANCE_S for a, b in zip(seen, expected)), (seen, expected)


def test_monitor_logs_each_choice_and_asks_once_to_calibrate_the_unknown_place(places):
    run, dirs, video, _ = places
    result = run("monitor", "--source", video, "--no-history",
                 "--set", "notify.backend=terminal", *FAST)
    assert result.returncode == 0, result.stderr
    log = (dirs["state"] / "monitor.log").read_text()
    chosen = [line.split("calibration profile ")[1].split(" ")[0]
              for line in log.splitlines() if "calibration profile " in line
              and "score" in line]
    assert chosen == ["desk", "side", "desk", "desk"], log  # the last: the closest
    assert log.count("please calibrate this place") == 1, log
    assert result.stderr.count("Please calibrate this place") == 1, result.stderr
