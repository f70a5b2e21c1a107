"""The MediaPipe adapter: model checks and plain-numpy results (real model, no mocks)."""

import zipfile

import numpy as np
import pytest

from posture_cam.core.errors import UserError
from posture_cam.pose import PoseEstimator, check_model, default_model_path

pytestmark = pytest.mark.model


def test_the_bundled_model_matches_its_checksum():
    check_model(default_model_path())


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="missing"):
        PoseEstimator(tmp_path / "nope.task")


def test_a_file_that_is_not_a_bundle_is_rejected(tmp_path):
    bogus = tmp_path / "model.task"
    bogus.write_bytes(b"\x00" * 1000)
    with pytest.raises(UserError, match="not a MediaPipe .task bundle"):
        PoseEstimator(bogus)


def test_a_bundle_without_pose_models_is_rejected(tmp_path):
    bogus = tmp_path / "model.task"
    with zipfile.ZipFile(bogus, "w") as z:
        z.writestr("hand_detector.tflite", b"x")
    with pytest.raises(UserError, match="not a pose landmarker bundle"):
        PoseEstimator(bogus)


def test_a_damaged_copy_fails_its_checksum(tmp_path):
    original = default_model_path().read_bytes()
    copy = tmp_path / default_model_path().name
    damaged = bytearray(original)
    damaged[len(damaged) // 2] ^= 0xFF
    copy.write_bytes(bytes(damaged))
    (tmp_path / (copy.name + ".sha256")).write_text(
        (default_model_path().parent / (copy.name + ".sha256")).read_text())
    with pytest.raises(UserError):
        PoseEstimator(copy)


def test_an_empty_scene_gives_no_pose_and_timestamps_may_restart():
    grey = np.full((240, 320, 3), 120, np.uint8)
    with PoseEstimator() as estimator:
        first = estimator.detect(grey, 0.0)
        again = estimator.detect(grey, 0.0)  # a looped video starts over: no error
    assert first.poses == () and again.poses == ()
    assert (first.image_width, first.image_height) == (320, 240)


def test_large_frames_are_downscaled_before_analysis():
    big = np.full((2160, 3840, 3), 120, np.uint8)
    with PoseEstimator(max_image_width=640) as estimator:
        frame = estimator.detect(big, 0.0)
    assert (frame.image_width, frame.image_height) == (640, 360)
