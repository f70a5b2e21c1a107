"""The MediaPipe adapter: model checks and plain-numpy results (real model, no mocks)."""

import sys
import zipfile

import cv2
import numpy as np
import pytest

from conftest import sample
from posture_cam.core.errors import UserError
from posture_cam.core.landmarks import LandmarkId
from posture_cam.pose import (PoseEstimator, bundled_model_path, check_model,
                              default_model_path, limit_malloc_arenas, sha256_of,
                              survey_model_for)

pytestmark = pytest.mark.model


def test_the_bundled_model_matches_its_checksum():
    check_model(default_model_path())


@pytest.mark.parametrize("variant", ["lite", "full"])  # heavy is built on demand, not committed
def test_each_committed_bundle_matches_its_checksum(variant):
    path = bundled_model_path(variant)
    expected = path.with_name(path.name + ".sha256").read_text().split()
    assert expected == [sha256_of(path), path.name]
    check_model(path)


def _frame(name: str, index: int) -> np.ndarray:
    capture = cv2.VideoCapture(str(sample(name)))
    capture.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, image = capture.read()
    capture.release()
    assert ok
    return image


def test_the_lite_bundle_finds_the_person_where_the_full_one_does():
    image = _frame("front_upright_a", 30)
    found = {}
    for variant in ("lite", "full"):
        with PoseEstimator(bundled_model_path(variant)) as estimator:
            frame = estimator.detect(image, 0.0)
        assert len(frame.poses) == 1, variant
        found[variant] = frame.poses[0].image_xyzv
    points = [LandmarkId.NOSE, LandmarkId.LEFT_SHOULDER, LandmarkId.RIGHT_SHOULDER]
    assert (found["lite"][points, 3] > 0.9).all()  # visibility
    # The same body: nose and shoulders within 3 % of the image width of full's.
    gap_px = np.hypot(*(found["lite"][points, :2] - found["full"][points, :2]).T)
    assert gap_px.max() < 0.03 * image.shape[1], gap_px


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


# --- importing only the pose landmarker (pose._import_mediapipe) ----------------------------

_FIND_A_POSE = """
import sys, cv2
from posture_cam import pose
{setup}
capture = cv2.VideoCapture(sys.argv[1])
capture.set(cv2.CAP_PROP_POS_FRAMES, 30)
ok, image = capture.read()
with pose.PoseEstimator() as estimator:
    print(len(estimator.detect(image, 0.0).poses))
with pose.PoseEstimator() as estimator:  # a second one (evaluate: one per clip)
    estimator.detect(image, 0.0)
print(*sorted(m for m in ("matplotlib", "sounddevice", "mediapipe.tasks.python.audio",
                          "mediapipe.tasks.python.text") if m in sys.modules))
{after}
"""


def _run_fresh(setup: str = "", after: str = "") -> list[str]:
    """In a process of its own: which modules are imported is process-wide state."""
    import subprocess

    from conftest import ROOT

    code = _FIND_A_POSE.format(setup=setup, after=after)
    proc = subprocess.run([sys.executable, "-c", code, str(sample("front_upright_a"))],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.splitlines()


def test_the_estimator_loads_without_mediapipes_audio_text_or_matplotlib():
    found, imported = _run_fresh()[:2]
    assert found == "1" and imported == ""


def test_the_estimator_works_after_a_plain_mediapipe_import():
    assert _run_fresh(setup="import mediapipe.tasks.python.vision")[0] == "1"


def test_a_plain_mediapipe_import_afterwards_still_gets_the_whole_package():
    lines = _run_fresh(after="""
import mediapipe
from mediapipe.tasks.python import audio, vision
print(mediapipe.__version__, vision.FaceDetector.__name__, audio.AudioClassifier.__name__,
      mediapipe.Image is pose._import_mediapipe()[0].Image)
""")
    assert lines[0] == "1"
    version, face, classifier, same_image = lines[2].split()
    assert version[0].isdigit() and (face, classifier, same_image) == (
        "FaceDetector", "AudioClassifier", "True")


def test_another_mediapipe_layout_falls_back_to_the_whole_import():
    """A module moved in a later mediapipe: the lean import fails, the plain one works."""
    found, imported = _run_fresh(setup="""
pose._POSE_MODULES = pose._POSE_MODULES + ("mediapipe.tasks.python.vision.moved_away",)
""")[:2]
    assert found == "1" and "mediapipe.tasks.python.audio" in imported.split()


# --- the survey's model (pose.survey_model_for) ----------------------------------------------

def _bundle_copy(tmp_path, detector: bytes | None = None):
    """A copy of the full bundle elsewhere, optionally with another person detector."""
    copy = tmp_path / "my_model.task"
    with zipfile.ZipFile(bundled_model_path("full")) as source, \
            zipfile.ZipFile(copy, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, detector if detector and name == "pose_detector.tflite"
                            else data)
    return copy


@pytest.mark.parametrize("variant", ["lite", "full"])
def test_bundled_models_survey_with_the_lite_bundle(variant):
    with PoseEstimator(bundled_model_path(variant)) as estimator:
        assert estimator.survey_model_path == bundled_model_path("lite")


def test_a_model_with_the_same_person_detector_surveys_with_the_lite_bundle(tmp_path):
    assert survey_model_for(_bundle_copy(tmp_path)) == bundled_model_path("lite")


def test_a_model_with_another_person_detector_surveys_with_itself(tmp_path):
    with zipfile.ZipFile(bundled_model_path("full")) as bundle:
        detector = bytearray(bundle.read("pose_detector.tflite"))
    detector[-1] ^= 0xFF  # another detector, as far as the survey can tell
    other = _bundle_copy(tmp_path, bytes(detector))
    assert survey_model_for(other) == other


# --- glibc malloc arenas (pose.limit_malloc_arenas) ------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_malloc_arenas_are_limited_on_glibc():
    assert limit_malloc_arenas() is True


def test_without_glibc_the_arena_limit_is_skipped_silently(tmp_path):
    assert limit_malloc_arenas(libc=str(tmp_path / "libc.so.6")) is False
