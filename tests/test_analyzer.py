"""Readings relative to the calibrated posture, on hand-made poses seen by a pinhole camera."""

import math

import pytest

from factories import frame_of, make_pose
from posture_cam.core.analyzer import Analyzer, estimate_readings, front_index_parts, front_kind
from posture_cam.core.calibration import Framing, build_baseline
from posture_cam.core.events import Posture
from posture_cam.core.geometry import View, extract_features

pytestmark = pytest.mark.unit

FRONT = dict(camera_yaw_deg=0.0, camera_distance_m=0.65)
SIDE = dict(camera_yaw_deg=90.0, camera_distance_m=1.5, camera_height_m=0.5, hips_visible=True)


def _baseline(camera, **posture):
    features = [extract_features(make_pose(**camera, **posture), 640, 480)] * 10
    return build_baseline(features, 640, 480, source="test")


def _readings(camera, base=None, **posture):
    baseline = _baseline(camera, **(base or {}))
    features = extract_features(make_pose(**camera, **posture), 640, 480)
    return estimate_readings(features, baseline, 640)


@pytest.mark.parametrize("camera", [FRONT, SIDE], ids=["front", "side"])
def test_the_calibrated_posture_reads_as_zero(camera):
    r = _readings(camera)
    assert [v for v in r.values() if math.isfinite(v)] == pytest.approx([0, 0, 0], abs=0.05)


def test_side_view_reads_forward_head_in_degrees():
    r = _readings(SIDE, head_forward_deg=35)
    assert r.head == pytest.approx(25, abs=4)
    assert abs(r.trunk) < 3 and math.isnan(r.shoulders)


@pytest.mark.parametrize("camera", [SIDE, {**SIDE, "camera_yaw_deg": -90.0}],
                         ids=["facing right", "facing left"])
def test_side_view_reads_trunk_lean_and_recline_with_the_calibrated_facing(camera):
    forward = _readings(camera, trunk_forward_deg=20)
    back = _readings(camera, trunk_forward_deg=-20)
    assert forward.trunk == pytest.approx(20, abs=4) and forward.slump < 0
    assert back.slump == pytest.approx(20, abs=4) and back.trunk < 0


def test_frontal_forward_head_is_a_clear_slouch():
    """25 degrees more head-forward: the head drops and comes nearer, the neck shortens."""
    r = _readings(FRONT, base=dict(head_forward_deg=10), head_forward_deg=35)
    assert r.head > 1.0


def test_frontal_trunk_lean_is_measured_in_degrees_and_raises_the_index():
    r = _readings(FRONT, trunk_forward_deg=20)
    assert r.trunk == pytest.approx(20, abs=5)
    assert r.head > 1.0


def test_sliding_down_in_the_chair_is_a_slouch_named_slumped():
    """The whole body sinks: head and shoulders drop together."""
    baseline = _baseline(FRONT)
    sunk = extract_features(make_pose(**FRONT, shift_m=(0.0, -0.08, 0.0)), 640, 480)
    assert estimate_readings(sunk, baseline, 640).head > 1.0
    assert front_kind(sunk, baseline.median) is Posture.SLUMPED
    forward = extract_features(make_pose(**FRONT, head_forward_deg=35), 640, 480)
    assert front_kind(forward, baseline.median) is Posture.HEAD_FORWARD


@pytest.mark.parametrize("posture", [dict(head_yaw_deg=40), dict(shift_m=(0.12, 0.0, 0.0)),
                                     dict(shift_m=(0.0, 0.0, -0.06))],
                         ids=["second screen", "chair moved sideways", "sitting back"])
def test_what_is_not_a_slouch_stays_well_under_the_index(posture):
    r = _readings(FRONT, **posture)
    assert r.head < 0.5


def test_turning_the_head_drops_the_nearer_part_of_the_index():
    baseline = _baseline(FRONT)
    turned = extract_features(make_pose(**FRONT, head_yaw_deg=45), 640, 480)
    _, nearer, _ = front_index_parts(turned, baseline.median)
    assert nearer == 0


