"""What a finished break routine leaves behind: a history row, and word to a running monitor.

The monitor and `posture-cam exercise` are separate processes. A finished routine writes a
tiny JSON file in the state folder (like the snooze file, control.py); the monitor checks
its modification time once a frame (one stat()) and, when it changes, restarts the sitting
timer: the routine was the break. A file that was there before the monitor started is old
news and is ignored.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

from typing import TYPE_CHECKING

from .core.errors import UserError
from .core.history_store import RoutineMove, RoutineRecord
from .core.routine import MoveResult
from .storage import atomic_write_text

if TYPE_CHECKING:
    from .exercise import RoutineOutcome

log = logging.getLogger(__name__)


def routine_record(start_epoch_s: float, duration_s: float, completed: bool,
                   results: list[MoveResult]) -> RoutineRecord:
    return RoutineRecord(start_epoch_s, duration_s, completed, tuple(
        RoutineMove(r.move, r.reps, r.target_reps, round(r.held_s, 1), r.skipped)
        for r in results))


def leave_record(outcome: RoutineOutcome, history: Path | None, routine_file: Path) -> None:
    """The history row (when there is a history) and, for a routine that counts as a
    break, word to a running monitor."""
    from .exercise import wall_clock_start

    routine = outcome.routine
    record = routine_record(wall_clock_start(routine.duration_s), routine.duration_s,
                            outcome.completed, routine.results)
    if outcome.completed:
        signal_routine_done(routine_file, record.t_s + record.duration_s, record.duration_s)
    if history is not None:
        try:
            record_routine(history, record)
        except UserError as exc:  # the break counts all the same; the history is a bonus
            log.warning("routine done, but not recorded in the history: %s", exc)


def record_routine(history: Path, record: RoutineRecord) -> None:
    from .history_sqlite import write_once

    write_once(history, lambda store: store.add_routine(record))


def signal_routine_done(path: Path, end_epoch_s: float, duration_s: float) -> None:
    atomic_write_text(path, json.dumps({"finished_epoch_s": end_epoch_s,
                                        "duration_s": duration_s}))


class RoutineWatch:
    """`poll()`: the length of a routine finished since the last call (None: none)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = self._current()  # what was there at start is not news

    def _current(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_ino, st.st_size)

    def poll(self) -> float | None:
        stamp = self._current()
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        if stamp is None:
            return None
        try:
            duration = float(json.loads(self.path.read_text())["duration_s"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring damaged routine file %s (%s)", self.path, exc)
            return None
        return duration if math.isfinite(duration) else 0.0
