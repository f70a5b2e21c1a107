"""A real `posture-cam monitor` pauses for a locked screen, a suspend and a video call.

Screen lock and suspend: python-dbusmock's `logind` template on a private *system* bus
and its `gnome_screensaver` template on a private session bus; the monitor (a looped
sample clip in real time) must close its "camera" (the clip: /proc/<pid>/fd stops
linking to it), say so in its log and status.json, count the time as away in the history,
and reopen on unlock / resume.

A video call: the CLI cannot run on the fake webcam of tests/fake_camera.py (that is
in-process; tests/test_pauses.py runs the loop on it), so a clip stands in as the camera
and `camera.device` names an ordinary file as the camera's device. A second process that
opens that file is "another app using the camera".
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, desktop_test_blocker, sample, skip_or_fail
from waiting import wait_for
from history_rows import query_history

pytestmark = [pytest.mark.model, pytest.mark.cli]

CLIP = sample("front_upright_a")
SESSION_ID = "c7"
LOGIN1 = "org.freedesktop.login1"
MOCK = "org.freedesktop.DBus.Mock"


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibration")
    path = folder / "calibration.json"
    env = {f"POSTURE_CAM_{d}_DIR": str(folder / d.lower()) for d in ("CONFIG", "DATA", "STATE")}
    result = subprocess.run([sys.executable, "-m", "posture_cam.cli", "calibrate", "--source",
                             str(CLIP), "--seconds", "6", "--output", str(path)],
                            capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, **env}, timeout=300)
    assert result.returncode == 0, result.stderr
    return path


class Desk:
    """logind (system bus) and a GNOME screen saver (session bus), both mocks."""

    def __init__(self) -> None:
        import dbus
        from dbusmock import SpawnedMock
        from dbusmock.testcase import BusType, PrivateDBus

        saved = {k: os.environ.get(k) for k in ("DBUS_SYSTEM_BUS_ADDRESS",
                                                 "DBUS_SESSION_BUS_ADDRESS")}
        self.buses = [PrivateDBus(BusType.SYSTEM), PrivateDBus(BusType.SESSION)]
        self.mocks = []
        try:
            for bus in self.buses:
                bus.start()  # sets DBUS_<bus>_BUS_ADDRESS, which dbusmock's helpers read
            self.env = {"DBUS_SYSTEM_BUS_ADDRESS": self.buses[0].address,
                        "DBUS_SESSION_BUS_ADDRESS": self.buses[1].address,
                        "XDG_SESSION_ID": SESSION_ID}
            self.logind = SpawnedMock.spawn_with_template("logind", {}, stdout=subprocess.DEVNULL,
                                                          stderr=subprocess.DEVNULL)
            self.mocks.append(self.logind)
            self.screensaver = SpawnedMock.spawn_with_template(
                "gnome_screensaver", {}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.mocks.append(self.screensaver)
            self.logind.obj.AddSession(SESSION_ID, "seat0", dbus.UInt32(os.getuid()), "me", True,
                                       dbus_interface=MOCK)
            system = BusType.SYSTEM.get_connection()
            self.session = system.get_object(
                LOGIN1, f"/org/freedesktop/login1/session/{SESSION_ID}")
        finally:
            for key, value in saved.items():  # other tests' subprocesses must not inherit them
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def lock(self, locked: bool) -> None:
        self.session.SetLockedHint(locked, dbus_interface="org.freedesktop.login1.Session")

    def sleep(self, sleeping: bool) -> None:
        self.logind.obj.EmitSignal("org.freedesktop.login1.Manager", "PrepareForSleep", "b",
                                   [sleeping], dbus_interface=MOCK)

    def screensaver_active(self, active: bool) -> None:
        self.screensaver.obj.SetActive(active, dbus_interface="org.gnome.ScreenSaver")

    def close(self) -> None:
        for mock in self.mocks:
            mock.terminate()
        for bus in self.buses:
            bus.stop()


@pytest.fixture
def desk():
    blocker = desktop_test_blocker()
    if blocker:
        skip_or_fail(blocker)
    desk = Desk()
    try:
        yield desk
    finally:
        desk.close()


class Monitor:
    def __init__(self, user_dirs, calibration, history: Path, env: dict, *settings: str):
        dirs, dir_env = user_dirs
        self.log = dirs["state"] / "monitor.log"
        self.status = dirs["state"] / "status.json"
        args = [sys.executable, "-m", "posture_cam.cli", "monitor", "--source", str(CLIP),
                "--loop", "--realtime", "--history", str(history), "--calibration",
                str(calibration), "--set", "notify.backend=terminal"]
        for setting in settings:
            args += ["--set", setting]
        base = {k: v for k, v in os.environ.items()
                if k not in ("DBUS_SESSION_BUS_ADDRESS", "DBUS_SYSTEM_BUS_ADDRESS")}
        self.proc = subprocess.Popen(args, cwd=ROOT, env={**base, **dir_env, **env},
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: self.proc.poll() is not None or "monitoring" in self.said(), 180,
                 "the monitor to start")
        assert self.proc.poll() is None, self.proc.communicate()
        wait_for(self.clip_open, 30, "the first frames")

    def said(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def clip_open(self) -> bool:
        """Whether the monitor has the clip (its "camera") open: one of its fds links to it."""
        fds = Path(f"/proc/{self.proc.pid}/fd")
        for fd in fds.iterdir():
            try:
                if os.readlink(fd) == str(CLIP.resolve()):
                    return True
            except OSError:
                continue
        return False

    def shown(self) -> tuple[str, str]:
        try:
            data = json.loads(self.status.read_text())
        except (OSError, ValueError):
            return ("", "")
        return data["state"], data["detail"]

    def wait_paused(self, why: str) -> float:
        wait_for(lambda: f"paused: {why}; the camera is closed" in self.said(), 20,
                 f"the log to say 'paused: {why}'")
        wait_for(lambda: not self.clip_open(), 10, "the clip to be closed")
        wait_for(lambda: self.shown() == ("paused", why), 10, f"status.json 'paused: {why}'")
        return time.time()

    def wait_resumed(self, why: str) -> float:
        wait_for(lambda: f"{why} is over; reopening the camera" in self.said(), 20,
                 f"the log to say '{why}' is over")
        wait_for(self.clip_open, 10, "the clip to be reopened")
        wait_for(lambda: self.shown()[0] not in ("paused", ""), 20, "status.json to leave 'paused'")
        return time.time()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, err


def spans(history: Path) -> list[tuple[str, float, float]]:
    return query_history(history, "SELECT kind, start_s, end_s FROM spans ORDER BY start_s")


def minutes(history: Path) -> list[tuple[int, float, float]]:
    return query_history(history, "SELECT minute, present_s, slouched_s FROM minutes")


def gap_in_presence(history: Path, start: float, end: float) -> float:
    """How long no `present` span covers, around [start, end] (epoch s)."""
    present = [(s, e) for kind, s, e in spans(history) if kind == "present"]
    before = max((e for s, e in present if s < start), default=None)
    after = min((s for s, e in present if s > start), default=None)
    assert before is not None and after is not None, present
    assert not [1 for s, e in present if start + 1 < s < end - 1], "present while locked"
    return after - before


@pytest.mark.desktop
def test_lock_and_suspend_close_the_camera_and_count_as_away(desk, user_dirs, calibration,
                                                             tmp_path):
    history = tmp_path / "history.sqlite3"
    monitor = Monitor(user_dirs, calibration, history, desk.env)
    try:
        time.sleep(5)  # the history's times lag the clock by the first inference (< 5 s)
        asked = time.time()
        desk.lock(True)
        locked_at = monitor.wait_paused("screen locked")
        time.sleep(6)
        asked_unlock = time.time()
        desk.lock(False)
        unlocked_at = monitor.wait_resumed("screen locked")
        print(f"lock seen (log + clip closed + status) in {locked_at - asked:.2f} s, "
              f"unlock in {unlocked_at - asked_unlock:.2f} s")
        time.sleep(3)
        desk.sleep(True)
        slept_at = monitor.wait_paused("suspended")
        time.sleep(4)
        desk.sleep(False)
        woke_at = monitor.wait_resumed("suspended")
        time.sleep(2)
        desk.screensaver_active(True)
        monitor.wait_paused("screen locked")
        desk.screensaver_active(False)
        monitor.wait_resumed("screen locked")
        time.sleep(2)
    finally:
        monitor.stop()
    assert "paused" not in [kind for kind, _, _ in spans(history)]  # away, not paused
    lock_gap = gap_in_presence(history, locked_at, unlocked_at)
    sleep_gap = gap_in_presence(history, slept_at, woke_at)
    print(f"lock {unlocked_at - locked_at:.1f} s -> no presence for {lock_gap:.1f} s; "
          f"suspend {woke_at - slept_at:.1f} s -> {sleep_gap:.1f} s")
    assert lock_gap >= (unlocked_at - locked_at) - 2
    assert sleep_gap >= (woke_at - slept_at) - 2
    present = sum(p for _, p, _ in minutes(history))
    assert present > 5  # the time around the pauses was counted as present


@pytest.mark.desktop
def test_without_logind_or_a_bus_the_monitor_runs_as_before(user_dirs, calibration, tmp_path):
    nowhere = f"unix:path={tmp_path / 'no-bus'}"
    monitor = Monitor(user_dirs, calibration, tmp_path / "history.sqlite3",
                      {"DBUS_SYSTEM_BUS_ADDRESS": nowhere, "DBUS_SESSION_BUS_ADDRESS": nowhere})
    try:
        time.sleep(2)
        assert monitor.clip_open() and monitor.shown()[0] != "paused"
    finally:
        monitor.stop()
    assert "paused" not in monitor.said()


def in_a_call(device: Path) -> subprocess.Popen:
    """A second process that opens the camera's device file (as a video call app would)."""
    call = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c",
         "import sys; f = open(sys.argv[1], 'rb'); print('in a call', flush=True); "
         "sys.stdin.read()", str(device)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert call.stdout.readline().strip() == "in a call"
    return call


