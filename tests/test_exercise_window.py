"""The routine's window, for real: `posture-cam exercise` on a clip under Xvfb, screenshots
of the X display while it runs (the README's picture comes from here).

Skips without Xvfb, unless POSTURE_CAM_REQUIRE_DESKTOP_TESTS=1 (CI), where that fails.
POSTURE_CAM_UPDATE_SCREENSHOT=1 writes the best screenshot to docs/exercise-window.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import ROOT, SAMPLES, skip_or_fail

pytestmark = [pytest.mark.model, pytest.mark.cli]

CLIP = SAMPLES / "exercises" / "front_ex_chest_opener_a.mp4"
GREEN_RGB = (80, 200, 80)  # the skeleton and counter while a move is held (exercise_window.py)


@pytest.fixture
def xvfb_display():
    if not sys.platform.startswith("linux") or shutil.which("Xvfb") is None:
        skip_or_fail("Xvfb is not installed (apt install xvfb)")
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "800x640x24",
                               "-nolisten", "tcp"], pass_fds=(write,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.terminate()
        skip_or_fail("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def green_pixels(rgb: np.ndarray) -> int:
    return int((np.abs(rgb.astype(int) - GREEN_RGB).sum(axis=2) < 40).sum())


def test_the_window_shows_the_skeleton_and_the_hold_timer(cli, user_dirs, xvfb_display,
                                                           tmp_path):
    from PIL import ImageGrab

    _, dir_env = user_dirs
    env = {**os.environ, **dir_env, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "posture_cam.cli", "exercise", "--source",
                             str(CLIP), "--move", "chest-opener", "--no-history"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    shots = []
    deadline = time.monotonic() + 240
    while proc.poll() is None and time.monotonic() < deadline:
        shots.append(np.asarray(ImageGrab.grab(xdisplay=xvfb_display).convert("RGB")))
        time.sleep(0.2)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Chest opener: 1/1 reps" in out
    best = max(shots, key=green_pixels)
    assert green_pixels(best) > 300, "no held move (green skeleton and timer) was ever on screen"
    rows, cols = np.nonzero(best.sum(axis=2) > 0)
    window = best[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    assert window.shape[0] > 480 and window.shape[1] >= 600  # the frame and the panel below
    from PIL import Image

    Image.fromarray(window).save(tmp_path / "exercise-window.png")
    if os.environ.get("POSTURE_CAM_UPDATE_SCREENSHOT") == "1":
        Image.fromarray(window).save(ROOT / "docs" / "exercise-window.png", optimize=True)