def test_analyzer_smooths_and_gives_severities():
    baseline = _baseline(SIDE)
    analyzer = Analyzer(baseline)
    samples = [analyzer.update(frame_of(make_pose(**SIDE, head_forward_deg=35), t_s=t / 2))
               for t in range(20)]
    assert samples[0].person_seen and samples[0].view is View.SIDE
    expected = _readings(SIDE, head_forward_deg=35).head
    assert samples[-1].readings.head == pytest.approx(expected, abs=1)
    assert samples[-1].severity.head == pytest.approx(expected / 12, abs=0.1)
    assert samples[-1].confidence > 0.9


def test_nobody_in_view_gives_an_empty_sample():
    analyzer = Analyzer(_baseline(FRONT))
    sample = analyzer.update(frame_of(t_s=1.0))
    assert not sample.person_seen and sample.confidence == 0
    assert math.isnan(sample.readings.head)


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


CLOSE_UP = dict(camera_distance_m=0.30, hfov_deg=45, target_height_m=0.68)


def test_close_framing_reads_the_head_alone():
    """A laptop close to the face: shoulders below the picture, the head still measured."""
    close_up = make_pose(**CLOSE_UP)
    assert close_up.image_xyzv[11, 1] > 480 or close_up.image_xyzv[11, 0] > 640
    baseline = build_baseline([extract_features(close_up, 640, 480)] * 10, 640, 480, "test")
    assert baseline.framing is Framing.HEAD_ONLY and baseline.view is View.FRONT
    analyzer = Analyzer(baseline)
    upright = analyzer.update(frame_of(close_up, t_s=0.0))
    assert upright.person_seen and upright.confidence > 0.9
    assert upright.readings.head == pytest.approx(0, abs=0.05)
    assert math.isnan(upright.readings.shoulders) and math.isnan(upright.readings.slump)
    dropped = extract_features(make_pose(**CLOSE_UP, head_forward_deg=35), 640, 480)
    assert estimate_readings(dropped, baseline, 640).head > 1.0


def test_an_arm_raised_to_stretch_is_not_read_as_posture():
    analyzer = Analyzer(_baseline(FRONT))
    pose = make_pose(**FRONT)
    image = pose.image_xyzv.copy()
    image[13, 1] = image[11, 1] - 60  # left elbow above the shoulders
    stretching = type(pose)(image, pose.world_xyzv)
    assert analyzer.update(frame_of(pose, t_s=0.0)).confidence > 0.9
    assert analyzer.update(frame_of(stretching, t_s=0.5)).confidence == 0


def test_looking_down_at_the_keyboard_is_not_trusted():
    """The head tips forward (nose well below the ear line): confidence falls to zero."""
    analyzer = Analyzer(_baseline(FRONT))
    pose = make_pose(**FRONT)
    image = pose.image_xyzv.copy()
    image[0, 1] += 0.4 * abs(image[7, 0] - image[8, 0])  # nose 0.4 head widths lower
    looking_down = type(pose)(image, pose.world_xyzv)
    assert analyzer.update(frame_of(looking_down, t_s=0.5)).confidence == 0


@pytest.mark.parametrize("camera, words", [
    (dict(FRONT, shift_m=(0.25, 0.0, 0.0)), "head widths to the"),
    (dict(FRONT, camera_distance_m=1.1), "further from the camera"),
    (dict(camera_yaw_deg=90.0, camera_distance_m=1.5), "seen from the side"),
], ids=["chair moved sideways", "further away", "camera moved to the side"])
def test_a_place_unlike_the_calibration_is_named(camera, words):
    analyzer = Analyzer(_baseline(FRONT))
    assert analyzer.update(frame_of(make_pose(**FRONT), t_s=0.0)).misfit == ""
    assert words in analyzer.update(frame_of(make_pose(**camera), t_s=0.5)).misfit
