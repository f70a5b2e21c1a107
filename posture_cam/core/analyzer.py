"""Per-frame posture readings relative to the user's calibrated neutral posture.

Pure and deterministic: `Analyzer.update(pose_frame)` takes the landmarks of one frame
(with its timestamp) and returns a `PostureSample`. Which person to follow, which view we
are in, the readings, the confidence and the smoothing all live here; the camera, the
model and the clock do not.

Every reading is a change from the user's own calibration, in the unit that is honest for
the view (see `Readings`):

    side camera   head, trunk: degrees off the image; slump: the trunk leaning *back*
                  (reclined, slid down); no shoulder reading (one hides the other)
    front camera  head: the frontal slouch index (below), named slumped / leaning in /
                  head forward by the cue that dominates; trunk: degrees from the shoulders
                  coming nearer; shoulders: rounding from MediaPipe's 3D shoulder width

From the front a slouch barely changes any angle the camera can see, but it moves the
head, measured in the user's own head widths (geometry.py):

    lower   ... the head sinks relative to the shoulders   (0.25 head widths = a clear slouch)
    nearer  ... the head comes toward the screen          (0.8 head widths: from its size,
                                                             which wobbles, so it needs more)
    neck    ... the head-to-shoulders gap shrinks          (15 % = a clear slouch)

and the index adds the three, each divided by the change a clear slouch makes, so 1.0 is
a clear slouch whichever mix of them a body shows. Looking down at a keyboard pitches the
head about a point near the ears and barely moves the head point; a sideways head tilt
leaves the shoulder-width gap alone; a head turned to a second screen loses the "nearer"
part (its size is unreliable) and the frame's confidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .calibration import Baseline, Framing
from .settings import AnalysisConfig, SlouchConfig
from .filters import OneEuroFilter
from .geometry import (Features, View, extract_features, focal_length_px, head_in_frame,
                       head_only, pose_centre_px, select_user, view_of)
from .landmarks import PoseFrame
from .events import Posture
from .readings import Readings

# The change of each frontal cue that a clear slouch makes (module docstring). Checked on
# the real clips of ../shared/real and the rendered samples (docs/how-it-decides.md).
FRONT_LOWER_HW = 0.25
FRONT_NEARER_HW = 0.8
FRONT_NECK_SHORTER = 0.15
# The shoulders dropped at least this share of the head's drop: the body sank (slumped).
SINKING_SHARE = 0.7
# A head turned further than this from its calibrated direction makes its apparent size
# (and so "nearer") unreliable: the weight of "nearer" falls from 1 to 0 between the two.
NEARER_TRUSTED_YAW_DEG = (25.0, 40.0)
# Looking at a second screen: above this head yaw (relative to calibration) the frontal
# readings lose confidence, reaching none at twice the value.
HEAD_YAW_TRUSTED_DEG = 20.0
# Looking down at a keyboard or a phone tips the head (nose 0.3 head widths further below
# the ear line) far more than a slouch with the eyes on the screen does (real slouches:
# 0.03-0.14; rendered ones, whose heads tip with the neck: up to 0.24): confidence falls
# from 1 to 0 between these, so a glance down neither starts nor ends a slouch.
HEAD_PITCH_TRUSTED_HW = (0.22, 0.32)
# An elbow this far above the shoulder line (in shoulder widths) is an arm raised to
# stretch, or a hand behind the head: the frame says nothing about sitting posture.
ELBOW_LIFT_UNTRUSTED_SW = 0.0
# Torso length (hips to shoulders) in shoulder widths, for turning a change of distance
# into a lean angle (adult anthropometry: ~0.50 m torso, ~0.36 m between shoulder joints).
TORSO_PER_SHOULDER_WIDTH = 1.4
TYPICAL_SHOULDER_WIDTH_M = 0.36
TYPICAL_NEUTRAL_SHOULDER_ROUNDING_DEG = 10.0
# "The calibration no longer fits": seen this far from the calibrated place or size.
MISFIT_ACROSS_HW = 1.5
MISFIT_DISTANCE_RATIO = 1.35
MISFIT_YAW_DEG = 30.0


@dataclass(frozen=True)
class PostureSample:
    """The analysis of one frame.

    `readings` are changes from calibration in the units of the view; `severity` is the
    same divided by the thresholds (1.0 = at the threshold). NaN = not measurable here.
    `misfit` names how the person is seen unlike their calibration ("" when they fit).
    """

    t_s: float
    person_seen: bool
    n_people: int
    view: View
    readings: Readings
    severity: Readings
    confidence: float
    misfit: str = ""
    head_kind: Posture = Posture.HEAD_FORWARD  # what the head reading shows (front view)

    @classmethod
    def nobody(cls, t_s: float) -> "PostureSample":
        return cls(t_s, False, 0, View.UNKNOWN, Readings(), Readings(), 0.0)

    def unjudged(self) -> "PostureSample":
        """This frame with the person seen but their posture not measured: what a frame
        during a break routine is (the moves are not slouches)."""
        return replace(self, readings=Readings(), severity=Readings(), confidence=0.0,
                       misfit="")

    def worst(self) -> tuple[Posture, float]:
        """The kind of slouch furthest over its threshold, and its severity."""
        posture, severity = self.severity.worst()
        return (self.head_kind if posture is Posture.HEAD_FORWARD else posture), severity

    @property
    def worst_severity(self) -> float:
        return self.severity.worst()[1]


def _acos_deg(x: float) -> float:
    return math.degrees(math.acos(max(-1.0, min(1.0, x))))


def _positive(x: float) -> float:
    return x if x > 0 else 0.0


def _clamp01(x: float) -> float:
    return max(0.0, min(1.0, x))


def front_index_parts(f: Features, b: Features) -> tuple[float, float, float]:
    """(lower, nearer, neck shorter): the frontal cues, each in units of a clear slouch.

    NaN parts are not measurable in this frame (the neck needs the shoulders in view).
    """
    nan = float("nan")
    lower = f.head_below_centre_hw - b.head_below_centre_hw
    yaw_change = abs(f.head_yaw_deg - b.head_yaw_deg)
    low, high = NEARER_TRUSTED_YAW_DEG
    nearer_weight = (_clamp01((high - yaw_change) / (high - low))
                     if math.isfinite(yaw_change) else 0.0)
    nearer = (b.head_distance_hw - f.head_distance_hw) * nearer_weight
    neck = (1.0 - f.head_above_shoulders_sw / b.head_above_shoulders_sw
            if b.head_above_shoulders_sw > 1e-6 else nan)
    return lower / FRONT_LOWER_HW, nearer / FRONT_NEARER_HW, neck / FRONT_NECK_SHORTER


def front_head_index(f: Features, b: Features) -> float:
    """The frontal slouch index: lower + nearer + neck shorter (only the slouching sides)."""
    lower, nearer, neck = front_index_parts(f, b)
    if not math.isfinite(lower):
        return float("nan")
    return sum(_positive(part) for part in (lower, nearer, neck) if math.isfinite(part))


def front_kind(f: Features, b: Features) -> Posture:
    """Which slouch a high frontal index shows, for the words of the alert.

    The whole body sinking (the shoulders dropped nearly as far as the head) is slumping
    down in the chair; a head mostly nearer is leaning toward the screen; the rest is the
    head pushed forward and down.
    """
    lower, nearer, neck = front_index_parts(f, b)
    body_drop = f.shoulders_below_centre_hw - b.shoulders_below_centre_hw
    head_drop = lower * FRONT_LOWER_HW
    if math.isfinite(body_drop) and head_drop > 0 and body_drop >= SINKING_SHARE * head_drop:
        return Posture.SLUMPED
    if math.isfinite(nearer) and nearer > max(lower, neck if math.isfinite(neck) else 0.0):
        return Posture.TRUNK_FORWARD
    return Posture.HEAD_FORWARD


def front_trunk_deg(f: Features, b: Features, image_width: int) -> float:
    """Trunk lean toward the screen from the front: the shoulders come nearer.

    The apparent shoulder width scales with 1/distance. With the calibrated distance
    d0 = focal * width_m / width_px, leaning by theta about the hips moves the shoulders
    T*sin(theta) nearer, T being the torso length:  sin(theta) = d0 * (1 - w0/w) / T.
    """
    if not (math.isfinite(f.shoulder_width_px) and b.shoulder_width_px > 1e-6):
        return float("nan")
    width_m = (b.world_shoulder_width_m if math.isfinite(b.world_shoulder_width_m)
               else TYPICAL_SHOULDER_WIDTH_M)
    d0 = focal_length_px(image_width) * width_m / b.shoulder_width_px
    nearer_m = d0 * (1.0 - b.shoulder_width_px / f.shoulder_width_px)
    torso_m = TORSO_PER_SHOULDER_WIDTH * width_m
    return math.degrees(math.asin(max(-1.0, min(1.0, nearer_m / torso_m))))


def shoulder_delta_deg(f: Features, b: Features) -> float:
    """Shoulder rounding, in either view: the shoulder joints swing forward and inward.

    Each joint sits at a radius r from the spine; at protraction phi the half-width is
    r*cos(phi), so from MediaPipe's 3D shoulder width:  cos(phi) = cos(phi0) * w / w0.
    The weakest of the readings: in the image, the narrowing is cancelled by the joints
    coming nearer the camera, so only the model's depth estimate carries it.
    """
    if not (math.isfinite(f.world_shoulder_width_m) and b.world_shoulder_width_m > 1e-6):
        return float("nan")
    ratio = f.world_shoulder_width_m / b.world_shoulder_width_m
    phi0 = TYPICAL_NEUTRAL_SHOULDER_ROUNDING_DEG
    return _acos_deg(math.cos(math.radians(phi0)) * ratio) - phi0


def estimate_readings(f: Features, b: Baseline, image_width: int) -> Readings:
    """Changes from the calibrated posture, in the units of the baseline's view."""
    m = b.median
    if b.view is View.SIDE:
        # No shoulder reading from the side: in profile one shoulder hides the other and
        # MediaPipe's 3D width is a guess (real footage: 15-45 degrees of noise).
        forward = b.facing  # the calibrated facing: a head on a backrest cannot flip it
        trunk = forward * (f.side_trunk_deg - m.side_trunk_deg)
        return Readings(head=forward * (f.side_head_deg - m.side_head_deg), trunk=trunk,
                        slump=-trunk)
    return Readings(head=front_head_index(f, m), trunk=front_trunk_deg(f, m, image_width),
                    shoulders=shoulder_delta_deg(f, m))


