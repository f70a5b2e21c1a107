"""Awkward inputs through the real CLI and model: odd sizes, darkness, crowds, bad files.

Documented behaviour: a video the pipeline can analyse runs to the end (exit 0, no
traceback), whatever its size or light; a file it cannot read is one line on stderr
naming the file, and exit status 1.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import sample
from posture_cam.core.events import EventKind
from test_cli_errors import assert_one_line_error
from videos import truncate, write_video

pytestmark = [pytest.mark.model, pytest.mark.cli]

CALIBRATE_S = 6


def transformed(source: Path, target: Path, change, max_frames: int = 10_000) -> Path:
    """Rewrites a clip frame by frame through `change(image) -> image`."""
    capture = cv2.VideoCapture(str(source))
    fps = capture.get(cv2.CAP_PROP_FPS)
    writer = None
    for _ in range(max_frames):
        ok, image = capture.read()
        if not ok:
            break
        image = change(image)
        if writer is None:
            size = (image.shape[1], image.shape[0])
            writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        writer.write(image)
    capture.release()
    writer.release()
    return target


def portrait(image: np.ndarray) -> np.ndarray:
    """480x640: the middle of a landscape frame, as a phone held upright would film it."""
    height, width = image.shape[:2]
    crop = image[:, (width - height * 3 // 4) // 2:][:, : height * 3 // 4]
    return cv2.resize(crop, (480, 640))


def uhd(image: np.ndarray) -> np.ndarray:
    """3840x2160 (4K): scaled up and letter-boxed."""
    scaled = cv2.resize(image, (2880, 2160))
    return cv2.copyMakeBorder(scaled, 0, 0, 480, 480, cv2.BORDER_CONSTANT)


def half_out_of_view(image: np.ndarray) -> np.ndarray:
    """The person moved right until about half of them leaves the picture."""
    width = image.shape[1]
    shift = np.float32([[1, 0, 0.45 * width], [0, 1, 0]])
    return cv2.warpAffine(image, shift, (width, image.shape[0]))


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    """A calibration from the upright sample, made by the real CLI."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    folder = tmp_path_factory.mktemp("inputs")
    env = {**os.environ,
           **{f"POSTURE_CAM_{kind}_DIR": str(folder) for kind in ("CONFIG", "DATA", "STATE")}}
    path = folder / "calibration.json"
    subprocess.run([sys.executable, "-m", "posture_cam.cli", "calibrate", "--source",
                    str(sample("front_upright_a")), "--seconds", str(CALIBRATE_S),
                    "--output", str(path)], check=True, capture_output=True, env=env,
                   cwd=ROOT, timeout=300)
    return path


def replay_json(cli, video: Path, calibration: Path):
    result = cli("replay", video, "--calibration", calibration, "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    frames = [r for r in result.json_lines() if r["type"] == "frame"]
    assert frames, "every video with frames gives a timeline"
    return result, frames


def seen_share(frames) -> float:
    return sum(f["person_seen"] for f in frames) / len(frames)


# --- odd sizes and light -------------------------------------------------------------------

@pytest.mark.parametrize("name, change, max_frames, min_seen", [
    ("tiny_64x48", lambda im: cv2.resize(im, (64, 48), interpolation=cv2.INTER_AREA), 10_000, 0.0),
    ("portrait_480x640", portrait, 10_000, 0.8),
    ("uhd_3840x2160", uhd, 60, 0.8),
])
def test_odd_resolutions_replay_to_the_end(cli, tmp_path, calibration, name, change,
                                           max_frames, min_seen):
    video = transformed(sample("front_upright_a"), tmp_path / f"{name}.mp4", change, max_frames)
    result, frames = replay_json(cli, video, calibration)
    assert result.stderr.strip() == ""
    assert seen_share(frames) >= min_seen


def test_a_4k_video_is_analysed_at_the_capped_width(tmp_path):
    from posture_cam.pose import PoseEstimator

    image = uhd(np.full((480, 640, 3), 100, np.uint8))
    with PoseEstimator(max_image_width=640) as estimator:
        frame = estimator.detect(image, 0.0)
    assert (frame.image_width, frame.image_height) == (640, 360)


def test_a_very_dark_video_replays_to_the_end(cli, tmp_path, calibration):
    video = transformed(sample("front_upright_a"), tmp_path / "dark.mp4",
                        lambda im: (im * 0.08).astype(np.uint8))
    result, frames = replay_json(cli, video, calibration)
    assert result.stderr.strip() == ""
    assert not [f for f in frames if f["state"] in ("slouching", "alerted")], \
        "darkness is not a slouch"


def test_a_person_half_out_of_view_is_not_reported_as_slouching(cli, tmp_path, calibration):
    video = transformed(sample("front_upright_a"), tmp_path / "partial.mp4", half_out_of_view)
    result, _ = replay_json(cli, video, calibration)
    assert not [r for r in result.json_lines() if r.get("event") == EventKind.ALERT.value]


# --- several people ------------------------------------------------------------------------

def with_a_passer_by(source: Path, target: Path, from_frame: int = 100,
                     to_frame: int = 300) -> Path:
    """The user on the right of a wider picture; a smaller person (half size, further
    away) on the left from `from_frame` to `to_frame`, drifting slowly."""
    capture = cv2.VideoCapture(str(source))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"mp4v"), 10, (960, 480))
    for i, image in enumerate(frames):
        canvas = np.full((480, 960, 3), 60, np.uint8)
        canvas[:, 320:] = cv2.resize(image, (640, 480))
        if from_frame <= i < to_frame:
            other = cv2.resize(frames[(i * 3) % len(frames)], (320, 240),
                               interpolation=cv2.INTER_AREA)
            x = 10 + (i - from_frame) // 10
            canvas[120:360, x:x + 320] = other
        writer.write(canvas)
    writer.release()
    return target


