"""Pure geometry on one pose: which view we are in, and scale-free posture features.

No state, no I/O, no clock: every function maps landmark arrays to numbers, so it can be
tested with hand-made poses. Image coordinates are pixels with y pointing down; world
coordinates are MediaPipe's metres (origin between the hips, y down, z away from the
camera). Features are NaN when the landmarks they need are not visible enough.

Two views, two sets of evidence:

    side camera (profile)                 frontal camera (on the monitor)

         ear o                             .-----------------------------.
              \\  head angle               |   image centre +            |
      shoulder o  (from vertical)          |        |  head_below_centre  |
               |                           |     (o . o)  <- head point:   |
               |  trunk angle              |        |      ears + eyes     |
           hip o                           |  o-----+-----o  <- shoulders  |
                                           '-----------------------------'

In a side view the angles are read directly off the image. In a frontal view the head is
located in 3D, in units of the user's own head width: its height and sideways offset
from the image centre divided by its apparent width (a pinhole camera's x/z and y/z),
and its distance from the camera (focal length / head width). Those numbers do not depend
on how far the user sits, so the change from the calibrated posture reads the same for a
laptop at 45 cm and a monitor at 80 cm (see analyzer.py).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass, fields

import numpy as np

from .landmarks import LandmarkId as L
from .landmarks import Pose


class View(str, enum.Enum):
    FRONT = "front"
    SIDE = "side"
    UNKNOWN = "unknown"


# |body yaw| below this is a frontal view, above SIDE_MIN_YAW_DEG a side view; in between
# the evidence is ambiguous and the frame gets low confidence.
FRONT_MAX_YAW_DEG = 35.0
SIDE_MIN_YAW_DEG = 55.0
# Ear-to-ear width over nose depth in front of the ears (2e/p), adult average.
HEAD_WIDTH_PER_NOSE_DEPTH = 1.5
# An assumed webcam field of view (laptop and USB webcams are 60-78 degrees wide). It only
# scales distances along the camera axis; the error is a few percent.
ASSUMED_HFOV_DEG = 65.0


@dataclass(frozen=True)
class Features:
    """Scale-free measurements of one pose; NaN where not visible.

    `_hw` values are in head widths (the yaw-corrected ear-to-ear span), `_sw` values in
    shoulder widths, so moving nearer to or further from the camera does not change them.
    """

    body_yaw_deg: float  # 0 = facing the camera, +-90 = profile (from world shoulders)
    head_yaw_deg: float  # head turned relative to the camera (from the nose vs the ears)
    head_pitch_hw: float  # nose below the ear line, across it: grows as the head tips down
    head_width_px: float  # apparent ear-to-ear width, corrected for head yaw
    shoulder_width_px: float  # apparent shoulder width in the image
    head_below_centre_hw: float  # head point below the image centre (+ = lower)
    head_across_centre_hw: float  # head point right of the image centre
    head_distance_hw: float  # distance from the camera (focal length / head width)
    shoulders_below_centre_hw: float  # shoulder midpoint below the image centre
    head_above_shoulders_sw: float  # head point above the shoulder line
    world_shoulder_width_m: float  # MediaPipe's 3D shoulder width
    side_head_deg: float  # profile: shoulder->ear angle from vertical, + = toward image right
    side_trunk_deg: float  # profile: hip->shoulder angle from vertical, + = toward image right
    facing: float  # +1 when the nose points to the image right of the ears, else -1
    shoulders_visible: float  # mean visibility of the shoulders (0 when out of frame)
    head_visible: float  # mean visibility of nose and ears
    hips_visible: float  # mean visibility of hips (0 when out of frame)
    elbow_lift_sw: float  # the higher elbow's height above the shoulder line (+ = arm raised)
    shoulders_bottom_share: float  # the lower shoulder's height in the image (1 = bottom edge)

    def as_array(self) -> np.ndarray:
        return np.array([getattr(self, f.name) for f in fields(self)], dtype=np.float64)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


def _angle_from_vertical_deg(vector_xy: np.ndarray, forward_sign: float) -> float:
    """Angle of an image vector from 'up', positive toward the person's forward side."""
    dx, dy = float(vector_xy[0]), float(vector_xy[1])
    return math.degrees(math.atan2(forward_sign * dx, -dy))


def _mean_visibility(pose: Pose, *ids: L) -> float:
    return float(np.mean(pose.visibility(*ids)))


def _in_frame(pose: Pose, ids: tuple[L, ...], width: float, height: float) -> bool:
    xy = pose.xy(*ids)
    return bool(np.all((xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)))


def body_yaw_deg(pose: Pose) -> float:
    """Rotation of the shoulder line away from the image plane, from world landmarks.

    Facing the camera the person's left shoulder is on the image right (x_L > x_R) at
    about the same depth: yaw 0. In profile the shoulders differ in depth instead: +-90.
    """
    w = pose.world_xyzv
    dx = w[L.LEFT_SHOULDER, 0] - w[L.RIGHT_SHOULDER, 0]
    dz = w[L.LEFT_SHOULDER, 2] - w[L.RIGHT_SHOULDER, 2]
    return math.degrees(math.atan2(dz, dx))