def seen_view(f: Features, baseline: Baseline) -> View:
    """The view this frame shows. Close framing hides the shoulders, whose 3D direction is
    then a guess: the head's own turn says front or not instead."""
    if baseline.framing is Framing.HEAD_ONLY:
        if not math.isfinite(f.head_yaw_deg):
            return View.UNKNOWN
        return View.FRONT if abs(f.head_yaw_deg) <= 35.0 else View.UNKNOWN
    return view_of(f.body_yaw_deg)


def frame_confidence(f: Features, baseline: Baseline, view: View) -> float:
    """How far to trust this frame: landmark visibility, the view still matching, and
    (from the front) the head facing where it faced at calibration.

    A user who turns their whole body away from the calibrated view, looks at a second
    screen, looks down at the keyboard or stretches with the arms up is not slouching;
    those frames get little weight instead of wild readings. `view` is `seen_view(f)`.
    """
    if baseline.view is View.FRONT:
        visibility = f.head_visible
    else:
        visibility = min(f.shoulders_visible, f.head_visible)
    if not math.isfinite(visibility):
        return 0.0
    if f.elbow_lift_sw > ELBOW_LIFT_UNTRUSTED_SW:  # NaN (elbows not seen) passes
        return 0.0
    view_factor = 1.0 if view is baseline.view else (0.5 if view is View.UNKNOWN else 0.2)
    head_factor = 1.0
    if baseline.view is View.FRONT:
        turned = abs(f.head_yaw_deg - baseline.median.head_yaw_deg)
        tipped = f.head_pitch_hw - baseline.median.head_pitch_hw
        if not (math.isfinite(turned) and math.isfinite(tipped)):
            return 0.0
        low, high = HEAD_PITCH_TRUSTED_HW
        head_factor = (_clamp01(1.0 - (turned - HEAD_YAW_TRUSTED_DEG) / HEAD_YAW_TRUSTED_DEG)
                       * _clamp01((high - tipped) / (high - low)))
    return float(_clamp01(visibility) * view_factor * head_factor)