@pytest.fixture(scope="module")
def passer_by_timeline(tmp_path_factory):
    """`replay --json` of every frame (10 fps) of the upright user with a passer-by."""
    import json
    import os
    import subprocess
    import sys

    from conftest import ROOT

    folder = tmp_path_factory.mktemp("passer_by")
    video = with_a_passer_by(sample("front_upright_a"), folder / "passer_by.mp4")
    env = {**os.environ,
           **{f"POSTURE_CAM_{kind}_DIR": str(folder) for kind in ("CONFIG", "DATA", "STATE")}}
    proc = subprocess.run([sys.executable, "-m", "posture_cam.cli", "replay", str(video),
                           "--json", "--set", "analysis.fps=10"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_a_passer_by_does_not_take_over_the_analysis(passer_by_timeline):
    """The user sits upright throughout; someone smaller walks in behind them at 10 s."""
    frames = [r for r in passer_by_timeline if r["type"] == "frame"]
    # The user is tracked; every few seconds a survey looks for others (pose.py)
    seen_both = [f["t_s"] for f in frames if f["n_people"] >= 2]
    assert len(seen_both) >= 2 and all(10 <= t < 30 for t in seen_both), seen_both
    # Following the other body would make the angles jump from one frame to the next.
    for angle in ("head", "trunk"):
        values = [f["readings"][angle] for f in frames if f["readings"][angle] is not None]
        assert len(values) > 0.9 * len(frames)
        assert max(abs(b - a) for a, b in zip(values, values[1:])) < 8, angle
    assert not [r for r in passer_by_timeline if r.get("event") == EventKind.ALERT.value]


def test_a_passer_by_does_not_change_the_users_posture(passer_by_timeline):
    """While MediaPipe tracks two people the user's 3D shoulder width drifts (the shoulder
    reading rises by ~10 deg); the shoulder threshold sits above that drift."""
    assert {r["state"] for r in passer_by_timeline if r["type"] == "frame"} == {"upright"}


# --- files the pipeline cannot (fully) read -------------------------------------------------

def test_a_truncated_mp4_is_a_one_line_error(cli, tmp_path):
    cut = truncate(write_video(tmp_path / "whole.mp4", frames=60), tmp_path / "cut.mp4", 0.5)
    assert_one_line_error(cli("replay", cut), str(cut), "cut short or damaged")


def test_a_truncated_recording_replays_what_it_has_and_says_so(cli, tmp_path, calibration):
    whole = tmp_path / "whole.avi"
    capture = cv2.VideoCapture(str(sample("front_upright_a")))
    writer = cv2.VideoWriter(str(whole), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for _ in range(100):
        _, image = capture.read()
        writer.write(cv2.resize(image, (640, 480)))
    writer.release()
    capture.release()
    cut = truncate(whole, tmp_path / "cut.avi", 0.5)
    result = cli("replay", cut, "--calibration", calibration)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(cut) in lines[0] and "truncated" in lines[0], lines
    assert "analysed" in result.stdout


@pytest.mark.parametrize("make, fragment", [
    (lambda d: _bytes(d / "random.mp4", np.random.default_rng(1).bytes(50_000)), "not a video"),
    (lambda d: _empty_container(d / "no_frames.mp4"), "not a video"),
    (lambda d: (d / "folder.mp4").mkdir() or d / "folder.mp4", "directory"),
])
def test_files_that_are_not_videos_are_one_line_errors(cli, tmp_path, make, fragment):
    path = make(tmp_path)
    assert_one_line_error(cli("replay", path), str(path), fragment)


def test_monitor_on_an_unreadable_file_stops_with_one_line(cli, tmp_path, calibration):
    bad = _bytes(tmp_path / "random.mp4", np.random.default_rng(2).bytes(20_000))
    assert_one_line_error(cli("monitor", "--source", bad, "--loop", "--calibration", calibration,
                              "--no-history", timeout=60), "not a video")


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _empty_container(path: Path) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (320, 240))
    writer.release()
    return path
