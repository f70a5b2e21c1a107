"""What the running monitor is doing now, published for `posture-cam status` and the tray.

    monitor loop --StepResult--> LiveStatus (a sink) --on change--> status.json (atomic,
                                    ^   ^                           user-only) + listeners
               ScheduledSource -----+   +----- camera faults (monitor.run's on_fault)

The file is written only when the shown state changes (upright / slouching / away /
paused (snoozed, or the camera closed for a call or a locked screen) / off hours /
camera problem), never per frame, and removed when the monitor stops. A
monitor that was killed leaves its file behind: readers trust it only while the lock in
`monitor.lock` is held by the PID the file names (instance.holder).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .core.decision import State
from .core.errors import UserError
from .storage import atomic_write_text

if TYPE_CHECKING:
    from .core.pauses import Pause
    from .core.pipeline import StepResult

log = logging.getLogger(__name__)

UPRIGHT, SLOUCHING, AWAY = "upright", "slouching", "away"
OFF_HOURS, CAMERA_PROBLEM, STARTING = "off hours", "camera problem", "starting"
PAUSED = "paused"
POSTURES = (UPRIGHT, SLOUCHING, AWAY, STARTING)  # a snooze's detail; a pause's is its reason
INHIBITED = "notifications inhibited: alerts held"  # a detail beside the posture
_SHOWN = {State.UPRIGHT: UPRIGHT, State.SLOUCHING: SLOUCHING, State.ALERTED: SLOUCHING,
          State.AWAY: AWAY}


@dataclass(frozen=True)
class LiveState:
    """One published state: what, since when (epoch s), and for a problem, its words."""

    pid: int
    state: str
    since_epoch_s: float
    detail: str = ""
    camera: str = ""
    profile: str = ""  # the calibration profile in use, when there are several

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "LiveState":
        data = json.loads(text)
        return cls(int(data["pid"]), str(data["state"]), float(data["since_epoch_s"]),
                   str(data.get("detail", "")), str(data.get("camera", "")),
                   str(data.get("profile", "")))


def read_live_state(path: Path) -> LiveState | None:
    """The published state, or None (absent or damaged: a reader then says "unknown")."""
    try:
        return LiveState.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.info("ignoring damaged status file %s (%s)", path, exc)
        return None


class LiveStatus:
    """A monitor sink that publishes state changes; thread-safe for the tray's listeners."""

    def __init__(self, path: Path | None, camera: str = "",
                 clock: Callable[[], float] = time.time,
                 snoozed: Callable[[], bool] | None = None,
                 inhibited: Callable[[], bool] | None = None) -> None:
        """`snoozed()` says whether alerts are paused, `inhibited()` whether the desktop's
        Do Not Disturb holds them (each asked once per frame)."""
        self.path = path
        self._snoozed = snoozed
        self._inhibited_now = inhibited
        self._inhibited = False
        self._paused = False
        self._clock = clock
        self._lock = threading.Lock()
        self._listeners: list[Callable[[LiveState], None]] = []
        self._posture = STARTING
        self._off_hours = False
        self._problem = ""
        self._pause_why = ""  # the pause gate's reason (pause_gate.py), e.g. "screen locked"
        self.current = LiveState(os.getpid(), STARTING, clock(), camera=camera)
        self._write(self.current)

    def subscribe(self, listener: Callable[[LiveState], None]) -> None:
        """`listener(state)` now and at every change (called from the monitor's thread)."""
        with self._lock:
            self._listeners.append(listener)
            current = self.current
        listener(current)

    # --- inputs ---------------------------------------------------------------------------
    def handle(self, result: StepResult) -> None:
        if result.pose_frame.image_width > 0:  # a real picture (not a camera gap): it works
            self._problem = ""
        self._posture = _SHOWN.get(result.state, AWAY)
        self._paused = self._snoozed() if self._snoozed is not None else False
        self._inhibited = self._inhibited_now is not None and self._inhibited_now()
        self._publish()

    def refresh(self) -> None:
        """Re-reads the snooze now (the tray paused or resumed), without waiting for a frame."""
        self._paused = self._snoozed() if self._snoozed is not None else False
        self._publish()

    def off_hours(self, off: bool) -> None:
        self._off_hours = off
        self._publish()

    def profile(self, name: str) -> None:
        """The calibration profile now in use (published at once, and to the listeners)."""
        with self._lock:
            if name == self.current.profile:
                return
            self.current = replace(self.current, profile=name)
            current, listeners = self.current, list(self._listeners)
        self._write(current)
        for listener in listeners:
            listener(current)

    def paused(self, pause: Pause | None, _t_s: float, _events: tuple = ()) -> None:
        """The monitor closed the camera for `pause` (None: it is over): "paused: why"."""
        why = pause.why if pause is not None else ""
        if why != self._pause_why:
            self._pause_why = why
            self._publish()

    def camera_fault(self, message: str) -> None:
        self._problem = message
        self._publish()

    def close(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    # --- output ---------------------------------------------------------------------------
    def _publish(self) -> None:
        if self._off_hours:
            state, detail = OFF_HOURS, ""
        elif self._pause_why:
            state, detail = PAUSED, self._pause_why
        elif self._problem:
            state, detail = CAMERA_PROBLEM, self._problem
        elif self._paused:
            state, detail = PAUSED, self._posture
        else:
            state, detail = self._posture, INHIBITED if self._inhibited else ""
        with self._lock:
            if (state, detail) == (self.current.state, self.current.detail):
                return
            self.current = replace(self.current, state=state, detail=detail,
                                   since_epoch_s=self._clock())
            current, listeners = self.current, list(self._listeners)
        self._write(current)
        for listener in listeners:
            listener(current)

    def _write(self, state: LiveState) -> None:
        if self.path is None:
            return
        try:
            atomic_write_text(self.path, state.to_json())
        except UserError as exc:  # status is a convenience: monitoring goes on without it
            log.info("status not published: %s", exc)
