"""Is the camera's picture usable? Catches a black picture and a frozen one.

A camera can be open and deliver frames that show nothing: a lens cover or privacy
shutter gives a black picture, and a stuck driver repeats the same buffer forever.
Neither is an error OpenCV reports, so we look at the pictures themselves:

    mean brightness < BLACK_LEVEL          for PROBLEM_AFTER_S  -> "black picture"
    pixel-for-pixel the same as the last   for PROBLEM_AFTER_S  -> "frozen picture"

Real sensors are noisy, so two live frames are never identical. The check looks at a
strided thumbnail (every 8th pixel), which costs microseconds per frame.
Pure: numpy arrays and timestamps in, a verdict out; no camera, no clock.
"""

from __future__ import annotations

import enum

import numpy as np

BLACK_LEVEL = 8.0  # mean brightness 0-255: a covered lens reads 0-5, a dim room 30+
PROBLEM_AFTER_S = 5.0
THUMBNAIL_STRIDE = 8


class Picture(str, enum.Enum):
    UNKNOWN = "unknown"  # the first frame after opening: nothing to compare with yet
    LIVE = "live"
    BLACK = "black"
    FROZEN = "frozen"


PROBLEM_TEXT = {
    Picture.BLACK: "shows a black picture (is the lens covered or a privacy shutter closed?)",
    Picture.FROZEN: "keeps sending the same picture (frozen)",
}


class PictureCheck:
    """Classifies each frame; `problem` names a black or frozen picture that has lasted."""

    def __init__(self, black_level: float = BLACK_LEVEL,
                 problem_after_s: float = PROBLEM_AFTER_S) -> None:
        self.black_level = black_level
        self.problem_after_s = problem_after_s
        self._previous: np.ndarray | None = None
        self._look = Picture.UNKNOWN
        self._since_t: float | None = None
        self._last_t: float | None = None

    def update(self, image: np.ndarray, t_s: float) -> Picture:
        thumbnail = image[::THUMBNAIL_STRIDE, ::THUMBNAIL_STRIDE]
        if float(thumbnail.mean()) < self.black_level:
            look = Picture.BLACK
        elif self._previous is None or self._previous.shape != thumbnail.shape:
            look = Picture.UNKNOWN
        elif np.array_equal(self._previous, thumbnail):
            look = Picture.FROZEN
        else:
            look = Picture.LIVE
        if self._previous is None or self._previous.shape != thumbnail.shape:
            self._previous = np.empty_like(thumbnail)
        np.copyto(self._previous, thumbnail)  # reused buffer: no allocation per frame
        if look is not self._look or self._since_t is None:
            # A frozen spell starts at the frame that was repeated, not at its first repeat.
            self._since_t = self._last_t if look is Picture.FROZEN and self._last_t is not None \
                else t_s
        self._look = look
        self._last_t = t_s
        return look

    @property
    def problem(self) -> str | None:
        """What is wrong, once a black or frozen picture has lasted `problem_after_s`."""
        if self._look not in PROBLEM_TEXT or self._since_t is None or self._last_t is None:
            return None
        if self._last_t - self._since_t < self.problem_after_s:
            return None
        return PROBLEM_TEXT[self._look]
