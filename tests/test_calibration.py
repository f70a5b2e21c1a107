"""Calibration: a baseline from still frames, refusals, and safe files."""

import json

import pytest

from factories import make_pose
from posture_cam.core.calibration import Framing, build_baseline
from posture_cam.storage import load_baseline, save_baseline
from posture_cam.core.errors import UserError
from posture_cam.core.geometry import View, extract_features

pytestmark = pytest.mark.unit


def _features(**kw):
    return extract_features(make_pose(**kw), 640, 480)


def test_baseline_is_the_median_posture_and_knows_the_view():
    frames = [_features(head_forward_deg=10 + (i % 3)) for i in range(12)]
    baseline = build_baseline(frames, 640, 480, source="test")
    assert baseline.view is View.FRONT
    assert baseline.n_frames == 12
    assert baseline.framing is Framing.FULL
    assert baseline.median.head_below_centre_hw == pytest.approx(
        _features(head_forward_deg=11).head_below_centre_hw)


def test_refuses_when_nobody_is_seen():
    with pytest.raises(UserError, match="saw a person in 2 of 20 frames"):
        build_baseline([None] * 18 + [_features()] * 2, 640, 480, source="test")


def test_refuses_when_the_person_moves_too_much():
    frames = [_features(camera_distance_m=d) for d in (0.45, 0.9) * 6]
    with pytest.raises(UserError, match="moved too much"):
        build_baseline(frames, 640, 480, source="test")


def test_refuses_an_oblique_camera():
    frames = [_features(camera_yaw_deg=45, camera_distance_m=1.0)] * 10
    with pytest.raises(UserError, match="angle"):
        build_baseline(frames, 640, 480, source="test")


def test_save_and_load_round_trip(tmp_path):
    baseline = build_baseline([_features()] * 8, 640, 480, source="test")
    path = tmp_path / "sub" / "calibration.json"
    save_baseline(baseline, path)
    loaded = load_baseline(path)
    assert loaded.view is baseline.view
    assert loaded.framing is baseline.framing and loaded.facing == baseline.facing
    assert loaded.median.head_below_centre_hw == pytest.approx(baseline.median.head_below_centre_hw)
    assert list(path.parent.iterdir()) == [path]  # no temp files left behind


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"format": "something else"}', "not a posture-cam calibration"),
    ('{"format": "posture_cam.calibration", "version": 99}', "version 99"),
    ('{"format": "posture_cam.calibration", "version": 1}', "version 1"),
    ('{"format": "posture_cam.calibration", "version": 2, "view": "front"}', "damaged"),
])
def test_damaged_calibration_files_give_one_line_errors(tmp_path, content, message):
    path = tmp_path / "calibration.json"
    path.write_text(content)
    with pytest.raises(UserError, match=message) as error:
        load_baseline(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_missing_calibration_says_what_to_do(tmp_path):
    with pytest.raises(UserError, match="posture-cam calibrate"):
        load_baseline(tmp_path / "calibration.json")


def test_a_failed_save_keeps_the_previous_calibration(tmp_path, monkeypatch):
    path = tmp_path / "calibration.json"
    good = build_baseline([_features()] * 8, 640, 480, source="first")
    save_baseline(good, path)
    before = path.read_text()

    def broken_replace(*_args):
        raise OSError("disk full")

    monkeypatch.setattr("posture_cam.storage.os.replace", broken_replace)
    with pytest.raises(UserError, match="cannot write"):
        save_baseline(build_baseline([_features()] * 8, 640, 480, source="second"), path)
    assert path.read_text() == before
    assert json.loads(before)["source"] == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["calibration.json"]
