"""Recording the posture history: a monitor sink that turns frames into minutes and spans.

    StepResult (per frame) --HistoryRecorder--> MinuteSummary rows, Spans, HistoryEvents
                                                --> HistoryStore (history_store.py,
                                                    SQLite in history_sqlite.py)

Frame time becomes wall time once: wall = origin_epoch_s + (t_s - first frame's t_s), since
a camera stamps frames with the monotonic clock and a video from 0. Each frame lasts until
the next one, capped at twice the usual step, so a stall or a camera gap is not presence.
The disk is touched when a minute closes and on events that matter (alerts, reminders,
breaks, the end of a slouch), so a killed monitor loses at most the current minute.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import statistics
import time
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .core.decision import State
from .core.errors import UserError
from .core.events import Event, EventKind
from .history_outbox import HistoryOutbox
from .history_sqlite import (HistoryUnwritable, explain_failure, open_history,
                             open_history_for_writing, write_once)
from .core.readings import Readings
from .core.history_store import (
    SECONDS_PER_MINUTE, CalibrationRecord, HistoryEvent, HistoryStore, MinuteSummary, Span,
)

if TYPE_CHECKING:
    from .core.calibration import Baseline
    from .core.pauses import Pause
    from .core.pipeline import StepResult

log = logging.getLogger(__name__)

# Twice the threshold is a clear slouch; beyond it a minute's mean would only say how
# extreme one stretch was, so severities are capped there before averaging.
SEVERITY_CAP = 2.0
STEP_CAP_FACTOR = 2.0  # a frame counts for at most this many usual steps
PAUSED_WRITE_EVERY_S = 10.0  # a long pause's span is written this often, not every second
RECENT_STEPS = 15  # how many frame intervals the "usual step" is the median of
_RECORDED_EVENTS = (EventKind.ALERT, EventKind.BREAK_DUE, EventKind.BREAK_TAKEN)
_FLUSH_ON = _RECORDED_EVENTS + (EventKind.SLOUCH_END,)
_SLOUCHED = (State.SLOUCHING, State.ALERTED)


@dataclass
class _Bucket:
    """The minute being filled: sums that become a MinuteSummary when it closes."""

    minute: int
    present_s: float = 0.0
    slouched_s: float = 0.0
    measured_s: float = 0.0
    sums: Readings = field(default_factory=lambda: Readings().map(lambda _: 0.0))
    weights: Readings = field(default_factory=lambda: Readings().map(lambda _: 0.0))
    worst: Readings = field(default_factory=Readings)
    view_s: dict[str, float] = field(default_factory=dict)

    def add(self, seconds: float, present: bool, slouched: bool, seen: bool,
            severity: Readings, view: str) -> None:
        if not present:
            return
        self.present_s += seconds
        self.slouched_s += seconds if slouched else 0.0
        if not seen:
            return
        self.measured_s += seconds
        self.view_s[view] = self.view_s.get(view, 0.0) + seconds
        severity = severity.map(lambda v: min(v, SEVERITY_CAP))
        measured = severity.map(lambda v: 1.0 if math.isfinite(v) else 0.0)
        self.sums = self.sums.combine(severity, lambda total, v: total + v * seconds
                                      if math.isfinite(v) else total)
        self.weights = self.weights.combine(measured, lambda w, m: w + m * seconds)
        # NaN (nothing yet) or a new worst
        self.worst = self.worst.combine(severity, lambda w, v: v if not w >= v else w)

    def summary(self) -> MinuteSummary:
        means = self.sums.combine(self.weights, lambda s, w: s / w if w > 0 else math.nan)
        view = max(self.view_s, key=self.view_s.__getitem__) if self.view_s else ""
        return MinuteSummary(self.minute, round(self.present_s, 3), round(self.slouched_s, 3),
                             round(self.measured_s, 3), means, self.worst, view)


@dataclass(frozen=True)
class _Frame:
    """What the recorder keeps of a frame until it knows how long the frame lasted."""

    wall_s: float
    present: bool
    slouched: bool
    seen: bool
    severity: Readings
    view: str


class HistoryRecorder:
    """A monitor sink (`handle(result)`, `close()`) that records into a HistoryStore."""

    def __init__(self, path: Path | None, origin_epoch_s: float | None, *,
                 store: HistoryStore | None = None, tell: Callable[[str], None] | None = None,
                 start_unwritable: bool = False,
                 held: Callable[[Event], bool] | None = None) -> None:
        """`origin_epoch_s` is the wall-clock time of the first result; None = the moment
        it arrives (a live camera, whose first frame comes after the model has loaded).
        `held(event)` says whether an alert was held instead of shown (Alerter.was_held,
        which must handle each result first): it is recorded as `alert_held`.

        The file is opened and test-written now, so a damaged, foreign, read-only or full
        one is refused before any work; with `start_unwritable` (the monitor) a history that
        merely cannot be written yet is retried later instead (history_outbox.py), and
        `tell` reaches the user once about it."""
        if store is None:
            if path is None:
                raise ValueError("HistoryRecorder needs a path or a store")
            where = Path(path)
            try:
                store = open_history_for_writing(where)
            except HistoryUnwritable as exc:
                if not start_unwritable:
                    raise
                store = None
                problem: str | None = exc.message
            else:
                problem = None
            self.store = HistoryOutbox(lambda: open_history_for_writing(where), str(where),
                                       tell=tell, store=store)
            if problem is not None:
                self.store.note_failure(problem)
        else:
            given = store
            self.store = HistoryOutbox(lambda: given, "history", tell=tell, store=given)
        self.origin_epoch_s = origin_epoch_s
        self.held = held
        self._t0: float | None = None
        self._pending: _Frame | None = None
        self._steps: deque[float] = deque(maxlen=RECENT_STEPS)
        self._buckets: dict[int, _Bucket] = {}
        self._present: Span | None = None
        self._slouch: Span | None = None
        self._events: list[HistoryEvent] = []
        self._unsure: list[tuple[_Frame, float]] = []
        self._paused: Span | None = None  # the camera closed for another app (a call)
        self._paused_written_s = -math.inf
        self._closed = False

    def wall(self, t_s: float) -> float:
        assert self._t0 is not None and self.origin_epoch_s is not None
        return self.origin_epoch_s + (t_s - self._t0)

    def handle(self, result: StepResult) -> None:
        s = result.sample
        if self._t0 is None:
            self._t0 = s.t_s
            if self.origin_epoch_s is None:
                self.origin_epoch_s = time.time()
        frame = _Frame(self.wall(s.t_s), result.state is not State.AWAY,
                       result.state in _SLOUCHED, s.person_seen,
                       s.severity, s.view.value)
        if self._pending is not None:
            self._settle(self._pending, self._duration(frame.wall_s - self._pending.wall_s))
        self._pending = frame
        flush = False
        for event in result.events:
            self._on_event(event, frame.wall_s)
            flush = flush or event.kind in _FLUSH_ON
        if flush:
            self._flush(frame.wall_s)

    def paused(self, pause: Pause | None, t_s: float, events: tuple[Event, ...] = ()) -> None:
        """The monitor closed the camera for `pause` at frame time `t_s` (None: it is over,
        with `events` such as the end of a slouch interrupted by the pause).

        A pause that is not an absence (another app has the camera: a call) is neither
        present nor away: no minute counts it, a `paused` span records it. An away pause
        (locked screen) needs nothing here: it comes as frames without a person."""
        if pause is None or pause.away:
            self._end_pause()
            if events and self._t0 is not None:
                for event in events:
                    self._on_event(event, self.wall(t_s))
                self._flush(self.wall(t_s))
            return
        if self._t0 is None:
            self._t0 = t_s
            if self.origin_epoch_s is None:
                self.origin_epoch_s = time.time()
        at = self.wall(t_s)
        if self._paused is None:
            if self._pending is not None:  # the last frame lasted until the pause at most
                self._settle(self._pending, self._duration(at - self._pending.wall_s))
                self._pending = None
            self._resolve_unsure(left=False)
            self._paused = Span("paused", at, at)
        else:
            self._paused = replace(self._paused, end_s=max(self._paused.end_s, at))
        if at - self._paused_written_s >= PAUSED_WRITE_EVERY_S:
            self._paused_written_s = at
            self.store.heartbeat(self._paused)
            self._flush(at)

    def _end_pause(self) -> None:
        if self._paused is not None:
            self.store.heartbeat(self._paused)
            self.store.commit()
            self._paused = None
            self._paused_written_s = -math.inf

    def close(self) -> None:
        """Records the partial minute and open spans; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._end_pause()
        end_s = None
        if self._pending is not None:
            usual = statistics.median(self._steps) if self._steps else 0.0
            self._settle(self._pending, usual)
            end_s = self._pending.wall_s + usual
            self._pending = None
        self._resolve_unsure(left=False)  # the detector had not decided: it said "present"
        self._flush(end_s, everything=True)
        self.store.close()

    # --- accounting --------------------------------------------------------------------

    def _duration(self, step_s: float) -> float:
        if step_s <= 0:
            return 0.0
        cap = STEP_CAP_FACTOR * statistics.median(self._steps) if self._steps else step_s
        self._steps.append(step_s)
        return min(step_s, cap)

    def _settle(self, frame: _Frame, seconds: float) -> None:
        """Accounts a frame whose duration is now known.

        A frame without a person while the detector still says "present" is unsure: the
        detector declares an absence only `away_after_s` later, dated back to the last
        sighting (AWAY_START). Such frames wait (a few seconds) until the next sighting
        makes them a dropout, or the away state makes them part of the absence.
        """
        if frame.present and not frame.seen:
            self._unsure.append((frame, seconds))
            return
        self._resolve_unsure(left=not frame.present)
        self._account(frame, seconds)

    def _resolve_unsure(self, left: bool) -> None:
        for frame, seconds in self._unsure:
            self._account(replace(frame, present=False, slouched=False) if left else frame,
                          seconds)
        self._unsure = []

    def _account(self, frame: _Frame, seconds: float) -> None:
        """Spreads the frame's time over the minutes it covers; closes finished minutes."""
        start, end = frame.wall_s, frame.wall_s + seconds
        t = start
        while t < end:
            minute = int(t // SECONDS_PER_MINUTE)
            piece_end = min(end, (minute + 1) * SECONDS_PER_MINUTE)
            bucket = self._buckets.setdefault(minute, _Bucket(minute))
            bucket.add(piece_end - t, frame.present, frame.slouched, frame.seen, frame.severity,
                       frame.view)
            t = piece_end
        contiguous = self._present is not None and start <= self._present.end_s + 1e-6
        if self._present is not None and not (frame.present and contiguous):
            self.store.heartbeat(self._present)  # away, or a gap in the frames
            self._present = None
        if frame.present:
            self._present = Span("present", self._present.start_s if self._present else start,
                                 end)
        if self._slouch is not None:
            self._slouch = Span("slouch", self._slouch.start_s, max(self._slouch.end_s, end),
                                self._slouch.posture, self._slouch.worst)
        if any((m + 1) * SECONDS_PER_MINUTE <= end for m in self._buckets):
            self._flush(end)

    def _on_event(self, event: Event, now_s: float) -> None:
        at = self.wall(event.t_s)
        posture = event.posture.value if event.posture is not None else None
        if event.kind is EventKind.SLOUCH_START:
            self._slouch = Span("slouch", at, now_s, posture, event.worst)
        elif event.kind is EventKind.SLOUCH_END:
            start = self._slouch.start_s if self._slouch is not None else at - event.duration_s
            self.store.heartbeat(Span("slouch", start, at, posture, event.worst))
            self._slouch = None
        elif event.kind is EventKind.ALERT and self._slouch is not None:
            self._slouch = Span("slouch", self._slouch.start_s, max(self._slouch.end_s, now_s),
                                posture, event.worst)
        if event.kind in _RECORDED_EVENTS:
            kind = (EventKind.ALERT_HELD if event.kind is EventKind.ALERT
                    and self.held is not None and self.held(event) else event.kind)
            self._events.append(HistoryEvent(at, kind.value, event.duration_s, posture,
                                             event.worst, event.repeat))

    def _flush(self, now_s: float | None, everything: bool = False) -> None:
        """Writes closed minutes (all of them if `everything`), events and open spans."""
        if self._unsure and now_s is not None:
            now_s = min(now_s, self._unsure[0][0].wall_s)  # those minutes are not over yet
        done = [m for m in sorted(self._buckets)
                if everything or (now_s is not None and (m + 1) * SECONDS_PER_MINUTE <= now_s)]
        self.store.add_minutes([self._buckets.pop(m).summary() for m in done])
        if self._events:
            self.store.add_events(self._events)
            self._events = []
        for span in (self._present, self._slouch):
            if span is not None:
                self.store.heartbeat(span)
        self.store.commit()


def record_calibration(path: Path, baseline: Baseline) -> None:
    """Notes in the history that the user calibrated (view and frame count, no image)."""
    try:
        t_s = datetime.fromisoformat(baseline.created_utc).timestamp()
    except ValueError:
        t_s = datetime.now(timezone.utc).timestamp()
    record = CalibrationRecord(t_s, baseline.view.value, baseline.n_frames,
                               baseline.image_width, baseline.image_height, baseline.source)
    write_once(Path(path), lambda store: store.add_calibration(record))


def prune_history(path: Path, keep_days: int, now_s: float | None = None) -> int:
    """Deletes minutes older than `keep_days` (history.keep_days) when the monitor starts;
    a history that cannot be opened now is left for the recorder to report."""
    if not Path(path).exists():
        return 0
    before_s = (time.time() if now_s is None else now_s) - keep_days * 86400
    try:
        store = open_history(Path(path))
    except UserError:
        return 0
    try:
        deleted = store.prune(before_s)
    except sqlite3.Error as exc:
        store.discard()
        log.warning("old history not pruned: %s", explain_failure(Path(path), exc))
        return 0
    store.close()
    if deleted:
        log.info("history: %d minutes older than %d days deleted (history.keep_days)",
                 deleted, keep_days)
    return deleted


def check_history(path: Path) -> str:
    """For `doctor`: opens an existing history (validating it) and proves it can be
    written, without creating one; a new one's folder must take a file."""
    from .storage import write_problem

    path = Path(path)
    if not path.exists():
        folder = next((p for p in path.parents if p.exists()), path.parent)
        problem = write_problem(folder / path.name) if folder == path.parent else (
            None if os.access(folder, os.W_OK) else "permission denied")
        if problem is not None:
            raise HistoryUnwritable(f"cannot create history {path}: {problem}")
        return f"{path} (not created yet: the monitor starts it)"
    open_history_for_writing(path).close()
    return f"{path} opens and can be written"
