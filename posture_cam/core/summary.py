"""Statistics of the posture history, computed on read by pure functions.

The store keeps facts (minutes, spans, events); every number a report shows is derived
here from what a query returned, so a new statistic never needs a schema change.
Days are local calendar days; the store's times are UTC epoch seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Sequence

from .events import EventKind
from .history_store import (SECONDS_PER_MINUTE, HistoryEvent, HistoryStore, MinuteSummary,
                            RoutineRecord, Span)
from .readings import Readings


@dataclass(frozen=True)
class Streak:
    """A stretch of sitting without a break, in epoch seconds."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Summary:
    """What a report says about one period (a day, a week)."""

    start_s: float
    end_s: float
    present_s: float
    slouched_s: float
    slouches: int
    longest_slouch_s: float
    alerts: int
    break_reminders: int
    reminders_ignored: int
    breaks_taken: int
    streaks: tuple[Streak, ...]
    mean_severity: Readings  # each kind's mean reading over its threshold
    routines: int = 0  # break routines finished (`posture-cam exercise`)
    alerts_held: int = 0  # posture alerts not shown: notifications were inhibited

    @property
    def upright_share(self) -> float:
        """Share of the time at the desk not spent slouching; NaN with no time at the desk."""
        return upright_share_of(self.present_s, self.slouched_s)

    @property
    def longest_streak(self) -> Streak | None:
        return max(self.streaks, key=lambda s: s.duration_s, default=None)

    @property
    def empty(self) -> bool:
        return self.present_s <= 0 and not self.streaks and not self.routines


def upright_share_of(present_s: float, slouched_s: float) -> float:
    return 1.0 - slouched_s / present_s if present_s > 0 else math.nan


def present_seconds(minutes: Sequence[MinuteSummary]) -> float:
    return sum(m.present_s for m in minutes)


def slouched_seconds(minutes: Sequence[MinuteSummary]) -> float:
    return sum(m.slouched_s for m in minutes)


def clip(spans: Sequence[Span], start_s: float, end_s: float) -> list[Span]:
    """The parts of `spans` inside [start_s, end_s) (a slouch over midnight counts twice)."""
    out = []
    for s in spans:
        a, b = max(s.start_s, start_s), min(s.end_s, end_s)
        if b > a:
            out.append(Span(s.kind, a, b, s.posture, s.worst))
    return out


def recorded_only(spans: Sequence[Span], minutes: Sequence[MinuteSummary]) -> list[Span]:
    """The parts of `spans` inside minutes that were recorded.

    Spans are written as they grow, minutes when they close, so a killed monitor leaves
    spans reaching into minutes that never came. Cutting spans to the recorded minutes
    makes every figure of a summary come from the same stretch of time: no slouch, no
    streak where the minutes say nobody sat."""
    covered: list[tuple[float, float]] = []
    for m in sorted(minutes, key=lambda m: m.minute):
        start = m.start_s
        if covered and covered[-1][1] >= start:
            covered[-1] = (covered[-1][0], start + SECONDS_PER_MINUTE)
        else:
            covered.append((start, start + SECONDS_PER_MINUTE))
    return [piece for a, b in covered for piece in clip(spans, a, b)]


def longest_slouch_s(slouches: Sequence[Span]) -> float:
    return max((s.duration_s for s in slouches), default=0.0)


def count_events(events: Sequence[HistoryEvent], kind: EventKind, min_repeat: int = 0) -> int:
    return sum(1 for e in events if e.kind == kind.value and e.repeat >= min_repeat)


def sitting_streaks(present: Sequence[Span], break_gap_s: float) -> list[Streak]:
    """Presence spans joined across absences shorter than a break.

        present  |=====|  |======|          |=====|
        gap            <2m>       <-- >= 2 m -->
        streaks  |===============|          |=====|
    """
    streaks: list[Streak] = []
    for span in sorted(present, key=lambda s: s.start_s):
        if streaks and span.start_s - streaks[-1].end_s < break_gap_s:
            last = streaks[-1]
            streaks[-1] = Streak(last.start_s, max(last.end_s, span.end_s))
        else:
            streaks.append(Streak(span.start_s, span.end_s))
    return streaks


def mean_severity(minutes: Sequence[MinuteSummary]) -> Readings:
    """Each kind's mean severity, weighted by measured time (NaN where never measured)."""
    def mean_of(name: str) -> float:
        pairs = [(getattr(m.mean, name), m.measured_s) for m in minutes
                 if math.isfinite(getattr(m.mean, name)) and m.measured_s > 0]
        weight = sum(w for _, w in pairs)
        return sum(v * w for v, w in pairs) / weight if weight > 0 else math.nan

    return Readings.of(mean_of)


def summarize(minutes: Sequence[MinuteSummary], events: Sequence[HistoryEvent],
              spans: Sequence[Span], start_s: float, end_s: float,
              break_gap_s: float) -> Summary:
    """The summary of [start_s, end_s) from what the store returned for that range."""
    minutes = [m for m in minutes if start_s <= m.start_s < end_s]
    events = [e for e in events if start_s <= e.t_s < end_s]
    spans = recorded_only(clip(spans, start_s, end_s), minutes)
    slouches = [s for s in spans if s.kind == "slouch"]
    present = [s for s in spans if s.kind == "present"]
    return Summary(
        start_s=start_s, end_s=end_s,
        present_s=present_seconds(minutes), slouched_s=slouched_seconds(minutes),
        slouches=len(slouches), longest_slouch_s=longest_slouch_s(slouches),
        alerts=count_events(events, EventKind.ALERT),
        alerts_held=count_events(events, EventKind.ALERT_HELD),
        break_reminders=count_events(events, EventKind.BREAK_DUE),
        reminders_ignored=count_events(events, EventKind.BREAK_DUE, min_repeat=1),
        breaks_taken=count_events(events, EventKind.BREAK_TAKEN),
        streaks=tuple(sitting_streaks(present, break_gap_s)),
        mean_severity=mean_severity(minutes),
    )


# --- periods (local time) ----------------------------------------------------------------

def day_bounds(day: date) -> tuple[float, float]:
    """Epoch seconds of local midnight at the start and end of `day` (DST-safe)."""
    start = datetime.combine(day, time()).astimezone()
    end = datetime.combine(day + timedelta(days=1), time()).astimezone()
    return start.timestamp(), end.timestamp()


def week_days(last_day: date) -> list[date]:
    """The seven days ending with `last_day`, oldest first."""
    return [last_day - timedelta(days=i) for i in range(6, -1, -1)]


@dataclass(frozen=True)
class Period:
    """What a report needs of a period: the rows and their summary."""

    summary: Summary
    minutes: tuple[MinuteSummary, ...]
    events: tuple[HistoryEvent, ...]
    spans: tuple[Span, ...]
    routines: tuple[RoutineRecord, ...] = ()


def load_period(store: HistoryStore, start_s: float, end_s: float,
                break_gap_s: float) -> Period:
    """`break_gap_s`: an absence this long ends a sitting streak (`breaks.away_reset_s`)."""
    minutes = store.minutes(start_s, end_s)
    events = store.events(start_s, end_s)
    spans = store.spans(start_s, end_s)
    routines = store.routines(start_s, end_s)
    summary = summarize(minutes, events, spans, start_s, end_s, break_gap_s)
    summary = replace(summary, routines=sum(r.completed for r in routines))
    return Period(summary, tuple(minutes), tuple(events), tuple(spans), tuple(routines))
