"""Pure geometry on one pose: which view we are in, and scale-free posture features.

No state, no I/O, no clock: every function maps landmark arrays to numbers, so it can be
tested with hand-made poses. Image coordinates are pixels with y pointing down; world
coordinates are MediaPipe's metres (origin between the hips, y down, z away from the
camera). Features are NaN when the landmarks they need are not visible enough.

Two views, two sets of evidence:

    side camera (profile)                 frontal camera (on the monitor)

         ear o                                 ear o  (nose)  o ear
              \\  head_forward                         |   <- ear_drop: height of the ear line
      shoulder o  (angle from vertical)       o--------+--------o   above the shoulder line,
               |                            shoulder         shoulder   / shoulder width
               |  trunk_forward
           hip o                         + apparent head size / shoulder width (head nearer)
                                         + MediaPipe depth of ears and shoulders (world z)

In a side view the angles are read directly off the image. In a frontal view the
forward components are along the camera axis, so we measure how the frontal picture
changes relative to the user's calibrated neutral posture (see analyzer.py).
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Features:
    """Scale-free measurements of one pose; NaN where not visible.

    Image features are ratios to the shoulder width (front) so that moving nearer to or
    further from the camera does not change them; angles are in degrees.
    """

    body_yaw_deg: float  # 0 = facing the camera, +-90 = profile (from world shoulders)
    head_yaw_deg: float  # head turned relative to the camera (from the nose vs the ears)
    shoulder_width_px: float  # apparent shoulder width in the image
    head_width_px: float  # apparent ear-to-ear width, corrected for head yaw
    ear_drop_ratio: float  # ear line height above the shoulder line / head width
    nose_drop_ratio: float  # nose height above the shoulder line / head width
    head_to_shoulder_ratio: float  # head width / shoulder width (grows as the head nears)
    world_ear_forward_m: float  # ears ahead of the shoulders along the camera axis (front)
    world_ear_up_m: float  # ears above the shoulders (world)
    world_shoulder_width_m: float
    world_shoulder_forward_m: float  # shoulders ahead of the hips along the camera axis
    side_head_forward_deg: float  # profile: shoulder->ear angle from vertical, + = forward
    side_trunk_forward_deg: float  # profile: hip->shoulder angle from vertical, + = forward
    shoulders_visible: float  # mean visibility of the shoulders
    head_visible: float  # mean visibility of nose and ears
    hips_visible: float  # mean visibility of hips (0 when out of frame)

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


def extract_features(pose: Pose, image_width: int, image_height: int,
                     min_visibility: float = 0.5) -> Features:
    img = pose.image_xyzv
    world = pose.world_xyzv
    nan = float("nan")

    shoulders_visible = _mean_visibility(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    head_visible = _mean_visibility(pose, L.NOSE, L.LEFT_EAR, L.RIGHT_EAR)
    hips_visible = _mean_visibility(pose, L.LEFT_HIP, L.RIGHT_HIP)
    # MediaPipe guesses landmarks outside the picture, with full visibility (a head above
    # the top edge while the user stands up); a guess is not a measurement. Shoulders out
    # of the picture (sitting very close) leave the user present but unmeasurable.
    if not _in_frame(pose, (L.LEFT_HIP, L.RIGHT_HIP), image_width, image_height):
        hips_visible = 0.0
    if not _in_frame(pose, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER), image_width, image_height):
        shoulders_visible = 0.0

    yaw = body_yaw_deg(pose)

    l_sh, r_sh = img[L.LEFT_SHOULDER, :2], img[L.RIGHT_SHOULDER, :2]
    sh_mid = (l_sh + r_sh) / 2
    sh_vec = l_sh - r_sh
    shoulder_width = float(np.hypot(*sh_vec))
    ear_mid = (img[L.LEFT_EAR, :2] + img[L.RIGHT_EAR, :2]) / 2
    nose = img[L.NOSE, :2]

    # Head yaw and a head width that does not shrink when the user looks at a second
    # screen. Seen from above, the ears sit at +-e across the head and the nose p in
    # front (adult heads: p/e ~ 4/3). Turned by yaw psi, the ear span shows 2e*cos(psi)
    # and the nose moves p*sin(psi) off the ear midpoint, so
    #     2e = sqrt(span^2 + (2e/p * offset)^2),  tan(psi) = (2e/p) * offset / span.
    ear_span = img[L.LEFT_EAR, :2] - img[L.RIGHT_EAR, :2]
    ear_span_len = float(np.hypot(*ear_span))
    if ear_span_len > 1e-6:
        offset = float(np.dot(nose - ear_mid, ear_span)) / ear_span_len
        across = HEAD_WIDTH_PER_NOSE_DEPTH * offset
        head_yaw = math.degrees(math.atan2(across, ear_span_len))
        head_width = math.hypot(ear_span_len, across)
    else:
        head_yaw = head_width = nan
    head_to_shoulder = head_width / shoulder_width if shoulder_width > 1e-6 else nan

    # Height above the shoulder line, measured perpendicular to it so that a tilted
    # (rolled) camera or a dropped shoulder does not read as a head drop, in head widths:
    # both are at the head's distance from the camera, so the ratio is ~ cos(head angle)
    # whatever the distance, and rounding the shoulders does not change it.
    if shoulder_width > 1e-6 and head_width > 1e-6:
        normal_up = np.array([sh_vec[1], -sh_vec[0]]) / shoulder_width
        if normal_up[1] > 0:
            normal_up = -normal_up
        ear_drop_ratio = float(np.dot(ear_mid - sh_mid, normal_up)) / head_width
        nose_drop_ratio = float(np.dot(nose - sh_mid, normal_up)) / head_width
    else:
        ear_drop_ratio = nose_drop_ratio = nan

    w_sh_mid = (world[L.LEFT_SHOULDER, :3] + world[L.RIGHT_SHOULDER, :3]) / 2
    w_ear_mid = (world[L.LEFT_EAR, :3] + world[L.RIGHT_EAR, :3]) / 2
    w_hip_mid = (world[L.LEFT_HIP, :3] + world[L.RIGHT_HIP, :3]) / 2
    world_ear_forward = float(w_sh_mid[2] - w_ear_mid[2])  # z grows away from the camera
    world_ear_up = float(w_sh_mid[1] - w_ear_mid[1])  # y grows downward
    world_shoulder_width = float(np.linalg.norm(
        world[L.LEFT_SHOULDER, :3] - world[L.RIGHT_SHOULDER, :3]))
    world_shoulder_forward = float(w_hip_mid[2] - w_sh_mid[2])

    # Profile: MediaPipe places both ears, shoulders and hips even when one side is
    # hidden; their midpoints lie on the body's midline, so turning the head toward or
    # away from the camera does not move them. The nose says which way the person faces.
    hip_mid = (img[L.LEFT_HIP, :2] + img[L.RIGHT_HIP, :2]) / 2
    facing = 1.0 if nose[0] >= ear_mid[0] else -1.0
    side_head = _angle_from_vertical_deg(ear_mid - sh_mid, facing)
    if hips_visible >= min_visibility:
        side_trunk = _angle_from_vertical_deg(sh_mid - hip_mid, facing)
    else:
        side_trunk = nan

    if head_visible < min_visibility:
        ear_drop_ratio = nose_drop_ratio = head_to_shoulder = nan
        world_ear_forward = world_ear_up = side_head = head_yaw = nan
    if shoulders_visible < min_visibility:
        return _all_nan(yaw, shoulders_visible, head_visible, hips_visible)

    return Features(
        body_yaw_deg=yaw,
        head_yaw_deg=head_yaw,
        shoulder_width_px=shoulder_width,
        head_width_px=head_width,
        ear_drop_ratio=ear_drop_ratio,
        nose_drop_ratio=nose_drop_ratio,
        head_to_shoulder_ratio=head_to_shoulder,
        world_ear_forward_m=world_ear_forward,
        world_ear_up_m=world_ear_up,
        world_shoulder_width_m=world_shoulder_width,
        world_shoulder_forward_m=world_shoulder_forward,
        side_head_forward_deg=side_head,
        side_trunk_forward_deg=side_trunk,
        shoulders_visible=shoulders_visible,
        head_visible=head_visible,
        hips_visible=hips_visible,
    )


def _all_nan(yaw: float, shoulders: float, head: float, hips: float) -> Features:
    values = {name: float("nan") for name in Features.names()}
    values.update(body_yaw_deg=yaw, shoulders_visible=shoulders, head_visible=head,
                  hips_visible=hips)
    return Features(**values)


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
