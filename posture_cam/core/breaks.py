"""The movement-break timer: how long the user has been sitting, driven by frame time.

Presence comes from the slouch detector's debounced away state, so a frame where the
model loses the user is not an absence. An absence of `away_reset_s` or more is a break
and restarts the sitting clock; shorter ones (fetching a coffee cup) do not. A reminder
that is ignored is repeated every `repeat_min`, never every frame; none comes while the
user is away.

    sitting --(sitting_min at the desk)--> BREAK_DUE --(every repeat_min)--> BREAK_DUE ...
       ^                                                                        |
       +----------- BREAK_TAKEN <-- back after an absence of >= away_reset_s <--+
       +----------- BREAK_TAKEN <-- a break routine finished (`take_break`) <---+

A break routine (`posture-cam exercise`) is done at the desk, so no absence shows it: the
monitor hears of it from the routine's file (routine_record.py) and calls `take_break`.
"""

from __future__ import annotations

from typing import Iterable

from .settings import BreakConfig
from .events import Event, EventKind


class SittingTimer:
    def __init__(self, config: BreakConfig | None = None) -> None:
        self.config = config or BreakConfig()
        self._sitting_since: float | None = None
        self._away_since: float | None = None
        self._last_reminder_t: float | None = None
        self._reminders = 0

    def mark_break_taken(self, t_s: float) -> None:
        """The user says they moved ("Done" on a reminder): the sitting clock restarts."""
        self._sitting_since = t_s
        self._away_since = None
        self._last_reminder_t = None
        self._reminders = 0

    def sitting_s(self, t_s: float) -> float:
        return 0.0 if self._sitting_since is None else t_s - self._sitting_since

    def take_break(self, t_s: float, duration_s: float = 0.0) -> list[Event]:
        """A break taken at the desk (a finished routine): the sitting clock restarts now."""
        if not self.config.enabled or self._sitting_since is None:
            return []
        self._sitting_since = t_s
        self._last_reminder_t = None
        self._reminders = 0
        return [Event(EventKind.BREAK_TAKEN, t_s, duration_s=duration_s,
                      detail="a break routine")]

    def update(self, t_s: float, present: bool,
               detector_events: Iterable[Event] = ()) -> list[Event]:
        """Advances to frame time `t_s`.

        `detector_events` are the slouch detector's events of this frame: the detector
        declares an absence only `away_after_s` after the user was last seen, and its
        AWAY_START carries that earlier time, so the absence is measured from there.
        """
        if not self.config.enabled:
            return []
        if not present:
            if self._away_since is None:
                self._away_since = next((e.t_s for e in detector_events
                                         if e.kind is EventKind.AWAY_START), t_s)
            return []
        events: list[Event] = []
        if self._away_since is not None:
            away = t_s - self._away_since
            self._away_since = None
            if self._sitting_since is not None and away >= self.config.away_reset_s:
                events.append(Event(EventKind.BREAK_TAKEN, t_s, duration_s=away))
                self._sitting_since = None
        if self._sitting_since is None:
            self._sitting_since = t_s
            self._last_reminder_t = None
            self._reminders = 0
        sitting = t_s - self._sitting_since
        due = sitting >= self.config.sitting_min * 60
        repeat_due = (self._last_reminder_t is None
                      or t_s - self._last_reminder_t >= self.config.repeat_min * 60)
        if due and repeat_due:
            events.append(Event(EventKind.BREAK_DUE, t_s, duration_s=sitting,
                                repeat=self._reminders))
            self._reminders += 1
            self._last_reminder_t = t_s
        return events
