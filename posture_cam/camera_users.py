"""Which other processes hold the camera open (Linux), so the monitor can step aside.

    every few s: /proc/<pid>/fd/* --readlink--> == /dev/video0 ? --> PauseGate "camera"

A video call opens the webcam's device file; on Linux every open file of a process is a
symlink in /proc/<pid>/fd, so a scan of those links finds it without asking the driver
(and without opening the camera ourselves). Our own process is left out: the monitor's
own capture is not "another app". The /proc entries of other users' processes cannot be
read and are skipped: a webcam is normally opened by the logged-in user's apps. Elsewhere
(no /proc) there is nothing to scan; the camera's own "busy" answer is used instead
(monitor.py).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from .core.pauses import Pause
from .pause_gate import PauseGate

log = logging.getLogger(__name__)

PROC = Path("/proc")


@dataclass(frozen=True)
class CameraUser:
    pid: int
    name: str  # the process name (/proc/<pid>/comm), e.g. "zoom" or "firefox"


def device_path(index: int, configured: str = "") -> Path:
    """The device file of camera `index` (/dev/videoN), or the `camera.device` setting."""
    return Path(configured) if configured else Path(f"/dev/video{index}")


def camera_users(device: Path, own_pid: int | None = None, proc: Path = PROC) -> list[CameraUser]:
    """The processes other than `own_pid` (default: this one) that have `device` open."""
    own_pid = os.getpid() if own_pid is None else own_pid
    target = os.path.realpath(device)  # /dev/v4l/by-id/... links to /dev/videoN
    users = []
    try:
        entries = list(os.scandir(proc))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.isdigit() or int(entry.name) == own_pid:
            continue
        if _holds(Path(entry.path), target):
            users.append(CameraUser(int(entry.name), _name(Path(entry.path))))
    return users


def _holds(process: Path, target: str) -> bool:
    try:
        with os.scandir(process / "fd") as fds:
            for fd in fds:
                try:
                    if os.readlink(fd.path) == target:
                        return True
                except OSError:  # closed meanwhile
                    continue
    except OSError:  # another user's process (permission), or it just ended
        return False
    return False


def _name(process: Path) -> str:
    try:
        return (process / "comm").read_text(encoding="utf-8", errors="replace").strip() or "?"
    except OSError:
        return "another application"


def in_use_pause(users: list[CameraUser]) -> Pause | None:
    if not users:
        return None
    names = sorted({user.name for user in users})
    return Pause("camera in use by " + ", ".join(names), away=False)


class CameraUserWatch:
    """Scans every `every_s` seconds in a thread of its own and tells the gate."""

    KEY = "camera"

    def __init__(self, device: Path, gate: PauseGate, every_s: float = 2.0,
                 proc: Path = PROC) -> None:
        self.device, self.gate, self.every_s, self.proc = device, gate, every_s, proc
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: Pause | None = None

    @staticmethod
    def available(proc: Path = PROC) -> bool:
        return (proc / "self" / "fd").is_dir()

    def check(self) -> Pause | None:
        pause = in_use_pause(camera_users(self.device, proc=self.proc))
        if pause != self._last:
            self._last = pause
            self.gate.set(self.KEY, pause)
        return pause

    def start(self) -> "CameraUserWatch":
        """Checks once now (so a camera already in a call is not opened), then keeps watching."""
        self.check()
        self._thread = threading.Thread(target=self._run, name="camera-users", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.check()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
