"""Per-frame posture angles relative to the user's calibrated neutral posture.

Pure and deterministic: `Analyzer.update(pose_frame)` takes the landmarks of one frame
(with its timestamp) and returns a `PostureSample`. Which person to follow, which view we
are in, the angle estimates, the confidence and the smoothing all live here; the camera,
the model and the clock do not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .calibration import Baseline
from .config import AnalysisConfig
from .filters import OneEuroFilter
from .geometry import (Features, View, extract_features, head_in_frame, pose_centre_px,
                       select_user, view_of)
from .landmarks import PoseFrame

# Typical neutral angles of a seated adult, used only to report absolute angles in a
# frontal view (where the camera cannot see them); every decision uses the change from
# the user's own calibration instead.
TYPICAL_NEUTRAL_HEAD_FORWARD_DEG = 15.0
TYPICAL_NEUTRAL_TRUNK_FORWARD_DEG = 0.0
TYPICAL_NEUTRAL_SHOULDER_ROUNDING_DEG = 10.0
# An assumed webcam field of view (laptop and USB webcams are 60-78 degrees wide); it
# only scales the depth estimate of a trunk lean, and the error is a few percent.
ASSUMED_HFOV_DEG = 65.0
# Degrees of forward head per unit of relative ear-drop change, from the front. Geometry
# gives the shape (a linear change for the 10-35 degree range we care about); the gain was
# measured on the rendered sample clips (5 bodies, cameras 5-20 cm above or below the eyes,
# 55-80 cm away): 51 deg, error 2.6 deg mean absolute.
HEAD_DROP_GAIN_DEG = 50.0
# Looking at a second screen: above this head yaw the frontal readings lose confidence,
# reaching none at twice the value (the ear line and MediaPipe's 3D shoulders both shift).
HEAD_YAW_TRUSTED_DEG = 20.0
# Torso length (hips to shoulders) in shoulder widths, for turning a change of distance
# into a lean angle (adult anthropometry: ~0.50 m torso, ~0.36 m between shoulder joints).
TORSO_PER_SHOULDER_WIDTH = 1.4


@dataclass(frozen=True)
class PostureSample:
    """The analysis of one frame. Angles in degrees; deltas are relative to calibration.

    NaN angles mean "not measurable in this frame" (e.g. hips out of view).
    """

    t_s: float
    person_seen: bool
    n_people: int
    view: View
    head_forward_deg: float
    trunk_forward_deg: float
    shoulder_rounding_deg: float
    head_delta_deg: float
    trunk_delta_deg: float
    shoulder_delta_deg: float
    confidence: float

    @classmethod
    def nobody(cls, t_s: float) -> "PostureSample":
        nan = float("nan")
        return cls(t_s, False, 0, View.UNKNOWN, nan, nan, nan, nan, nan, nan, 0.0)


def _acos_deg(x: float) -> float:
    return math.degrees(math.acos(max(-1.0, min(1.0, x))))


def _nanmean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else float("nan")


def front_head_delta_deg(f: Features, b: Features) -> float:
    """Forward head from the front: the ear line sinks toward the shoulder line.

    The neck vector (shoulder midpoint -> ears) keeps its length; seen from a camera on
    the monitor its vertical part shrinks as the head goes forward, and more so because
    the head also flexes and, with the camera above eye level, its forward motion points
    down in the image too. Measured in head widths the drop does not depend on the
    distance to the camera, so its relative change is a distance-free reading:
        delta = HEAD_DROP_GAIN_DEG * (1 - drop / drop0)
    (A pure cos() model underestimates the drop's sensitivity by about half for cameras
    above the eyes, and MediaPipe's depth barely moves for cameras below them.)
    """
    if not (math.isfinite(f.ear_drop_ratio) and b.ear_drop_ratio > 1e-3):
        return float("nan")
    return HEAD_DROP_GAIN_DEG * (1.0 - f.ear_drop_ratio / b.ear_drop_ratio)


def front_trunk_delta_deg(f: Features, b: Features, image_width: int) -> float:
    """Trunk lean toward the screen from the front: the shoulders come nearer.

    The apparent shoulder width scales with 1/distance. With the calibrated distance
    d0 = focal * width_m / width_px, leaning by theta about the hips moves the shoulders
    T*sin(theta) nearer, T being the torso length:  sin(theta) = d0 * (1 - w0/w) / T.
    """
    if not (math.isfinite(f.shoulder_width_px) and b.shoulder_width_px > 1e-6):
        return float("nan")
    width_m = b.world_shoulder_width_m if math.isfinite(b.world_shoulder_width_m) else 0.36
    focal_px = (image_width / 2) / math.tan(math.radians(ASSUMED_HFOV_DEG / 2))
    d0 = focal_px * width_m / b.shoulder_width_px
    nearer_m = d0 * (1.0 - b.shoulder_width_px / f.shoulder_width_px)
    torso_m = TORSO_PER_SHOULDER_WIDTH * width_m
    return math.degrees(math.asin(max(-1.0, min(1.0, nearer_m / torso_m))))


def shoulder_delta_deg(f: Features, b: Features) -> float:
    """Shoulder rounding, in either view: the shoulder joints swing forward and inward.

    Each joint sits at a radius r from the spine; at protraction phi the half-width is
    r*cos(phi), so from MediaPipe's 3D shoulder width:  cos(phi) = cos(phi0) * w / w0.
    The weakest of the three readings: in the image, the narrowing is cancelled by the
    joints coming nearer the camera, so only the model's depth estimate carries it.
    """
    if not (math.isfinite(f.world_shoulder_width_m) and b.world_shoulder_width_m > 1e-6):
        return float("nan")
    ratio = f.world_shoulder_width_m / b.world_shoulder_width_m
    phi0 = TYPICAL_NEUTRAL_SHOULDER_ROUNDING_DEG
    return _acos_deg(math.cos(math.radians(phi0)) * ratio) - phi0


def estimate_deltas(f: Features, b: Baseline, image_width: int) -> tuple[float, float, float]:
    """(head, trunk, shoulder) change from the calibrated posture, in degrees."""
    m = b.median
    shoulder = shoulder_delta_deg(f, m)
    if b.view is View.SIDE:
        return (f.side_head_forward_deg - m.side_head_forward_deg,
                f.side_trunk_forward_deg - m.side_trunk_forward_deg, shoulder)
    return front_head_delta_deg(f, m), front_trunk_delta_deg(f, m, image_width), shoulder


def frame_confidence(f: Features, baseline_view: View) -> float:
    """How far to trust this frame: landmark visibility, the view still matching, and
    (from the front) the head facing the screen.

    A user who turns their whole body away from the calibrated view, or looks at a second
    screen, is not slouching; those frames get little weight instead of wild angles.
    """
    visibility = min(f.shoulders_visible, f.head_visible)
    if not math.isfinite(visibility):
        return 0.0
    view = view_of(f.body_yaw_deg)
    view_factor = 1.0 if view is baseline_view else (0.5 if view is View.UNKNOWN else 0.2)
    yaw_factor = 1.0
    if baseline_view is View.FRONT and math.isfinite(f.head_yaw_deg):
        excess = (abs(f.head_yaw_deg) - HEAD_YAW_TRUSTED_DEG) / HEAD_YAW_TRUSTED_DEG
        yaw_factor = max(0.0, min(1.0, 1.0 - excess))
    return float(max(0.0, min(1.0, visibility)) * view_factor * yaw_factor)


class UserTracker:
    """Follows one person across frames and measures their features."""

    def __init__(self, min_visibility: float = 0.5) -> None:
        self.min_visibility = min_visibility
        self._previous_centre: np.ndarray | None = None

    def features(self, frame: PoseFrame) -> Features | None:
        """Features of the seated person we follow, or None when nobody is seated in view.

        The features may be NaN (present, but shoulders out of the picture or hidden).
        """
        index = select_user(frame.poses, self._previous_centre, frame.image_width)
        if index is None:
            self._previous_centre = None
            return None
        pose = frame.poses[index]
        self._previous_centre = pose_centre_px(pose)
        if not head_in_frame(pose, frame.image_width, frame.image_height):
            return None
        return extract_features(pose, frame.image_width, frame.image_height,
                                self.min_visibility)


class Analyzer:
    """Turns pose frames into smoothed angles relative to a baseline, one frame at a time."""

    def __init__(self, baseline: Baseline, config: AnalysisConfig | None = None) -> None:
        self.baseline = baseline
        self.config = config or AnalysisConfig()
        self.tracker = UserTracker(self.config.min_visibility)
        self._filters = [OneEuroFilter(self.config.smoothing_min_cutoff_hz,
                                       self.config.smoothing_beta) for _ in range(3)]

    def update(self, frame: PoseFrame) -> PostureSample:
        features = self.tracker.features(frame)
        if features is None:
            for f in self._filters:
                f.reset()
            return PostureSample.nobody(frame.t_s)
        return self._sample(features, frame)  # NaN features give confidence 0

    def _sample(self, features: Features, frame: PoseFrame) -> PostureSample:
        confidence = frame_confidence(features, self.baseline.view)
        raw = estimate_deltas(features, self.baseline, frame.image_width)
        head, trunk, shoulder = (flt(value, frame.t_s) for flt, value in zip(self._filters, raw))
        if self.baseline.view is View.SIDE:
            m = self.baseline.median
            neutral = (m.side_head_forward_deg, m.side_trunk_forward_deg,
                       TYPICAL_NEUTRAL_SHOULDER_ROUNDING_DEG)
        else:
            neutral = (TYPICAL_NEUTRAL_HEAD_FORWARD_DEG, TYPICAL_NEUTRAL_TRUNK_FORWARD_DEG,
                       TYPICAL_NEUTRAL_SHOULDER_ROUNDING_DEG)
        return PostureSample(
            t_s=frame.t_s, person_seen=True, n_people=len(frame.poses),
            view=view_of(features.body_yaw_deg),
            head_forward_deg=neutral[0] + head, trunk_forward_deg=neutral[1] + trunk,
            shoulder_rounding_deg=neutral[2] + shoulder, head_delta_deg=head,
            trunk_delta_deg=trunk, shoulder_delta_deg=shoulder, confidence=confidence)
