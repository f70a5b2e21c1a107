"""Snooze and resume from another terminal while the monitor runs.

A tiny JSON file in the user's state directory holds the wall-clock time until which
alerts are snoozed. `posture-cam snooze 30` writes it, `posture-cam resume` removes it,
and the running monitor re-reads it only when its modification time changes.
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path
from typing import Callable

from .storage import atomic_write_text

log = logging.getLogger(__name__)


def write_snooze(path: Path, until_epoch_s: float) -> None:
    # atomic: the monitor never reads half a file
    atomic_write_text(path, json.dumps({"snooze_until_epoch_s": until_epoch_s}))


def clear_snooze(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def read_snooze(path: Path) -> float:
    """Epoch seconds until which alerts are snoozed (0 = not snoozed); a damaged file is
    ignored with a warning, since the worst outcome is one alert too many."""
    try:
        data = json.loads(path.read_text())
        until = float(data["snooze_until_epoch_s"])
        if not math.isfinite(until):
            raise ValueError(f"snooze_until_epoch_s is {until}")
        return until
    except FileNotFoundError:
        return 0.0
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring damaged snooze file %s (%s); run `posture-cam resume`", path, exc)
        return 0.0


class SnoozeWatch:
    """Answers "are alerts snoozed now?" cheaply: one stat() per call, a read on change.

    A snooze is wall-clock time (the user said "for 30 minutes"), unlike the frame time
    that drives every other timer, so the clock is injectable for tests.
    """

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._stamp: tuple[int, int, int] | None = None
        self._until = 0.0

    def snoozed(self) -> bool:
        try:
            st = self.path.stat()
            stamp: tuple[int, int, int] | None = (st.st_mtime_ns, st.st_ino, st.st_size)
        except OSError:  # absent (resumed), or the state dir is unreadable: not snoozed
            stamp = None
        if stamp != self._stamp:
            self._stamp = stamp
            self._until = read_snooze(self.path) if stamp is not None else 0.0
        return self._clock() < self._until

    @property
    def until_epoch_s(self) -> float:
        """When the current snooze ends (as of the last `snoozed()` call; 0 = none)."""
        return self._until

    def remaining_s(self) -> float:
        return max(0.0, self._until - self._clock()) if self.snoozed() else 0.0