@pytest.mark.parametrize("whole_minute", [
    pytest.param(False, id="9-s"),
    pytest.param(True, marks=pytest.mark.slow, id="a-whole-minute")])
def test_a_second_process_opening_the_camera_device_pauses_the_monitor_as_paused(
        user_dirs, calibration, tmp_path, whole_minute):
    device = tmp_path / "video0"
    device.write_bytes(b"")
    history = tmp_path / "history.sqlite3"
    nowhere = f"unix:path={tmp_path / 'no-bus'}"
    monitor = Monitor(user_dirs, calibration, history,
                      {"DBUS_SYSTEM_BUS_ADDRESS": nowhere, "DBUS_SESSION_BUS_ADDRESS": nowhere},
                      f"camera.device={device}", "camera.in_use_check_s=0.5")
    try:
        time.sleep(3)
        if whole_minute:  # from 5 s before a minute to 5 s after it
            time.sleep((55 - time.time() % 60) % 60)
        call = in_a_call(device)
        name = Path(f"/proc/{call.pid}/comm").read_text().strip()
        started = monitor.wait_paused(f"camera in use by {name}")
        time.sleep(8 if not whole_minute else 70 - (time.time() - started))
        call.stdin.close()
        call.wait(timeout=10)
        ended = monitor.wait_resumed(f"camera in use by {name}")
        time.sleep(3)
    finally:
        monitor.stop()
    paused = [(s, e) for kind, s, e in spans(history) if kind == "paused"]
    assert len(paused) == 1, spans(history)
    start_s, end_s = paused[0]
    print(f"call {ended - started:.1f} s -> paused span {end_s - start_s:.1f} s")
    # The history dates frames from the first one's arrival (after the model's first, slow
    # inference), the test by the clock when it saw each change: compare lengths only.
    assert ended - started - 2 <= end_s - start_s <= ended - started + 3, (
        start_s - started, end_s - ended)
    # nothing present, away or slouched in the paused time: a minute wholly inside it has
    # no row at all (an away minute would have one, with less presence), and no presence
    # span reaches into it
    rows = minutes(history)
    inside = [m for m, _, _ in rows if m * 60 >= start_s and (m + 1) * 60 <= end_s]
    assert inside == [], rows
    if whole_minute:
        whole = int(start_s // 60) + 1
        assert (whole + 1) * 60 <= end_s and whole not in [m for m, _, _ in rows]
    assert sum(s for _, _, s in rows) == 0
    covered = [(s, e) for kind, s, e in spans(history) if kind == "present"]
    assert not [1 for s, e in covered if s < end_s - 1 and e > start_s + 1], covered