def misfit_of(f: Features, baseline: Baseline, view: View) -> str:
    """How this frame shows the user unlike the calibration, in words ("" if it fits).

    Slouching changes the picture too, so this is only read on frames that do not look
    slouched (see fitwatch.py). `view` is `seen_view(f)`.
    """
    if view is not View.UNKNOWN and view is not baseline.view:
        return f"you are seen from the {view.value}, calibrated from the {baseline.view.value}"
    if baseline.view is not View.FRONT:
        return ""
    m = baseline.median
    across = f.head_across_centre_hw - m.head_across_centre_hw
    if abs(across) > MISFIT_ACROSS_HW:
        return (f"your head is {abs(across):.1f} head widths to the "
                f"{'right' if across > 0 else 'left'} of where it was at calibration")
    ratio = f.head_distance_hw / m.head_distance_hw
    if ratio > MISFIT_DISTANCE_RATIO or ratio < 1 / MISFIT_DISTANCE_RATIO:
        return f"you sit {'further from' if ratio > 1 else 'nearer'} the camera than at calibration"
    turned = f.head_yaw_deg - m.head_yaw_deg
    if abs(turned) > MISFIT_YAW_DEG:
        return f"your head is turned {abs(turned):.0f} degrees from where it faced at calibration"
    return ""


