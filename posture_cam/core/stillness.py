"""Skip the pose model when the picture has not changed since the last analysed frame.

The pose model is nearly all of the monitor's CPU, and most of a desk day the picture
around the user's head and shoulders does not change between two analysed frames: the
posture then cannot have changed either, so the last pose is reused (with the new time)
instead of running the model again. The decision step still sees a sample at every
analysed moment, so timing, hysteresis and cool-down work exactly as before.

What counts as a change is measured on a thumbnail (block means of one colour channel,
~40 cells across), inside the region where the followed person's head, shoulders and hips
were last seen, widened by half its size: typing hands and a screen's reflection below
the shoulders are ignored; a head moving forward or down is not. A change beside or above
that region counts too, and tells the detector someone else may be about (pose.py then
looks for other people sooner than its every-30-s survey). The reference is the
last *analysed* thumbnail, not the previous frame, so a slow slide into a slouch adds up
until it counts. The model's landmarks trail a movement by a frame or two (MediaPipe
smooths them), so after a change the model runs on two more frames before a pose is
reused. Whatever happens, the model runs again after `max_reuse_s`.

Pure numpy; the images come from the caller.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .landmarks import PoseFrame

CELLS_ACROSS = 40  # thumbnail width: 16-pixel cells on a 640-pixel frame
SAMPLES_PER_CELL_SIDE = 4  # pixels read per cell side (16 per cell: sensor noise averages out)
CHANGE_LEVEL = 12.0  # grey levels (of 255) a cell must move to count as changed
CHANGE_SHARE = 0.03  # share of the region's cells that must change
REGION_MARGIN = 0.5  # the region is widened by this share of its size on every side
# Landmarks that place the posture: face, shoulders, hips (not the elbows and hands,
# which move all day at a keyboard). MediaPipe indices 0-12, 23, 24.
POSTURE_LANDMARKS = tuple(range(13)) + (23, 24)
MIN_VISIBILITY = 0.3
# The model's landmarks trail a movement by a frame or two (MediaPipe smooths them over
# time), so after a change the model also runs on this many more frames, changed or not.
# (Comparing the poses instead does not work: on a still photo of a real person the
# tracker's landmarks wander by 1-2 % of the width from frame to frame.)
SETTLE_FRAMES = 2


def thumbnail(image: np.ndarray) -> np.ndarray:
    """Block means of the green channel (closest to brightness), about CELLS_ACROSS wide.

    Reads one pixel in `cell // SAMPLES_PER_CELL_SIDE` along each side, so a 640x480
    frame costs 19,200 reads instead of 921,600, and the cell mean still averages 16 pixels.
    """
    height, width = image.shape[:2]
    cell = max(1, width // CELLS_ACROSS)
    step = max(1, cell // SAMPLES_PER_CELL_SIDE)
    per_cell = max(1, cell // step)
    plane = image[::step, ::step, 1] if image.ndim == 3 else image[::step, ::step]
    rows, cols = plane.shape[0] // per_cell, plane.shape[1] // per_cell
    if rows == 0 or cols == 0:
        return plane.astype(np.float32)
    blocks = plane[:rows * per_cell, :cols * per_cell].reshape(rows, per_cell, cols, per_cell)
    return blocks.mean(axis=(1, 3), dtype=np.float32)


def posture_region(pose_frame: PoseFrame, rows: int, cols: int) -> tuple[slice, slice]:
    """The thumbnail cells around everyone's head, shoulders and hips; all cells when
    nobody was seen (anyone may walk in anywhere)."""
    everything = (slice(0, rows), slice(0, cols))
    if not pose_frame.poses or pose_frame.image_width <= 0 or pose_frame.image_height <= 0:
        return everything
    points = np.concatenate([pose.image_xyzv[list(POSTURE_LANDMARKS)] for pose in pose_frame.poses])
    points = points[points[:, 3] >= MIN_VISIBILITY, :2]
    if len(points) < 2:
        return everything
    x = points[:, 0] / pose_frame.image_width * cols
    y = points[:, 1] / pose_frame.image_height * rows
    margin_x = REGION_MARGIN * (x.max() - x.min()) + 1
    margin_y = REGION_MARGIN * (y.max() - y.min()) + 1
    x0, x1 = int(max(0, np.floor(x.min() - margin_x))), int(min(cols, np.ceil(x.max() + margin_x)))
    y0, y1 = int(max(0, np.floor(y.min() - margin_y))), int(min(rows, np.ceil(y.max() + margin_y)))
    if x1 <= x0 or y1 <= y0:
        return everything
    return slice(y0, y1), slice(x0, x1)


def changed_share(reference: np.ndarray, current: np.ndarray,
                  region: tuple[slice, slice]) -> float:
    """Share of the region's cells whose brightness moved by more than CHANGE_LEVEL."""
    before, after = reference[region], current[region]
    if before.size == 0:
        return 1.0
    return float(np.count_nonzero(np.abs(after - before) > CHANGE_LEVEL)) / before.size


def changed_elsewhere(reference: np.ndarray, current: np.ndarray,
                      region: tuple[slice, slice]) -> bool:
    """Whether the picture changed beside or above the people in `region`, where someone
    else would walk in (below its bottom are the desk and the typing hands)."""
    band = np.abs(current[:region[0].stop] - reference[:region[0].stop]) > CHANGE_LEVEL
    band[region] = False
    outside = band.size - (region[0].stop - region[0].start) * (region[1].stop - region[1].start)
    return outside > 0 and np.count_nonzero(band) > CHANGE_SHARE * outside


class StillFrames:
    """A pose detector that runs the model only when the picture has changed.

    Wraps any `detect(image, t_s) -> PoseFrame`; counts `analysed` and `reused` frames.
    """

    def __init__(self, detector, max_reuse_s: float) -> None:  # noqa: ANN001 - PoseDetector
        self.detector = detector
        self.max_reuse_s = max_reuse_s
        self.analysed = 0
        self.reused = 0
        self._reference: np.ndarray | None = None
        # what was beside and above the user when we last asked for a look around: a
        # passer-by drifting a little every frame adds up against it
        self._around: np.ndarray | None = None
        self._reference_t = 0.0
        self._last: PoseFrame | None = None
        self._region: tuple[slice, slice] | None = None
        self._image_shape: tuple[int, ...] = ()
        self._settle_left = 0

    def detect(self, image: np.ndarray, t_s: float) -> PoseFrame:
        current = thumbnail(image)
        same_size = image.shape == self._image_shape and self._reference is not None
        elsewhere = same_size and changed_elsewhere(self._around, current, self._region)
        if elsewhere:  # someone else may be about: the detector may want a look around
            self._around = current  # the next ask needs a further change from here
            look = getattr(self.detector, "look_for_others", None)
            if look is not None:
                look()
        changed = (not same_size or elsewhere  # a reference implies a region and a pose
                   or changed_share(self._reference, current, self._region) > CHANGE_SHARE)
        recent = 0 < t_s - self._reference_t < self.max_reuse_s
        if not changed and self._settle_left == 0 and recent:
            self.reused += 1
            return replace(self._last, t_s=t_s)
        pose_frame = self.detector.detect(image, t_s)
        self.analysed += 1
        self._settle_left = SETTLE_FRAMES if changed else max(0, self._settle_left - 1)
        self._reference, self._reference_t, self._last = current, t_s, pose_frame
        if not same_size:
            self._around = current
        self._image_shape = image.shape
        self._region = posture_region(pose_frame, *current.shape)
        return pose_frame

    def close(self) -> None:
        close = getattr(self.detector, "close", None)
        if close is not None:
            close()
