"""The simple rule we compare ourselves with: calibrated nose height.

A published Linux posture app calibrates the height of the nose in the picture and calls a
frame slouched when the nose is more than 3 % of the frame height below it, averaged over
the last 5 readings. `posture-cam evaluate --baseline nose-drop` runs it on the very same
pose frames and through the same decision timing as posture-cam's own analysis, so the
comparison is reproducible. It is blind to looking down at a keyboard or a phone, which
lowers the nose too: that is what posture-cam's frontal index is built to tell apart.
"""

from __future__ import annotations

import statistics
from collections import deque
from typing import Iterable

from .analyzer import PostureSample
from .geometry import View, select_user
from .landmarks import LandmarkId as L
from .landmarks import PoseFrame
from .readings import Readings

NOSE_DROP_SHARE = 0.03
READINGS_AVERAGED = 5


def _nose_share(frame: PoseFrame) -> float | None:
    """The followed person's nose height as a share of the frame height (0 = top)."""
    index = select_user(frame.poses, None, frame.image_width)
    if index is None or frame.image_height <= 0:
        return None
    return float(frame.poses[index].image_xyzv[L.NOSE, 1]) / frame.image_height


class NoseDropRule:
    """An analyzer (`update(pose_frame) -> PostureSample`) with the published rule inside."""

    def __init__(self, calibrated_nose_share: float) -> None:
        self.calibrated = calibrated_nose_share
        self._recent: deque[float] = deque(maxlen=READINGS_AVERAGED)

    @classmethod
    def calibrate(cls, pose_frames: Iterable[PoseFrame]) -> "NoseDropRule":
        heights = [h for h in map(_nose_share, pose_frames) if h is not None]
        if not heights:
            raise ValueError("the nose-drop rule saw no nose during calibration")
        return cls(statistics.median(heights))

    def update(self, frame: PoseFrame) -> PostureSample:
        height = _nose_share(frame)
        if height is None:
            self._recent.clear()
            return PostureSample.nobody(frame.t_s)
        self._recent.append(height - self.calibrated)
        drop = sum(self._recent) / len(self._recent)
        return PostureSample(frame.t_s, True, len(frame.poses), View.UNKNOWN,
                             readings=Readings(head=drop),
                             severity=Readings(head=drop / NOSE_DROP_SHARE), confidence=1.0)
