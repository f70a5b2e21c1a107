"""Notices when the calibration no longer fits, so the user hears "recalibrate" once.

A calibration compares the user with how they sat when they made it. When the camera, the
screen or the chair has moved (or the user moved from the side camera of the desk to the
laptop on the sofa), every reading is off and posture-cam would silently never alert, or
alert for nothing. The analyzer names, per frame, how the user looks unlike the
calibration (`PostureSample.misfit`); this watch asks for most of the last few minutes of
upright-looking frames to say so before it speaks, then stays quiet until the user has
fitted again for a while.

    fits ---- misfit in >= 80 % of the seen frames of the last 3 min (>= 2 min seen) ----> told
      ^                                                                                    |
      +------------------- misfit in < 20 % of them (the user came back) -----------------+

Frames that look slouched are left out: a slouch changes the picture too, and that is the
slouch detector's business. Time is an input; pure.
"""

from __future__ import annotations

from collections import Counter, deque

from .analyzer import PostureSample
from .events import Event, EventKind

WINDOW_S = 180.0
MIN_SEEN_S = 120.0
TELL_SHARE = 0.8
REARM_SHARE = 0.2


class FitWatch:
    def __init__(self, window_s: float = WINDOW_S, min_seen_s: float = MIN_SEEN_S) -> None:
        self.window_s = window_s
        self.min_seen_s = min_seen_s
        self._recent: deque[tuple[float, str]] = deque()
        self.told = False

    def update(self, sample: PostureSample, looks_slouched: bool) -> list[Event]:
        if not sample.person_seen or looks_slouched:
            return []
        t = sample.t_s
        self._recent.append((t, sample.misfit))
        while self._recent and self._recent[0][0] < t - self.window_s:
            self._recent.popleft()
        seen_s = t - self._recent[0][0]
        misfits = [reason for _, reason in self._recent if reason]
        share = len(misfits) / len(self._recent)
        if self.told:
            if share < REARM_SHARE:
                self.told = False
            return []
        if seen_s >= self.min_seen_s and share >= TELL_SHARE:
            self.told = True
            reason = Counter(misfits).most_common(1)[0][0]
            return [Event(EventKind.RECALIBRATE, t, duration_s=seen_s, detail=reason)]
        return []