def view_of(yaw_deg: float) -> View:
    if abs(yaw_deg) <= FRONT_MAX_YAW_DEG:
        return View.FRONT
    if abs(yaw_deg) >= SIDE_MIN_YAW_DEG:
        return View.SIDE
    return View.UNKNOWN


def focal_length_px(image_width: int) -> float:
    return (image_width / 2) / math.tan(math.radians(ASSUMED_HFOV_DEG / 2))


def extract_features(pose: Pose, image_width: int, image_height: int,
                     min_visibility: float = 0.5) -> Features:
    img = pose.image_xyzv
    nan = float("nan")

    shoulders_visible = _mean_visibility(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    head_visible = _mean_visibility(pose, L.NOSE, L.LEFT_EAR, L.RIGHT_EAR)
    hips_visible = _mean_visibility(pose, L.LEFT_HIP, L.RIGHT_HIP)
    # MediaPipe guesses landmarks outside the picture, with full visibility (a head above
    # the top edge while the user stands up); a guess is not a measurement. Shoulders below
    # the picture (a laptop close to the face) leave the head to go by.
    if not _in_frame(pose, (L.LEFT_HIP, L.RIGHT_HIP), image_width, image_height):
        hips_visible = 0.0
    if not _in_frame(pose, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER), image_width, image_height):
        shoulders_visible = 0.0
    have_head = head_visible >= min_visibility
    have_shoulders = shoulders_visible >= min_visibility

    l_sh, r_sh = img[L.LEFT_SHOULDER, :2], img[L.RIGHT_SHOULDER, :2]
    sh_mid = (l_sh + r_sh) / 2
    sh_vec = l_sh - r_sh
    shoulder_width = float(np.hypot(*sh_vec))
    ear_mid = (img[L.LEFT_EAR, :2] + img[L.RIGHT_EAR, :2]) / 2
    eye_mid = (img[L.LEFT_EYE, :2] + img[L.RIGHT_EYE, :2]) / 2
    nose = img[L.NOSE, :2]
    # The head point: halfway between the ear line (which barely moves when the user looks
    # down at a keyboard, since the head pitches about a point near the ears) and the eye
    # line (the best-located landmarks of the face).
    head_point = (ear_mid + eye_mid) / 2

    # Head yaw and a head width that does not shrink when the user looks at a second
    # screen. Seen from above, the ears sit at +-e across the head and the nose p in
    # front (adult heads: p/e ~ 4/3). Turned by yaw psi, the ear span shows 2e*cos(psi)
    # and the nose moves p*sin(psi) off the ear midpoint, so
    #     2e = sqrt(span^2 + (2e/p * offset)^2),  tan(psi) = (2e/p) * offset / span.
    ear_span = img[L.LEFT_EAR, :2] - img[L.RIGHT_EAR, :2]
    ear_span_len = float(np.hypot(*ear_span))
    head_yaw = head_width = nan
    if have_head and ear_span_len > 1e-6:
        offset = float(np.dot(nose - ear_mid, ear_span)) / ear_span_len
        across = HEAD_WIDTH_PER_NOSE_DEPTH * offset
        head_yaw = math.degrees(math.atan2(across, ear_span_len))
        head_width = math.hypot(ear_span_len, across)

    # Looking down at a keyboard or a phone tips the head forward about a point near the
    # ears, so the nose drops below the ear line. Measured across the ear line (not along
    # the image vertical) so that a head tilted sideways does not read as tipped.
    head_pitch = nan
    if math.isfinite(head_width) and head_width > 1e-6:
        down_the_face = np.array([-ear_span[1], ear_span[0]]) / ear_span_len
        if down_the_face[1] < 0:
            down_the_face = -down_the_face
        head_pitch = float(np.dot(nose - ear_mid, down_the_face)) / head_width

    # Pinhole camera: a point's image offset from the centre over the head's apparent
    # width is its 3D offset from the camera axis in head widths, at any distance.
    centre = np.array([image_width / 2, image_height / 2])
    head_below = head_across = head_distance = shoulders_below = nan
    if math.isfinite(head_width) and head_width > 1e-6:
        head_below = float(head_point[1] - centre[1]) / head_width
        head_across = float(head_point[0] - centre[0]) / head_width
        head_distance = focal_length_px(image_width) / head_width
        if have_shoulders:
            shoulders_below = float(sh_mid[1] - centre[1]) / head_width

    # Height above the shoulder line, perpendicular to it so that a tilted (rolled) camera
    # or a dropped shoulder does not read as a head drop. In shoulder widths: a head tilted
    # sideways leaves it alone, where a ratio to the head's own width would wobble.
    head_above_shoulders = nan
    if have_head and have_shoulders and shoulder_width > 1e-6:
        normal_up = np.array([sh_vec[1], -sh_vec[0]]) / shoulder_width
        if normal_up[1] > 0:
            normal_up = -normal_up
        head_above_shoulders = float(np.dot(head_point - sh_mid, normal_up)) / shoulder_width

    world = pose.world_xyzv
    world_shoulder_width = float(np.linalg.norm(
        world[L.LEFT_SHOULDER, :3] - world[L.RIGHT_SHOULDER, :3])) if have_shoulders else nan

    # Profile: MediaPipe places both ears, shoulders and hips even when one side is
    # hidden; their midpoints lie on the body's midline, so turning the head toward or
    # away from the camera does not move them. Angles are toward the image right here;
    # the analyzer turns them toward the user's front with the calibrated facing, which
    # a head resting on a backrest or on the forearms cannot flip.
    hip_mid = (img[L.LEFT_HIP, :2] + img[L.RIGHT_HIP, :2]) / 2
    side_head = _angle_from_vertical_deg(ear_mid - sh_mid, 1.0) \
        if have_head and have_shoulders else nan
    side_trunk = _angle_from_vertical_deg(sh_mid - hip_mid, 1.0) \
        if hips_visible >= min_visibility and have_shoulders else nan
    facing = 1.0 if nose[0] >= ear_mid[0] else -1.0

    # Stretching or a hand behind the head lifts an elbow above the shoulders; the pose of
    # the head and shoulders then says nothing about sitting posture.
    elbow_lift = nan
    if have_shoulders and shoulder_width > 1e-6:
        lifts = [float(sh_mid[1] - img[elbow, 1]) / shoulder_width
                 for elbow in (L.LEFT_ELBOW, L.RIGHT_ELBOW)
                 if img[elbow, 3] >= min_visibility
                 and _in_frame(pose, (elbow,), image_width, image_height)]
        elbow_lift = max(lifts) if lifts else nan

    return Features(
        body_yaw_deg=body_yaw_deg(pose),
        head_yaw_deg=head_yaw,
        head_pitch_hw=head_pitch,
        head_width_px=head_width,
        shoulder_width_px=shoulder_width if have_shoulders else nan,
        head_below_centre_hw=head_below,
        head_across_centre_hw=head_across,
        head_distance_hw=head_distance,
        shoulders_below_centre_hw=shoulders_below,
        head_above_shoulders_sw=head_above_shoulders,
        world_shoulder_width_m=world_shoulder_width,
        side_head_deg=side_head,
        side_trunk_deg=side_trunk,
        facing=facing,
        shoulders_visible=shoulders_visible,
        head_visible=head_visible,
        hips_visible=hips_visible,
        elbow_lift_sw=elbow_lift,
        shoulders_bottom_share=(float(max(l_sh[1], r_sh[1])) / image_height
                                if have_shoulders else nan),
    )


