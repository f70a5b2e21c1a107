"""Hand-made poses: a stick-figure upper body posed by true angles, seen by a pinhole camera.

The figure is built in a body frame (X = the person's left, Y = up, Z = the way they
face), posed by the same angles the analyzer estimates, and projected through a camera
placed around it. Image landmarks come out in pixels and world landmarks in MediaPipe's
convention (metres, origin between the hips, y down, z away from the camera), so the
analysis can be checked against known geometry without a model or a video.
"""

from __future__ import annotations

import math

import numpy as np

from posture_cam.core.landmarks import N_LANDMARKS, LandmarkId as L, Pose, PoseFrame

TORSO_M = 0.50
NECK_M = 0.20  # shoulder midpoint -> ear midpoint
SHOULDER_RADIUS_M = 0.18  # neck base -> shoulder joint
HIP_HALF_M = 0.15


def _rot_x(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])


def _rot_y(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])


def body_points(head_forward_deg: float = 10.0, trunk_forward_deg: float = 0.0,
                protraction_deg: float = 10.0, head_yaw_deg: float = 0.0,
                shift_m: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> np.ndarray:
    """(33, 3) body-frame points of a seated upper body; hip midpoint at the origin."""
    p = np.zeros((N_LANDMARKS, 3))
    lean = _rot_x(trunk_forward_deg)  # rotates +Y toward +Z
    neck_base = lean @ np.array([0, TORSO_M, 0])
    for side, sign in ((L.LEFT_SHOULDER, 1), (L.RIGHT_SHOULDER, -1)):
        phi = math.radians(protraction_deg)
        p[side] = neck_base + lean @ (SHOULDER_RADIUS_M * np.array(
            [sign * math.cos(phi), -0.02 / SHOULDER_RADIUS_M, math.sin(phi)]))
    shoulder_mid = (p[L.LEFT_SHOULDER] + p[L.RIGHT_SHOULDER]) / 2
    theta = math.radians(head_forward_deg)
    ear_mid = shoulder_mid + NECK_M * np.array([0, math.cos(theta), math.sin(theta)])
    head = _rot_y(head_yaw_deg)
    offsets = {
        L.LEFT_EAR: (0.075, 0, 0), L.RIGHT_EAR: (-0.075, 0, 0),
        L.NOSE: (0, -0.01, 0.10),
        L.LEFT_EYE_INNER: (0.015, 0.03, 0.09), L.LEFT_EYE: (0.032, 0.03, 0.085),
        L.LEFT_EYE_OUTER: (0.048, 0.03, 0.078),
        L.RIGHT_EYE_INNER: (-0.015, 0.03, 0.09), L.RIGHT_EYE: (-0.032, 0.03, 0.085),
        L.RIGHT_EYE_OUTER: (-0.048, 0.03, 0.078),
        L.MOUTH_LEFT: (0.025, -0.045, 0.085), L.MOUTH_RIGHT: (-0.025, -0.045, 0.085),
    }
    for landmark, offset in offsets.items():
        p[landmark] = ear_mid + head @ np.array(offset)
    for side, sign in ((L.LEFT_HIP, 1), (L.RIGHT_HIP, -1)):
        p[side] = (sign * HIP_HALF_M, 0, 0)
    for (elbow, wrist, shoulder) in ((L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_SHOULDER),
                                     (L.RIGHT_ELBOW, L.RIGHT_WRIST, L.RIGHT_SHOULDER)):
        p[elbow] = p[shoulder] + (0, -0.28, 0.05)
        p[wrist] = p[elbow] + (0, 0.0, 0.27)
    for i in range(L.LEFT_PINKY, N_LANDMARKS):
        if not p[i].any():
            p[i] = p[L.LEFT_HIP if i % 2 else L.RIGHT_HIP] + (0, -0.4, 0.3)
    return p + np.array(shift_m)


def look_at(camera_pos: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Rotation whose rows are the camera's right, down and forward axes in body frame."""
    forward = target - camera_pos
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, np.array([0.0, 1.0, 0.0]))
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    return np.stack([right, down, forward])


def make_pose(*, camera_yaw_deg: float = 0.0, camera_distance_m: float = 0.65,
              camera_height_m: float = 0.70, image_size: tuple[int, int] = (640, 480),
              hfov_deg: float = 65.0, visibility: float = 0.99, target_height_m: float = 0.55,
              hips_visible: bool = False, **posture: float) -> Pose:
    """A Pose of the stick figure seen from a camera `camera_yaw_deg` around it.

    Yaw 0 is a frontal webcam on the monitor; 90 looks at the person's left side.
    """
    points = body_points(**posture)
    yaw = math.radians(camera_yaw_deg)
    target = np.array([0.0, target_height_m, 0.0])
    camera = np.array([camera_distance_m * math.sin(yaw), camera_height_m,
                       camera_distance_m * math.cos(yaw)]) + np.array([0, 0, 0.05])
    rotation = look_at(camera, target)
    cam_xyz = (points - camera) @ rotation.T
    width, height = image_size
    focal = (width / 2) / math.tan(math.radians(hfov_deg / 2))
    image = np.zeros((N_LANDMARKS, 4))
    image[:, 0] = focal * cam_xyz[:, 0] / cam_xyz[:, 2] + width / 2
    image[:, 1] = focal * cam_xyz[:, 1] / cam_xyz[:, 2] + height / 2
    hip_mid = (cam_xyz[L.LEFT_HIP] + cam_xyz[L.RIGHT_HIP]) / 2
    image[:, 2] = focal * (cam_xyz[:, 2] - hip_mid[2]) / hip_mid[2]
    image[:, 3] = visibility
    world = np.zeros((N_LANDMARKS, 4))
    world[:, :3] = cam_xyz - hip_mid
    world[:, 3] = visibility
    if not hips_visible:
        image[[L.LEFT_HIP, L.RIGHT_HIP], 3] = 0.1
    return Pose(image, world)


def frame_of(*poses: Pose, t_s: float = 0.0, image_size: tuple[int, int] = (640, 480)) -> PoseFrame:
    return PoseFrame(t_s, image_size[0], image_size[1], tuple(poses))
