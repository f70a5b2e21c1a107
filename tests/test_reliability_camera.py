"""The picture check (black / frozen) and CameraSource's handling of a failing device."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from fake_camera import FakeCamera, FakeClock
from posture_cam.core.camera_health import Picture, PictureCheck
from posture_cam.sources import CameraError, CameraSource

pytestmark = pytest.mark.unit


def noisy(seed: int, level: int = 100) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(level - 5, level + 5, (480, 640, 3), dtype=np.uint8)


def test_live_frames_are_live_after_the_first():
    check = PictureCheck()
    looks = [check.update(noisy(i), t_s=i * 0.5) for i in range(10)]
    assert looks[0] is Picture.UNKNOWN
    assert set(looks[1:]) == {Picture.LIVE}
    assert check.problem is None


def test_a_black_picture_becomes_a_problem_only_once_it_has_lasted_five_seconds():
    check = PictureCheck()
    black = np.full((480, 640, 3), 3, np.uint8)
    problems = []
    for i in range(14):
        assert check.update(black, t_s=i * 0.5) is Picture.BLACK
        problems.append(check.problem)
    assert problems[:10] == [None] * 10  # 0 .. 4.5 s
    assert "black picture" in problems[10] and "privacy shutter" in problems[10]


def test_a_dim_room_is_not_black():
    check = PictureCheck()
    for i in range(20):
        assert check.update(noisy(i, level=20), t_s=i * 0.5) in (Picture.UNKNOWN, Picture.LIVE)
    assert check.problem is None


def test_identical_frames_for_five_seconds_are_a_frozen_picture():
    check = PictureCheck()
    check.update(noisy(0), 0.0)
    stuck = noisy(1)
    for i in range(1, 11):
        check.update(stuck, t_s=i * 0.5)
    assert check.problem is None  # the same picture from 0.5 to 5.0 s: 4.5 s
    assert check.update(stuck, t_s=5.5) is Picture.FROZEN
    assert "same picture" in check.problem
    assert check.update(noisy(2), t_s=6.0) is Picture.LIVE
    assert check.problem is None


def test_a_picture_that_comes_back_resets_the_black_timer():
    check = PictureCheck()
    black = np.zeros((48, 64, 3), np.uint8)
    for i in range(8):
        check.update(black, t_s=i * 0.5)
    check.update(noisy(5)[:48, :64], t_s=4.0)
    for i in range(9, 18):
        check.update(black, t_s=i * 0.5)
    assert check.problem is None  # 4.5 .. 8.5 s black: 4 s only


def test_camera_health_is_pure():
    code = "import sys, posture_cam.core.camera_health; print('cv2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_missing_camera_raises_a_camera_error_and_leaves_nothing_open():
    camera = FakeCamera(FakeClock())
    camera.missing_for(opens=1)
    with pytest.raises(CameraError, match="camera 0 cannot be opened"):
        CameraSource(0, clock=camera.clock, open_capture=camera.open)
    assert camera.open_now == 0


def test_a_busy_camera_raises_a_camera_error_and_is_released():
    camera = FakeCamera(FakeClock())
    camera.busy_for(opens=1)
    with pytest.raises(CameraError, match="busy or gives no picture.*duty-cycle"):
        CameraSource(0, clock=camera.clock, open_capture=camera.open)
    assert camera.opened == 1 and camera.open_now == 0


def test_a_camera_unplugged_mid_run_raises_and_is_released():
    clock = FakeClock()
    camera = FakeCamera(clock)
    camera.unplug_after(frames=30)
    source = CameraSource(0, analysis_fps=2, clock=clock, open_capture=camera.open)
    frames = []
    with pytest.raises(CameraError, match="stopped delivering frames"):
        for frame in source.frames():
            frames.append(frame)
    assert len(frames) == 6  # 30 frames at 10 fps, analysed at 2 fps
    assert camera.open_now == 0
    source.close()  # closing again is harmless


def test_camera_frames_carry_clock_timestamps_at_the_analysis_rate():
    clock = FakeClock(t_s=50.0)
    camera = FakeCamera(clock, fps=30)
    with CameraSource(0, analysis_fps=5, clock=clock, open_capture=camera.open) as source:
        times = [frame.t_s for _, frame in zip(range(10), source.frames())]
    assert np.diff(times) == pytest.approx([0.2] * 9, abs=0.034)
    assert camera.open_now == 0
