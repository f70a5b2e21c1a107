"""From per-frame readings to "this slouch has lasted too long": a time-driven state machine.

                 person seen                    over a threshold for onset_s
      AWAY  ------------------->  UPRIGHT  -------------------------------->  SLOUCHING
        ^   <-------------------    ^   <--------------------------------      |
        |    nobody for away_after_s |    every reading under (1 - hysteresis)  | slouched alert_after_s
        |                            |    x its threshold for recovery_s        v (and cool-down over)
        +------------------------------------------------------------------  ALERTED
                    nobody for away_after_s (from any state)               (re-alerts after cooldown_s)

"Slouched" time is time over the release level (1 - hysteresis); stretches of recovery
inside a slouch do not count toward an alert. Time is an input (`sample.t_s`), so a test
replays an hour of samples in milliseconds.
Frames with low confidence hold the current state: they neither start nor end a slouch.
The detector sees only severities (each reading over its threshold), never units or views.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .analyzer import PostureSample
from .settings import SlouchConfig
from .events import Event, EventKind, Posture


# Sitting down (back at the desk, or when the monitor starts) takes a moment: readings
# over a threshold in these first seconds do not count toward a slouch.
SETTLE_S = 8.0


class State(str, enum.Enum):
    AWAY = "away"
    UPRIGHT = "upright"
    SLOUCHING = "slouching"
    ALERTED = "alerted"


@dataclass(frozen=True)
class Decision:
    """What one frame decided: the state after it, its events, and whether the frame on
    its own looked slouched (trusted and over a threshold, before any timing)."""

    state: State
    events: tuple[Event, ...]
    looks_slouched: bool


class SlouchDetector:
    def __init__(self, config: SlouchConfig | None = None) -> None:
        self.config = config or SlouchConfig()
        self.state = State.AWAY
        self._last_seen_t: float | None = None
        self._away_since: float | None = None
        self._over_since: float | None = None
        self._under_since: float | None = None
        self._slouch_start: float | None = None
        self._last_alert_t: float | None = None
        self._alerts_this_slouch = 0
        self._worst: tuple[Posture, float] = (Posture.HEAD_FORWARD, 0.0)
        # Time actually spent slouched in this slouch: stretches of recovery in between
        # (a glance down, back up, and down again) do not add up to an alert.
        self._slouched_s = 0.0
        self._slouched_until: float | None = None
        self._settled_at = 0.0

    @property
    def slouching(self) -> bool:
        return self.state in (State.SLOUCHING, State.ALERTED)

    def looks_slouched(self, sample: PostureSample) -> bool:
        """This frame alone looks slouched and is trusted enough to count (no timing)."""
        return (sample.person_seen and sample.confidence >= self.config.min_confidence
                and sample.worst_severity >= 1.0)

    def _is_under(self, s: PostureSample) -> bool:
        return s.severity.all_under(1.0 - self.config.hysteresis_ratio)

    def update(self, sample: PostureSample) -> Decision:
        """Advances to the sample's time: the events it caused and the state it left."""
        looks = self.looks_slouched(sample)
        events = self._advance(sample)
        return Decision(self.state, tuple(events), looks)

    def _advance(self, sample: PostureSample) -> list[Event]:
        t = sample.t_s
        events: list[Event] = []
        if not sample.person_seen:
            if (self.state is not State.AWAY and self._last_seen_t is not None
                    and t - self._last_seen_t >= self.config.away_after_s):
                events += self._end_slouch(self._last_seen_t)
                self.state = State.AWAY
                self._away_since = self._last_seen_t
                events.append(Event(EventKind.AWAY_START, self._last_seen_t))
            return events

        self._last_seen_t = t
        if self.state is State.AWAY:
            self._settled_at = t + SETTLE_S
            if self._away_since is not None:
                events.append(Event(EventKind.AWAY_END, t, duration_s=t - self._away_since))
                self._away_since = None
            self.state = State.UPRIGHT
            self._over_since = None
        if sample.confidence < self.config.min_confidence:
            # Untrusted frames hold the state, but a slouch in the making must be seen
            # for onset_s without a break: a glance down at the keyboard (untrusted) between
            # two frames that catch the head on its way down must not add up to one.
            if self.state is State.UPRIGHT:
                self._over_since = None
            return events

        worst = sample.worst()
        if self.state is State.UPRIGHT and t < self._settled_at:
            return events
        if self.state is State.UPRIGHT:
            # Onset uses the same hysteresis band: once over the threshold, a slouch
            # hovering just under it still counts toward onset_s.
            if worst[1] >= 1.0 and self._over_since is None:
                self._over_since = t
            elif self._is_under(sample):
                self._over_since = None
            if self._over_since is not None and t - self._over_since >= self.config.onset_s:
                self._start_slouch(self._over_since, worst, t)
                events.append(Event(EventKind.SLOUCH_START, self._over_since,
                                    posture=worst[0], worst=worst[1]))
            return events

        # SLOUCHING or ALERTED
        if worst[1] > self._worst[1]:
            self._worst = worst
        if self._is_under(sample):
            self._under_since = t if self._under_since is None else self._under_since
            self._slouched_until = None  # recovering: this time is not slouched time
            if t - self._under_since >= self.config.recovery_s:
                events += self._end_slouch(self._under_since)
                self.state = State.UPRIGHT
            return events
        self._under_since = None
        if self._slouched_until is not None:
            self._slouched_s += t - self._slouched_until
        self._slouched_until = t
        cooled = (self._last_alert_t is None
                  or t - self._last_alert_t >= self.config.cooldown_s)
        if self._slouched_s >= self.config.alert_after_s and cooled:
            events.append(Event(EventKind.ALERT, t, duration_s=self._slouched_s,
                                posture=self._worst[0], worst=self._worst[1],
                                repeat=self._alerts_this_slouch))
            self._alerts_this_slouch += 1
            self._last_alert_t = t
            self.state = State.ALERTED
        return events

    def resume(self, paused_at: float, now: float) -> list[Event]:
        """After a pause that was no absence (another app had the camera, core/pauses.py):
        a slouch in progress ended when the camera closed, so neither its span nor its
        alert clock runs through the call; the posture is judged afresh from `now`."""
        events = self._end_slouch(paused_at)
        if self.state is not State.AWAY:
            self.state = State.UPRIGHT
            self._last_seen_t = now  # an empty frame next is not an absence since the call
        self._slouched_until = None
        return events

    def _start_slouch(self, t: float, worst: tuple[Posture, float], now: float) -> None:
        self.state = State.SLOUCHING
        self._slouch_start = t
        self._slouched_s = now - t  # the onset was slouched time already
        self._slouched_until = now
        self._under_since = None
        self._alerts_this_slouch = 0
        self._worst = worst

    def _end_slouch(self, t: float) -> list[Event]:
        self._over_since = None
        if not self.slouching or self._slouch_start is None:
            return []
        event = Event(EventKind.SLOUCH_END, t, duration_s=max(0.0, t - self._slouch_start),
                      posture=self._worst[0], worst=self._worst[1])
        self._slouch_start = None
        self._under_since = None
        return [event]