class UserTracker:
    """Follows one person across frames and measures their features."""

    def __init__(self, min_visibility: float = 0.5) -> None:
        self.min_visibility = min_visibility
        self._previous_centre: np.ndarray | None = None
        self.face_cut = False  # the last frame showed a person whose face was cut off

    def features(self, frame: PoseFrame) -> Features | None:
        """Features of the seated person we follow, or None when nobody is seated in view.

        The features may be NaN (present, but shoulders out of the picture or hidden).
        """
        self.face_cut = False
        index = select_user(frame.poses, self._previous_centre, frame.image_width)
        if index is None:
            self._previous_centre = None
            return None
        pose = frame.poses[index]
        self._previous_centre = pose_centre_px(pose)
        if not head_in_frame(pose, frame.image_width, frame.image_height):
            self.face_cut = True
            return None
        return extract_features(pose, frame.image_width, frame.image_height,
                                self.min_visibility)


class Analyzer:
    """Turns pose frames into smoothed readings relative to a baseline, one frame at a time."""

    def __init__(self, baseline: Baseline, config: AnalysisConfig | None = None,
                 slouch: SlouchConfig | None = None) -> None:
        self.baseline = baseline
        self.config = config or AnalysisConfig()
        self.thresholds = (slouch or SlouchConfig()).thresholds(baseline.view is View.FRONT)
        self.tracker = UserTracker(self.config.min_visibility)
        self._filters = [OneEuroFilter(self.config.smoothing_min_cutoff_hz,
                                       self.config.smoothing_beta) for _ in Readings.names()]

    def update(self, frame: PoseFrame) -> PostureSample:
        features = self.tracker.features(frame)
        if features is None:
            for f in self._filters:
                f.reset()
            return PostureSample.nobody(frame.t_s)
        return self._sample(features, frame)  # NaN features give confidence 0

    def _sample(self, features: Features, frame: PoseFrame) -> PostureSample:
        if self.baseline.framing is Framing.HEAD_ONLY:
            features = head_only(features)  # calibrated on the head: compare like with like
        raw = estimate_readings(features, self.baseline, frame.image_width)
        readings = Readings(*(flt(value, frame.t_s)
                              for flt, value in zip(self._filters, raw.values())))
        severity = readings.over(self.thresholds)
        head_kind = Posture.HEAD_FORWARD
        if self.baseline.view is View.FRONT:
            # the shoulders came forward past their threshold too: the trunk leans in
            head_kind = (Posture.TRUNK_FORWARD if severity.trunk >= 1.0
                         else front_kind(features, self.baseline.median))
        view = seen_view(features, self.baseline)
        return PostureSample(
            t_s=frame.t_s, person_seen=True, n_people=len(frame.poses), view=view,
            readings=readings, severity=severity,
            confidence=frame_confidence(features, self.baseline, view),
            misfit=misfit_of(features, self.baseline, view), head_kind=head_kind)
