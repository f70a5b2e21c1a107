"""Angle estimates relative to the calibrated posture, on hand-made poses."""

import math

import pytest

from factories import frame_of, make_pose
from posture_cam.analyzer import Analyzer, estimate_deltas
from posture_cam.calibration import build_baseline
from posture_cam.geometry import View, extract_features

FRONT = dict(camera_yaw_deg=0.0, camera_distance_m=0.65)
SIDE = dict(camera_yaw_deg=90.0, camera_distance_m=1.5, camera_height_m=0.5, hips_visible=True)


def _baseline(camera):
    features = [extract_features(make_pose(**camera), 640, 480)] * 10
    return build_baseline(features, 640, 480, source="test")


def _deltas(camera, **posture):
    baseline = _baseline(camera)
    features = extract_features(make_pose(**camera, **posture), 640, 480)
    return estimate_deltas(features, baseline, 640)


@pytest.mark.parametrize("camera", [FRONT, SIDE], ids=["front", "side"])
def test_the_calibrated_posture_reads_as_zero(camera):
    assert _deltas(camera) == pytest.approx((0, 0, 0), abs=0.5)


@pytest.mark.parametrize("camera", [FRONT, SIDE], ids=["front", "side"])
def test_forward_head_is_measured(camera):
    """25 degrees more head-forward reads as a clear slouch (the frontal gain is
    calibrated on rendered people, whose head also flexes; this stick figure's does not)."""
    head, trunk, shoulder = _deltas(camera, head_forward_deg=35)
    assert 12 < head < 35
    assert abs(trunk) < 3 and abs(shoulder) < 3


@pytest.mark.parametrize("camera", [FRONT, SIDE], ids=["front", "side"])
def test_trunk_lean_toward_the_screen_is_measured(camera):
    head, trunk, _ = _deltas(camera, trunk_forward_deg=20)
    assert trunk == pytest.approx(20, abs=4)
    assert head < 8


@pytest.mark.parametrize("camera", [FRONT, SIDE], ids=["front", "side"])
def test_rounded_shoulders_are_measured(camera):
    head, _, shoulder = _deltas(camera, protraction_deg=28)
    assert shoulder == pytest.approx(18, abs=4)
    assert abs(head) < 4


def test_looking_at_a_second_screen_is_not_a_slouch():
    head, trunk, shoulder = _deltas(FRONT, head_yaw_deg=40)
    assert head < 8 and abs(trunk) < 3 and abs(shoulder) < 3


def test_moving_the_chair_sideways_is_not_a_slouch():
    head, trunk, shoulder = _deltas(FRONT, shift_m=(0.12, 0.0, 0.0))
    assert max(abs(head), abs(trunk), abs(shoulder)) < 3


def test_analyzer_smooths_and_reports_absolute_angles():
    baseline = _baseline(FRONT)
    analyzer = Analyzer(baseline)
    samples = [analyzer.update(frame_of(make_pose(**FRONT, head_forward_deg=35), t_s=t / 2))
               for t in range(20)]
    assert samples[0].person_seen and samples[0].view is View.FRONT
    assert samples[-1].head_delta_deg == pytest.approx(_deltas(FRONT, head_forward_deg=35)[0],
                                                       abs=1)
    assert samples[-1].confidence > 0.9


def test_nobody_in_view_gives_an_empty_sample():
    analyzer = Analyzer(_baseline(FRONT))
    sample = analyzer.update(frame_of(t_s=1.0))
    assert not sample.person_seen and sample.confidence == 0
    assert math.isnan(sample.head_delta_deg)


def test_turning_the_whole_body_away_lowers_confidence():
    analyzer = Analyzer(_baseline(FRONT))
    facing = analyzer.update(frame_of(make_pose(**FRONT), t_s=0))
    turned = analyzer.update(frame_of(make_pose(camera_yaw_deg=80, camera_distance_m=0.9), t_s=1))
    assert turned.confidence < 0.5 * facing.confidence


def test_a_head_above_the_picture_means_nobody_is_seated():
    """Standing up: MediaPipe still guesses the face, above the top edge."""
    analyzer = Analyzer(_baseline(FRONT))
    standing = make_pose(**FRONT, shift_m=(0.0, 0.45, 0.0))
    assert standing.image_xyzv[0, 1] < 0
    assert not analyzer.update(frame_of(standing, t_s=1.0)).person_seen


def test_shoulders_out_of_the_picture_are_present_but_not_measured():
    analyzer = Analyzer(_baseline(FRONT))
    close_up = make_pose(**{**FRONT, "camera_distance_m": 0.30}, hfov_deg=45,
                         target_height_m=0.68)
    assert close_up.image_xyzv[11, 0] > 640 or close_up.image_xyzv[12, 0] < 0
    sample = analyzer.update(frame_of(close_up, t_s=1.0))
    assert sample.person_seen and sample.confidence == 0
    assert math.isnan(sample.head_delta_deg)
