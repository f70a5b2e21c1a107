"""Where the posture history lives: one small store protocol, a SQLite file and a memory twin.

What is kept (never an image, never a landmark):
  minutes       one row per wall-clock minute (UTC epoch minute = unix time // 60): seconds
                present and slouched, the mean and worst severity of each kind of slouch
                (its reading as a fraction of its threshold: 1 = slouching), the view
  events        alerts, alerts held (not shown: the desktop's notifications were
                inhibited), movement reminders (repeat >= 1: the previous one was
                ignored), breaks taken
  spans         time ranges that grow while a state lasts ("heartbeat" merging, as in
                ActivityWatch): `present` (at the desk), `slouch` (with its worst posture)
                and `paused` (another app had the camera: neither present nor away)
  calibrations  when a baseline was recorded, in which view, from how many frames
  routines      each break routine (`posture-cam exercise`): when, how long, whether it
                finished, and per move the reps, hold time, or why it was skipped

Both backends (`MemoryStore` here, `SqliteStore` in history_sqlite.py) share the merge rules
below (pure functions), and one contract test suite (tests/test_history_store.py) runs
against each. Times are UTC epoch seconds. Pure: no file, no sqlite3 in this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Protocol, Sequence

from .readings import Readings

SECONDS_PER_MINUTE = 60
NAN = float("nan")


@dataclass(frozen=True)
class MinuteSummary:
    """One wall-clock minute. Severities: each reading over its threshold (NaN: none)."""

    minute: int  # UTC epoch minute: unix seconds // 60
    present_s: float  # at the desk (not away)
    slouched_s: float  # in a confirmed slouch
    measured_s: float  # present with a person detected: the weight of the means
    mean: Readings = field(default_factory=Readings)
    worst: Readings = field(default_factory=Readings)
    view: str = ""  # the view seen most during the minute: front / side / unknown

    @property
    def start_s(self) -> float:
        return float(self.minute * SECONDS_PER_MINUTE)


@dataclass(frozen=True)
class HistoryEvent:
    """A moment worth counting: kind is an `EventKind` value (alert, alert_held, break_due,
    break_taken)."""

    t_s: float
    kind: str
    duration_s: float = 0.0
    posture: str | None = None
    worst: float = NAN  # severity of the slouch at its worst
    repeat: int = 0


@dataclass(frozen=True)
class Span:
    """A state that lasted from start_s to end_s: kind `present`, `slouch` or `paused`."""

    kind: str
    start_s: float
    end_s: float
    posture: str | None = None
    worst: float = NAN

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class CalibrationRecord:
    t_s: float
    view: str
    n_frames: int
    image_width: int
    image_height: int
    source: str


@dataclass(frozen=True)
class RoutineMove:
    """One move of a recorded routine."""

    move: str  # e.g. "shoulder-squeeze"
    reps: int
    target_reps: int
    held_s: float = 0.0
    skipped: str = ""  # why it was not counted ('' when it was)


@dataclass(frozen=True)
class RoutineRecord:
    t_s: float  # when it started
    duration_s: float
    completed: bool  # finished with at least one move done in full: it counts as a break
    moves: tuple[RoutineMove, ...] = ()


# --- merge rules, shared by every backend ------------------------------------------------

def _wmean(a: float, wa: float, b: float, wb: float) -> float:
    if not math.isfinite(a) or wa <= 0:
        return b
    if not math.isfinite(b) or wb <= 0:
        return a
    return (a * wa + b * wb) / (wa + wb)


def _nanmax(a: float, b: float) -> float:
    if not math.isfinite(a):
        return b
    return a if not math.isfinite(b) else max(a, b)


def merge_minutes(old: MinuteSummary, new: MinuteSummary) -> MinuteSummary:
    """The same minute recorded twice (a monitor restarted within a minute): add them up.

    Times are capped at a minute, means are weighted by the measured seconds.
    """
    wo, wn = old.measured_s, new.measured_s
    return MinuteSummary(
        minute=old.minute,
        present_s=min(SECONDS_PER_MINUTE, old.present_s + new.present_s),
        slouched_s=min(SECONDS_PER_MINUTE, old.slouched_s + new.slouched_s),
        measured_s=min(SECONDS_PER_MINUTE, wo + wn),
        mean=old.mean.combine(new.mean, lambda a, b: _wmean(a, wo, b, wn)),
        worst=old.worst.combine(new.worst, _nanmax),
        view=old.view if old.present_s >= new.present_s else new.view,
    )


def merge_heartbeat(last: Span | None, beat: Span, pulsetime_s: float) -> Span | None:
    """The span `beat` extends `last` if it starts before `last` ends (+ pulsetime); else None.

    As in ActivityWatch's heartbeats: a state that goes on is one growing row, not a row
    per report. A beat with the same start is the same span reported again, so its end
    replaces the stored one (a slouch's end is only known exactly once it is over); the
    newest beat's posture wins, since a slouch's worst posture can change as it goes on.
    """
    if last is None or last.kind != beat.kind:
        return None
    if not last.start_s <= beat.start_s <= last.end_s + pulsetime_s:
        return None
    newer_worst = math.isfinite(beat.worst)
    same_span = beat.start_s == last.start_s
    return replace(last, end_s=beat.end_s if same_span else max(last.end_s, beat.end_s),
                   posture=beat.posture if beat.posture is not None else last.posture,
                   worst=beat.worst if newer_worst else last.worst)


# --- the protocol ------------------------------------------------------------------------

class HistoryStore(Protocol):
    """Append-mostly storage; every query takes a [start_s, end_s) range in epoch seconds."""

    def add_minutes(self, minutes: Sequence[MinuteSummary]) -> None:
        """Adds minute rows; a minute already stored is merged (`merge_minutes`)."""

    def add_events(self, events: Sequence[HistoryEvent]) -> None: ...

    def heartbeat(self, span: Span, pulsetime_s: float = 0.0) -> None:
        """Extends the latest span of that kind starting at or before `span` if they touch,
        else adds `span` (`merge_heartbeat`)."""

    def add_calibration(self, record: CalibrationRecord) -> None: ...

    def commit(self) -> None:
        """Makes everything added so far durable."""

    def minutes(self, start_s: float, end_s: float) -> list[MinuteSummary]: ...

    def events(self, start_s: float, end_s: float) -> list[HistoryEvent]: ...

    def spans(self, start_s: float, end_s: float, kind: str | None = None) -> list[Span]:
        """Spans overlapping the range, by start time."""

    def calibrations(self, start_s: float, end_s: float) -> list[CalibrationRecord]: ...

    def add_routine(self, record: RoutineRecord) -> None: ...

    def routines(self, start_s: float, end_s: float) -> list[RoutineRecord]:
        """Routines started in the range, by start time."""

    def close(self) -> None: ...


def _overlaps(span: Span, start_s: float, end_s: float) -> bool:
    return span.start_s < end_s and span.end_s >= start_s


class MemoryStore:
    """The store in a few lists: the reference the SQLite store is tested against."""

    def __init__(self) -> None:
        self._minutes: dict[int, MinuteSummary] = {}
        self._events: list[HistoryEvent] = []
        self._spans: list[Span] = []
        self._calibrations: list[CalibrationRecord] = []
        self._routines: list[RoutineRecord] = []

    def add_minutes(self, minutes: Sequence[MinuteSummary]) -> None:
        for row in minutes:
            old = self._minutes.get(row.minute)
            self._minutes[row.minute] = row if old is None else merge_minutes(old, row)

    def add_events(self, events: Sequence[HistoryEvent]) -> None:
        self._events.extend(events)

    def heartbeat(self, span: Span, pulsetime_s: float = 0.0) -> None:
        candidates = [i for i, s in enumerate(self._spans)
                      if s.kind == span.kind and s.start_s <= span.start_s]
        index = max(candidates, key=lambda i: (self._spans[i].start_s, i), default=None)
        merged = merge_heartbeat(None if index is None else self._spans[index], span, pulsetime_s)
        if merged is None:
            self._spans.append(span)
        else:
            self._spans[index] = merged  # type: ignore[index]

    def add_calibration(self, record: CalibrationRecord) -> None:
        self._calibrations.append(record)

    def commit(self) -> None:
        pass

    def minutes(self, start_s: float, end_s: float) -> list[MinuteSummary]:
        return [m for k, m in sorted(self._minutes.items()) if start_s <= m.start_s < end_s]

    def events(self, start_s: float, end_s: float) -> list[HistoryEvent]:
        return sorted((e for e in self._events if start_s <= e.t_s < end_s), key=lambda e: e.t_s)

    def spans(self, start_s: float, end_s: float, kind: str | None = None) -> list[Span]:
        return sorted((s for s in self._spans if (kind is None or s.kind == kind)
                       and _overlaps(s, start_s, end_s)), key=lambda s: s.start_s)

    def calibrations(self, start_s: float, end_s: float) -> list[CalibrationRecord]:
        return sorted((c for c in self._calibrations if start_s <= c.t_s < end_s),
                      key=lambda c: c.t_s)

    def add_routine(self, record: RoutineRecord) -> None:
        self._routines.append(record)

    def routines(self, start_s: float, end_s: float) -> list[RoutineRecord]:
        return sorted((r for r in self._routines if start_s <= r.t_s < end_s),
                      key=lambda r: r.t_s)

    def close(self) -> None:
        pass
