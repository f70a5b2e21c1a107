"""The tray icon under a real X server (Xvfb) in a real tray host (trayer), seen on real
screenshots: it appears, turns from green to orange when the replayed clip slouches, and
its menu reaches the monitor. Two pystray backends:

- gtk (PyGObject): a right click opens the real GTK menu, driven with xdotool's keyboard:
  Pause 1 h, then Resume, then Quit;
- xorg (python-xlib, XEmbed): no menu exists; a click runs the default item, which pauses
  30 min, and a second click resumes.

POSTURE_CAM_DOCS_SCREENSHOTS=1 also saves docs/tray.png and docs/tray-menu.png.
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
from waiting import wait_for
from posture_cam.icons import COLOURS

DOCS_PICTURE = ROOT / "docs" / "tray.png"
DOCS_MENU = ROOT / "docs" / "tray-menu.png"


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
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "640x300x24",
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
    """(title, x, y, width, height) of the embedded icon (its title is the tooltip), or None."""
    for line in tree(display).splitlines():
        found = re.search(r'"(posture-cam: [^"]*)".*?(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)',
                          line)
        if found:
            w, h, x, y = map(int, found.groups()[1:])
            if w >= 16 and y >= 0:
                return found.group(1), x, y, w, h
    return None


def menu_window(display: str):
    """(x, y, width, height) of an open popup menu: a large window over the desktop that is
    mapped (GTK keeps a closed menu's window, unmapped)."""
    for line in tree(display).splitlines():
        found = re.search(r"(0x[0-9a-f]+) .*?(\d+)x(\d+)\+(-?\d+)\+(-?\d+)\s+\+", line)
        if not found or "panel" in line:
            continue
        w, h, x, y = map(int, found.groups()[1:])
        if w >= 100 and h >= 100 and x >= 0:
            info = subprocess.run(["xwininfo", "-id", found.group(1)], capture_output=True,
                                  text=True, env={**os.environ, "DISPLAY": display}).stdout
            if "IsViewable" in info:
                return x, y, w, h
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


def click(display: str, window, button: int = 1) -> None:
    _, x, y, w, h = window
    subprocess.run(["xdotool", "mousemove", str(x + 3), str(y + h // 2), "click", str(button)],
                   check=True, env={**os.environ, "DISPLAY": display})


def choose(display: str, window, downs: int) -> None:
    """Opens the menu (right click) and picks the item `downs` steps down (disabled items
    and separators are skipped, as a user's arrow keys skip them)."""
    click(display, window, 3)
    assert wait_for(lambda: menu_window(display), 10), "no menu opened"
    subprocess.run(["xdotool", "key", *["Down"] * downs, "Return"], check=True,
                   env={**os.environ, "DISPLAY": display})


def start_monitor(desktop_cli, display, backend, bus_env):
    calibrated = desktop_cli("calibrate", "--source", sample("front_upright_a"), "--seconds", "6")
    assert calibrated.returncode == 0, calibrated.stderr
    return desktop_cli.spawn("monitor", "--source", sample("front_forward_head_a"), "--loop",
                             "--realtime", "--tray", "--no-history",
                             "--set", "notify.backend=terminal",
                             env={"DISPLAY": display, "PYSTRAY_BACKEND": backend, **bus_env})


def watch_the_icon_turn_orange(display):
    window = wait_for(lambda: icon_window(display), 90)
    assert window, "no icon was embedded in the tray"
    assert wait_for(lambda: icon_colour(display, window) == "upright", 30)
    shots = [panel(display, window)]
    # the clip slouches from 11 s on: the icon turns orange, the tooltip says so
    assert wait_for(lambda: icon_colour(display, window) == "slouching", 40)
    assert icon_window(display)[0].startswith("posture-cam: slouching since ")
    shots.append(panel(display, window))
    return window, shots


def snoozed_for_s(snooze) -> float:
    return json.loads(snooze.read_text())["snooze_until_epoch_s"] - time.time()


@pytest.mark.desktop
def test_the_gtk_tray_menu_pauses_resumes_and_quits_the_monitor(x_tray, desktop_cli, user_dirs,
                                                               notification_server):
    import importlib.util

    if importlib.util.find_spec("gi") is None:
        skip_or_fail("PyGObject is missing (pip install -e '.[desktop-tests]'; Debian: "
                     "libgirepository1.0-dev libcairo2-dev gir1.2-gtk-3.0)")
    dirs, _ = user_dirs
    monitor = start_monitor(desktop_cli, x_tray, "gtk", notification_server.env)
    snooze = dirs["state"] / "snooze.json"
    try:
        window, shots = watch_the_icon_turn_orange(x_tray)
        click(x_tray, window, 3)
        assert wait_for(lambda: menu_window(x_tray), 10), "no menu opened"
        if os.environ.get("POSTURE_CAM_DOCS_SCREENSHOTS") == "1":
            save_menu(x_tray, window)
        subprocess.run(["xdotool", "key", "Escape"], check=True,
                       env={**os.environ, "DISPLAY": x_tray})
        assert wait_for(lambda: not menu_window(x_tray), 10)
        choose(x_tray, window, 2)  # Pause 30 min, *Pause 1 h*
        assert wait_for(snooze.exists, 10), "Pause 1 h did not reach the monitor"
        assert snoozed_for_s(snooze) == pytest.approx(3600, abs=15)
        assert wait_for(lambda: icon_colour(x_tray, window) == "paused", 10)
        assert json.loads(desktop_cli("status", "--json").stdout)["state"] == "paused"
        choose(x_tray, window, 4)  # ..., Pause until tomorrow, *Resume* (enabled when paused)
        assert wait_for(lambda: not snooze.exists(), 10), "Resume did not reach the monitor"
        assert wait_for(lambda: icon_colour(x_tray, window) in ("upright", "slouching"), 10)
        log = dirs["state"] / "monitor.log"
        choose(x_tray, window, 4)  # Resume is disabled again: ..., *Start break routine*
        assert wait_for(lambda: "break routine started on the monitor's frames"
                        in log.read_text(), 20), "Start break routine did not reach the monitor"
        choose(x_tray, window, 7)  # ..., Start break routine, Recalibrate, Report, *Quit*
        _, stderr = monitor.communicate(timeout=30)
    finally:
        if monitor.poll() is None:
            monitor.kill()
            monitor.communicate()
    assert monitor.returncode == 0, stderr
    assert "tray: gtk backend" in log.read_text()
    assert "break routine requested from the tray" in log.read_text()
    assert "Routine stopped: " in log.read_text()  # quit mid-routine: recorded as stopped


@pytest.mark.desktop
def test_the_x11_tray_icon_pauses_and_resumes_on_a_click(x_tray, desktop_cli, user_dirs):
    dirs, _ = user_dirs
    monitor = start_monitor(desktop_cli, x_tray, "xorg", {})
    snooze = dirs["state"] / "snooze.json"
    try:
        window, shots = watch_the_icon_turn_orange(x_tray)
        click(x_tray, window)
        assert wait_for(snooze.exists, 10), "the click did not pause the monitor"
        assert snoozed_for_s(snooze) == pytest.approx(30 * 60, abs=15)
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


def save_menu(display: str, window) -> None:
    from PIL import ImageGrab

    x, y, w, h = menu_window(display)
    ImageGrab.grab(xdisplay=display).crop((x - 8, 0, 640, y + h + 6)).save(DOCS_MENU,
                                                                          optimize=True)


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
