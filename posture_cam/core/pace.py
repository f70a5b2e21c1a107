"""How often to analyse: less while the posture is steady and upright, more when it moves.

The pose model is nearly all of the monitor's CPU use, so analysing fewer frames is the
biggest saving there is. Most of a working day is steady, upright sitting (or nobody at
the desk); there `analysis.calm_fps` is enough. As soon as a reading moves, comes near a
threshold, or a slouch is under way, the full `analysis.fps` returns at once, so a slouch
is noticed at most one calm interval later (and dated from its first frame anyway).

    full rate --(upright, readings below CALM_LEVEL and still for CALM_AFTER_S)--> calm rate
        ^                                                                              |
        +----------- a reading moves by STILL_CHANGE, nears a threshold, slouching ----+

While a break routine runs on the monitor's frames (monitor_routine.py), `hold(fps)` pins
the rate: its rep counters need every move seen, and the exercises would otherwise look
like steady sitting between reps. `hold(None)` hands the rate back to the posture.

Pure; time comes from the step results.
"""

from __future__ import annotations

import math

from .decision import State
from .pipeline import StepResult

CALM_LEVEL = 0.5  # every severity under half its threshold
STILL_CHANGE = 0.15  # of a threshold, between two analysed frames
CALM_AFTER_S = 10.0


class AdaptivePace:
    def __init__(self, fps: float, calm_fps: float) -> None:
        self.fps = fps
        self.calm_fps = min(calm_fps, fps)
        self._steady_since: float | None = None
        self._last_worst: float | None = None
        self.held_fps: float | None = None

    def hold(self, fps: float | None) -> None:
        """Analyse at `fps` whatever the posture does, until `hold(None)`."""
        self.held_fps = fps
        self._steady_since = None

    def after(self, result: StepResult) -> float:
        """The analysis rate to use after this result (frames per second)."""
        if self.held_fps is not None:
            return self.held_fps
        sample = result.sample
        t = sample.t_s
        worst = sample.worst_severity if sample.person_seen else 0.0
        moved = (self._last_worst is not None and math.isfinite(worst)
                 and abs(worst - self._last_worst) > STILL_CHANGE)
        self._last_worst = worst
        calm_state = result.state in (State.UPRIGHT, State.AWAY) and not result.over_threshold
        if not calm_state or moved or not worst < CALM_LEVEL:
            self._steady_since = None
            return self.fps
        if self._steady_since is None:
            self._steady_since = t
        return self.calm_fps if t - self._steady_since >= CALM_AFTER_S else self.fps
