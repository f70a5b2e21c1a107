"""The tray icon under a real X server (Xvfb) in a real tray host (trayer), seen on real
screenshots: it appears, turns from green to orange when the replayed clip slouches, and
a click on it (pystray's X11 backend draws no menu: the click runs the default item,
Pause 30 min / Resume) pauses and resumes the monitor. The menu's other items are tested
through TrayActions, the object they call.

POSTURE_CAM_DOCS_SCREENSHOTS=1 also saves docs/tray.png (the README's picture).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import ROOT, sample, skip_or_fail
from posture_cam.icons import COLOURS

DOCS_PICTURE = ROOT / "docs" / "tray.png"


def tray_test_blocker() -> str | None:
    import importlib.util

    for program, package in (("Xvfb", "xvfb"), ("trayer", "trayer"), ("xdotool", "xdotool"),
                             ("xwininfo", "x11-utils")):
        if shutil.which(program) is None:
            return f"{program} is not installed (apt install {package})"
    for module in ("pystray", "Xlib", "PIL"):  # found, not imported: pystray opens a display
        if importlib.util.find_spec(module) is None:
            return f"Python module {module} is missing (pip install -e .)"
    return None


@pytest.fixture
def x_tray():
    """A private X display with trayer docked at its top right; yields the DISPLAY."""
    blocker = tray_test_blocker()
    if blocker:
        skip_or_fail(blocker)
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "640x200x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        display = f":{pipe.readline().strip()}"
    trayer = subprocess.Popen(
        ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width",
         "120", "--height", "32", "--transparent", "false", "--tint", "0xffffff"],
        env={**os.environ, "DISPLAY": display}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: "panel" in tree(display), 10), "trayer did not start"
        yield display
    finally:
        for proc in (trayer, xvfb):
            proc.terminate()
            proc.wait(timeout=10)


def tree(display: str) -> str:
    return subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True,
                          env={**os.environ, "DISPLAY": display}).stdout


def icon_window(display: str):
    """(title, x, y, width, height) of the embedded icon, or None."""
    for line in tree(display).splitlines():
        if "posture-camSystemTrayIcon" in line:
            title = re.search(r'"([^"]*)"', line).group(1)
            w, h, x, y = map(int, re.search(r"(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)",
                                            line).groups())
            if w >= 16:
                return title, x, y, w, h
    return None


def icon_colour(display: str, window) -> str:
    """The state colour (COLOURS key) covering most of the icon on a screenshot."""
    from PIL import ImageGrab

    _, x, y, w, h = window
    shot = ImageGrab.grab(xdisplay=display).crop((x, y, x + w, y + h)).convert("RGB")
    counts: dict[str, int] = {}
    for pixel in shot.get_flattened_data() if hasattr(shot, "get_flattened_data") else shot.getdata():
        name, distance = min(((n, sum((a - b) ** 2 for a, b in zip(pixel, c)))
                              for n, c in COLOURS.items()), key=lambda p: p[1])
        if distance < 40 ** 2:
            counts[name] = counts.get(name, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else "none"


def wait_for(predicate, timeout_s: float):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    return None


def click(display: str, window) -> None:
    _, x, y, w, h = window
    subprocess.run(["xdotool", "mousemove", str(x + 3), str(y + h // 2), "click", "1"],
                   check=True, env={**os.environ, "DISPLAY": display})


@pytest.mark.desktop
def test_the_tray_icon_shows_the_state_and_its_click_pauses_and_resumes(x_tray, desktop_cli,
                                                                       user_dirs):
    dirs, _ = user_dirs
    calibrated = desktop_cli("calibrate", "--source", sample("front_upright_a"), "--seconds", "6")
    assert calibrated.returncode == 0, calibrated.stderr
    monitor = desktop_cli.spawn("monitor", "--source", sample("front_forward_head_a"), "--loop",
                                "--realtime", "--tray", "--no-history",
                                "--set", "notify.backend=terminal", env={"DISPLAY": x_tray})
    snooze = dirs["state"] / "snooze.json"
    try:
        window = wait_for(lambda: icon_window(x_tray), 90)
        assert window, "no icon was embedded in the tray"
        assert wait_for(lambda: icon_colour(x_tray, window) == "upright", 30)
        shots = [panel(x_tray, window)]
        # the clip slouches from 11 s on: the icon turns orange, the tooltip says so
        assert wait_for(lambda: icon_colour(x_tray, window) == "slouching", 40)
        assert icon_window(x_tray)[0].startswith("posture-cam: slouching since ")
        shots.append(panel(x_tray, window))
        click(x_tray, window)
        assert wait_for(snooze.exists, 10), "the click did not pause the monitor"
        until = json.loads(snooze.read_text())["snooze_until_epoch_s"]
        assert until == pytest.approx(time.time() + 30 * 60, abs=15)
        assert wait_for(lambda: icon_colour(x_tray, window) == "paused", 10)
        shots.append(panel(x_tray, window))
        if os.environ.get("POSTURE_CAM_DOCS_SCREENSHOTS") == "1":
            save_picture(shots)
        assert json.loads(desktop_cli("status", "--json").stdout)["state"] == "paused"
        click(x_tray, window)
        assert wait_for(lambda: not snooze.exists(), 10), "the second click did not resume"
        assert wait_for(lambda: icon_colour(x_tray, window) in ("upright", "slouching"), 10)
    finally:
        monitor.terminate()
        _, stderr = monitor.communicate(timeout=30)
    assert monitor.returncode == 0, stderr
    assert "tray: xorg backend" in (dirs["state"] / "monitor.log").read_text()


def panel(display: str, window):
    """A screenshot of the tray around the icon."""
    from PIL import ImageGrab

    _, x, y, w, h = window
    return ImageGrab.grab(xdisplay=display).crop((x - 16, 0, x + w + 4, y + h + 2))


def save_picture(shots) -> None:
    """upright | slouching | paused, side by side, enlarged 3x."""
    from PIL import Image

    width, height = shots[0].size
    strip = Image.new("RGB", (len(shots) * (width + 8) - 8, height), (255, 255, 255))
    for i, shot in enumerate(shots):
        strip.paste(shot, (i * (width + 8), 0))
    strip.resize((strip.width * 3, strip.height * 3), Image.NEAREST).save(DOCS_PICTURE,
                                                                         optimize=True)
