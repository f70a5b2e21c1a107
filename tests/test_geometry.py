"""Geometry on hand-made poses: view detection, features, and who to follow."""

import math

import pytest

from factories import make_pose
from posture_cam.geometry import View, body_yaw_deg, extract_features, select_user, view_of


@pytest.mark.parametrize("camera_yaw_deg, expected", [
    (0, View.FRONT), (20, View.FRONT), (-25, View.FRONT),
    (90, View.SIDE), (-90, View.SIDE), (70, View.SIDE), (45, View.UNKNOWN)])
def test_view_is_detected_from_the_shoulder_line(camera_yaw_deg, expected):
    pose = make_pose(camera_yaw_deg=camera_yaw_deg, camera_distance_m=1.5)
    assert view_of(body_yaw_deg(pose)) is expected


def test_side_view_reads_head_and_trunk_angles_off_the_image():
    upright = extract_features(make_pose(camera_yaw_deg=90, camera_distance_m=1.5,
                                         hips_visible=True, head_forward_deg=10), 640, 480)
    forward = extract_features(make_pose(camera_yaw_deg=90, camera_distance_m=1.5,
                                         hips_visible=True, head_forward_deg=30,
                                         trunk_forward_deg=12), 640, 480)
    assert forward.side_head_forward_deg - upright.side_head_forward_deg == pytest.approx(20, abs=3)
    assert forward.side_trunk_forward_deg - upright.side_trunk_forward_deg == pytest.approx(12, abs=3)


def test_side_view_angles_do_not_depend_on_which_side_faces_the_camera():
    left = extract_features(make_pose(camera_yaw_deg=90, camera_distance_m=1.5,
                                      head_forward_deg=25), 640, 480)
    right = extract_features(make_pose(camera_yaw_deg=-90, camera_distance_m=1.5,
                                       head_forward_deg=25), 640, 480)
    assert left.side_head_forward_deg == pytest.approx(right.side_head_forward_deg, abs=1)
    assert left.side_head_forward_deg > 15


def test_head_width_and_drop_do_not_change_when_looking_at_a_second_screen():
    ahead = extract_features(make_pose(), 640, 480)
    turned = extract_features(make_pose(head_yaw_deg=35), 640, 480)
    assert turned.head_yaw_deg == pytest.approx(35, abs=8)
    assert turned.head_width_px == pytest.approx(ahead.head_width_px, rel=0.12)
    assert turned.ear_drop_ratio == pytest.approx(ahead.ear_drop_ratio, rel=0.12)


def test_forward_head_lowers_the_ear_line_in_a_frontal_view():
    upright = extract_features(make_pose(head_forward_deg=10), 640, 480)
    forward = extract_features(make_pose(head_forward_deg=35), 640, 480)
    assert forward.ear_drop_ratio < 0.9 * upright.ear_drop_ratio


def test_invisible_shoulders_give_no_measurements():
    pose = make_pose(visibility=0.2)
    features = extract_features(pose, 640, 480)
    assert math.isnan(features.shoulder_width_px)
    assert math.isnan(features.ear_drop_ratio)


def test_hips_below_the_image_are_not_used():
    features = extract_features(make_pose(camera_yaw_deg=90, hips_visible=True), 640, 480)
    assert features.hips_visible == 0.0
    assert math.isnan(features.side_trunk_forward_deg)


def test_the_nearest_person_is_followed():
    user = make_pose(camera_distance_m=0.65)
    passer_by = make_pose(camera_distance_m=2.5, shift_m=(0.4, 0.0, 0.0))
    assert select_user((passer_by, user), None, 640) == 1


def test_the_followed_person_keeps_the_lead_over_a_similar_one():
    user = make_pose(camera_distance_m=0.70)
    leaning_in = make_pose(camera_distance_m=0.66, shift_m=(0.5, 0.0, 0.0))
    centre = user.xy(11, 12, 0).mean(axis=0)
    assert select_user((leaning_in, user), centre, 640) == 1
    assert select_user((leaning_in, user), None, 640) == 0
