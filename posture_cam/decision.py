"""From per-frame angles to "this slouch has lasted too long": a time-driven state machine.

                 person seen                    over a threshold for onset_s
      AWAY  ------------------->  UPRIGHT  -------------------------------->  SLOUCHING
        ^   <-------------------    ^   <--------------------------------      |
        |    nobody for away_after_s |    every angle under (threshold -        | lasted alert_after_s
        |                            |    hysteresis) for recovery_s            v (and cool-down over)
        +------------------------------------------------------------------  ALERTED
                    nobody for away_after_s (from any state)               (re-alerts after cooldown_s)

Time is an input (`sample.t_s`), so a test replays an hour of samples in milliseconds.
Frames with low confidence hold the current state: they neither start nor end a slouch.
"""

from __future__ import annotations

import enum
import math

from .analyzer import PostureSample
from .config import SlouchConfig
from .events import Event, EventKind, Posture


class State(str, enum.Enum):
    AWAY = "away"
    UPRIGHT = "upright"
    SLOUCHING = "slouching"
    ALERTED = "alerted"


def _over_ratio(delta: float, threshold: float) -> float:
    return delta / threshold if math.isfinite(delta) else 0.0


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
        self._worst: tuple[float, Posture, float] = (0.0, Posture.HEAD_FORWARD, float("nan"))
        self.over_threshold = False  # this frame alone looks slouched (for per-frame scoring)

    @property
    def slouching(self) -> bool:
        return self.state in (State.SLOUCHING, State.ALERTED)

    def _ratios(self, s: PostureSample) -> list[tuple[float, Posture, float]]:
        c = self.config
        return [
            (_over_ratio(s.head_delta_deg, c.head_forward_deg), Posture.HEAD_FORWARD,
             s.head_delta_deg),
            (_over_ratio(s.trunk_delta_deg, c.trunk_forward_deg), Posture.TRUNK_FORWARD,
             s.trunk_delta_deg),
            (_over_ratio(s.shoulder_delta_deg, c.shoulder_rounding_deg),
             Posture.SHOULDERS_ROUNDED, s.shoulder_delta_deg),
        ]

    def _is_under(self, s: PostureSample) -> bool:
        c = self.config
        pairs = ((s.head_delta_deg, c.head_forward_deg), (s.trunk_delta_deg, c.trunk_forward_deg),
                 (s.shoulder_delta_deg, c.shoulder_rounding_deg))
        return all(not math.isfinite(d) or d < t - c.hysteresis_deg for d, t in pairs)

    def update(self, sample: PostureSample) -> list[Event]:
        t = sample.t_s
        events: list[Event] = []
        self.over_threshold = False
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
            if self._away_since is not None:
                events.append(Event(EventKind.AWAY_END, t, duration_s=t - self._away_since))
                self._away_since = None
            self.state = State.UPRIGHT
            self._over_since = None
        if sample.confidence < self.config.min_confidence:
            return events

        ratios = self._ratios(sample)
        worst = max(ratios, key=lambda r: r[0])
        self.over_threshold = worst[0] >= 1.0
        if self.state is State.UPRIGHT:
            # Onset uses the same hysteresis band: once over the threshold, a slouch
            # hovering just under it still counts toward onset_s.
            if worst[0] >= 1.0 and self._over_since is None:
                self._over_since = t
            elif self._is_under(sample):
                self._over_since = None
            if self._over_since is not None and t - self._over_since >= self.config.onset_s:
                self._start_slouch(self._over_since, worst)
                events.append(Event(EventKind.SLOUCH_START, self._over_since,
                                    posture=worst[1], worst_delta_deg=worst[2]))
            return events

        # SLOUCHING or ALERTED
        if worst[0] > self._worst[0]:
            self._worst = worst
        if self._is_under(sample):
            self._under_since = t if self._under_since is None else self._under_since
            if t - self._under_since >= self.config.recovery_s:
                events += self._end_slouch(self._under_since)
                self.state = State.UPRIGHT
            return events
        self._under_since = None
        assert self._slouch_start is not None
        lasted = t - self._slouch_start
        cooled = (self._last_alert_t is None
                  or t - self._last_alert_t >= self.config.cooldown_s)
        if lasted >= self.config.alert_after_s and cooled:
            events.append(Event(EventKind.ALERT, t, duration_s=lasted, posture=self._worst[1],
                                worst_delta_deg=self._worst[2],
                                repeat=self._alerts_this_slouch))
            self._alerts_this_slouch += 1
            self._last_alert_t = t
            self.state = State.ALERTED
        return events

    def _start_slouch(self, t: float, worst: tuple[float, Posture, float]) -> None:
        self.state = State.SLOUCHING
        self._slouch_start = t
        self._under_since = None
        self._alerts_this_slouch = 0
        self._worst = worst

    def _end_slouch(self, t: float) -> list[Event]:
        self._over_since = None
        if not self.slouching or self._slouch_start is None:
            return []
        event = Event(EventKind.SLOUCH_END, t, duration_s=max(0.0, t - self._slouch_start),
                      posture=self._worst[1], worst_delta_deg=self._worst[2])
        self._slouch_start = None
        self._under_since = None
        return [event]
