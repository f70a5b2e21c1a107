"""Geometry on hand-made poses: view detection, features, and who to follow."""

import math

import pytest

from factories import make_pose
from posture_cam.core.geometry import View, body_yaw_deg, extract_features, select_user, view_of

pytestmark = pytest.mark.unit


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
    # the camera on the person's left: they face the image left, so forward is -x
    assert upright.facing == -1.0
    assert upright.side_head_deg - forward.side_head_deg == pytest.approx(20, abs=3)
    assert upright.side_trunk_deg - forward.side_trunk_deg == pytest.approx(12, abs=3)


def test_side_view_angles_mirror_with_the_side_that_faces_the_camera():
    left = extract_features(make_pose(camera_yaw_deg=90, camera_distance_m=1.5,
                                      head_forward_deg=25), 640, 480)
    right = extract_features(make_pose(camera_yaw_deg=-90, camera_distance_m=1.5,
                                       head_forward_deg=25), 640, 480)
    assert (left.facing, right.facing) == (-1.0, 1.0)
    assert left.facing * left.side_head_deg == pytest.approx(right.facing * right.side_head_deg,
                                                             abs=1)
    assert right.side_head_deg > 15


def test_head_width_and_height_do_not_change_when_looking_at_a_second_screen():
    ahead = extract_features(make_pose(), 640, 480)
    turned = extract_features(make_pose(head_yaw_deg=35), 640, 480)
    assert turned.head_yaw_deg == pytest.approx(35, abs=8)
    assert turned.head_width_px == pytest.approx(ahead.head_width_px, rel=0.12)
    assert turned.head_above_shoulders_sw == pytest.approx(ahead.head_above_shoulders_sw,
                                                           rel=0.12)


def test_forward_head_lowers_the_head_toward_the_shoulders_in_a_frontal_view():
    upright = extract_features(make_pose(head_forward_deg=10), 640, 480)
    forward = extract_features(make_pose(head_forward_deg=35), 640, 480)
    assert forward.head_above_shoulders_sw < 0.9 * upright.head_above_shoulders_sw
    assert forward.head_below_centre_hw > upright.head_below_centre_hw


def test_head_position_in_head_widths_does_not_depend_on_the_distance():
    near = extract_features(make_pose(camera_distance_m=0.5, camera_height_m=0.7,
                                      target_height_m=0.7), 640, 480)
    far = extract_features(make_pose(camera_distance_m=0.9, camera_height_m=0.7,
                                     target_height_m=0.7), 640, 480)
    assert near.head_below_centre_hw == pytest.approx(far.head_below_centre_hw, abs=0.05)
    assert far.head_distance_hw / near.head_distance_hw == pytest.approx(0.85 / 0.45, rel=0.1)


def test_invisible_shoulders_leave_the_head_measured():
    pose = make_pose()
    image = pose.image_xyzv.copy()
    image[[11, 12], 3] = 0.2
    features = extract_features(type(pose)(image, pose.world_xyzv), 640, 480)
    assert math.isnan(features.shoulder_width_px)
    assert math.isnan(features.head_above_shoulders_sw)
    assert math.isfinite(features.head_below_centre_hw)


def test_invisible_head_gives_no_head_measurements():
    features = extract_features(make_pose(visibility=0.2), 640, 480)
    assert math.isnan(features.head_width_px) and math.isnan(features.head_below_centre_hw)


def test_hips_below_the_image_are_not_used():
    features = extract_features(make_pose(camera_yaw_deg=90, hips_visible=True), 640, 480)
    assert features.hips_visible == 0.0
    assert math.isnan(features.side_trunk_deg)


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
