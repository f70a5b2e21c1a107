"""The pause gate: watchers say why the camera should be closed, the monitor loop asks.

    camera_users.CameraUserWatch --set("camera", Pause)--+
    session_watch.SessionWatch   --set("locked", ...)----+--> PauseGate --reason()--> monitor
                                 --set("sleep", ...)-----+

Each watcher owns one key and sets it (a Pause) or clears it (None) from its own thread;
the monitor asks `reason()` between frames (a dict lookup under a lock) and, while
paused, once a second (monitor.PAUSE_TICK_S).
"""

from __future__ import annotations

import threading

from .core.pauses import Pause, winning_pause


class PauseGate:
    def __init__(self, busy_camera_pauses: bool = False) -> None:
        """`busy_camera_pauses`: no watcher can see who holds the camera (not Linux), so a
        camera that opens but stays busy is taken for a call (monitor.py)."""
        self.busy_camera_pauses = busy_camera_pauses
        self._reasons: dict[str, Pause] = {}
        self._lock = threading.Lock()

    def set(self, key: str, pause: Pause | None) -> None:
        """`key`'s reason to pause (None: it has none any more)."""
        with self._lock:
            if pause is None:
                self._reasons.pop(key, None)
            else:
                self._reasons[key] = pause

    def reason(self) -> Pause | None:
        with self._lock:
            return winning_pause(self._reasons.values())