SHOULDER_FIELDS = ("shoulder_width_px", "shoulders_below_centre_hw", "head_above_shoulders_sw",
                   "world_shoulder_width_m")


def head_only(features: Features) -> Features:
    """The features without what depends on the shoulders, for close framing: there
    MediaPipe places shoulders cut off by the bottom edge a few pixels inside it, where
    they are a guess, not a measurement."""
    return dataclasses.replace(features, **{name: float("nan") for name in SHOULDER_FIELDS})


def head_in_frame(pose: Pose, image_width: int, image_height: int) -> bool:
    """A user whose face is out of the picture (standing up, walking past) is not seated."""
    return _in_frame(pose, (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR), image_width, image_height)


def pose_size_px(pose: Pose) -> float:
    """A rough size of the person in the image, to find who is nearest the camera."""
    xy = pose.xy(L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.NOSE, L.LEFT_EAR, L.RIGHT_EAR)
    span = xy.max(axis=0) - xy.min(axis=0)
    return float(np.hypot(*span))


def pose_centre_px(pose: Pose) -> np.ndarray:
    return pose.xy(L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.NOSE).mean(axis=0)


def select_user(poses: tuple[Pose, ...], previous_centre: np.ndarray | None,
                image_width: int) -> int | None:
    """Index of the pose to follow: the person nearest the camera, without flipping.

    The largest person in the image wins, but the one we followed last frame keeps the
    lead unless another is clearly (25 %) larger: a colleague leaning in behind the user
    must not steal the analysis for a frame.
    """
    if not poses:
        return None
    sizes = np.array([pose_size_px(p) for p in poses])
    best = int(np.argmax(sizes))
    if previous_centre is None or len(poses) == 1:
        return best
    centres = np.array([pose_centre_px(p) for p in poses])
    distances = np.linalg.norm(centres - previous_centre, axis=1)
    tracked = int(np.argmin(distances))
    if distances[tracked] < 0.2 * image_width and sizes[tracked] * 1.25 >= sizes[best]:
        return tracked
    return best
