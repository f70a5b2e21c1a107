"""Snooze and resume from another terminal while the monitor runs.

A tiny JSON file in the user's state directory holds the wall-clock time until which
alerts are snoozed. `posture-cam snooze 30` writes it, `posture-cam resume` removes it,
and the running monitor re-reads it only when its modification time changes.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)


def write_snooze(path: Path, until_epoch_s: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    with os.fdopen(fd, "w") as f:
        json.dump({"snooze_until_epoch_s": until_epoch_s}, f)
    os.replace(tmp, path)


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
        return float(data["snooze_until_epoch_s"])
    except FileNotFoundError:
        return 0.0
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring damaged snooze file %s (%s); run `posture-cam resume`", path, exc)
        return 0.0


class SnoozeWatch:
    """Answers "are alerts snoozed now?" cheaply: one stat() per call, a read on change."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._mtime: float | None = None
        self._until = 0.0

    def snoozed(self) -> bool:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if mtime != self._mtime:
            self._mtime = mtime
            self._until = read_snooze(self.path) if mtime is not None else 0.0
        return self._clock() < self._until

    def remaining_s(self) -> float:
        return max(0.0, self._until - self._clock()) if self.snoozed() else 0.0
