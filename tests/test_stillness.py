"""The still-picture gate: the pose model runs again only when the picture around the
user has changed (core/stillness.py)."""

from __future__ import annotations

import numpy as np
import pytest

from monitor_fakes import RecordingDetector
from posture_cam.core.calibration import build_baseline
from posture_cam.core.geometry import extract_features
from posture_cam.core.landmarks import PoseFrame
from posture_cam.core.pipeline import build_pipeline
from posture_cam.core.settings import Config, config_from_mapping
from posture_cam.core.stillness import (CHANGE_SHARE, StillFrames, changed_share,
                                         posture_region, thumbnail)

pytestmark = pytest.mark.unit

WIDTH, HEIGHT = 640, 480
rng = np.random.default_rng(7)


def picture(head_y: int = 100, hands_y: int = 420, noise: float = 3.0) -> np.ndarray:
    """A dark room, a lit head-and-shoulders block where RecordingDetector's pose stands,
    hands at the bottom; camera noise on top."""
    image = np.full((HEIGHT, WIDTH, 3), 40.0)
    image[head_y:head_y + 120, 260:380] = 200.0  # head
    image[head_y + 120:head_y + 200, 200:440] = 150.0  # shoulders
    image[hands_y:hands_y + 40, 250:390] = 180.0  # hands on the keyboard
    image += rng.normal(0.0, noise, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def run(gate: StillFrames, images: list[np.ndarray], step_s: float = 0.5) -> list[PoseFrame]:
    return [gate.detect(image, i * step_s) for i, image in enumerate(images)]


def test_an_unchanged_picture_reuses_the_last_pose_with_the_new_time() -> None:
    detector = RecordingDetector()
    gate = StillFrames(detector, max_reuse_s=5.0)
    frames = run(gate, [picture() for _ in range(6)])
    assert detector.seen_t == [0.0, 0.5, 1.0]  # the first, then two to settle; noise is no change
    assert [f.t_s for f in frames] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert all(f.poses is frames[2].poses for f in frames[2:])
    assert (gate.analysed, gate.reused) == (3, 3)


def test_the_model_runs_again_after_max_reuse_s_whatever_the_picture() -> None:
    detector = RecordingDetector()
    run(StillFrames(detector, max_reuse_s=2.0), [picture() for _ in range(12)])
    assert detector.seen_t == [0.0, 0.5, 1.0, 3.0, 5.0]


def test_a_head_moving_is_analysed_at_once_and_on_the_two_frames_after() -> None:
    """MediaPipe's landmarks trail a movement: the two frames after it are analysed too,
    though the picture stands still again."""
    detector = RecordingDetector()
    gate = StillFrames(detector, max_reuse_s=30.0)
    run(gate, [picture()] * 5 + [picture(head_y=130)] * 5)
    assert detector.seen_t == [0.0, 0.5, 1.0, 2.5, 3.0, 3.5]


def test_a_slow_slide_adds_up_until_it_counts() -> None:
    """The reference is the last analysed picture, not the previous frame: a head sinking
    by 1 px a frame is never a change from frame to frame, but is after a few."""
    frame_to_frame = changed_share(thumbnail(picture(head_y=100)), thumbnail(picture(head_y=101)),
                                   (slice(None), slice(None)))
    assert frame_to_frame <= CHANGE_SHARE
    detector = RecordingDetector()
    run(StillFrames(detector, max_reuse_s=60.0), [picture(head_y=100 + i) for i in range(40)])
    later = [t for t in detector.seen_t if t > 1.0]
    assert later and later[0] <= 8.0 and len(detector.seen_t) < 40, detector.seen_t


def test_typing_hands_below_the_posture_region_do_not_wake_the_model() -> None:
    detector = RecordingDetector()
    run(StillFrames(detector, max_reuse_s=30.0),
        [picture(hands_y=400 + (i % 2) * 30) for i in range(8)])
    assert detector.seen_t == [0.0, 0.5, 1.0]


def test_with_nobody_in_view_a_change_anywhere_counts() -> None:
    class Empty:
        def __init__(self) -> None:
            self.seen_t: list[float] = []

        def detect(self, image, t_s: float) -> PoseFrame:
            self.seen_t.append(t_s)
            return PoseFrame(t_s, WIDTH, HEIGHT, ())

    detector = Empty()
    run(StillFrames(detector, max_reuse_s=30.0), [picture()] * 4 + [picture(hands_y=300)] * 4)
    assert detector.seen_t == [0.0, 0.5, 1.0, 2.0, 2.5, 3.0]


def test_a_new_picture_size_is_always_analysed() -> None:
    detector = RecordingDetector()
    gate = StillFrames(detector, max_reuse_s=30.0)
    small = picture()[::2, ::2].copy()
    run(gate, [picture(), small])
    assert detector.seen_t == [0.0, 0.5]


def test_the_region_is_around_the_pose_and_everything_without_one() -> None:
    detector = RecordingDetector()
    pose_frame = detector.detect(picture(), 0.0)
    rows, cols = thumbnail(picture()).shape
    region = posture_region(pose_frame, rows, cols)
    assert 0 < region[0].stop - region[0].start < rows
    assert 0 < region[1].stop - region[1].start < cols
    assert posture_region(PoseFrame(0.0, WIDTH, HEIGHT, ()), rows, cols) == (
        slice(0, rows), slice(0, cols))


def test_thumbnail_is_about_forty_cells_across_for_any_frame_size() -> None:
    assert thumbnail(picture()).shape == (30, 40)
    assert thumbnail(np.zeros((720, 1280, 3), np.uint8)).shape == (22, 40)
    assert thumbnail(np.zeros((48, 64), np.uint8)).shape == (48, 64)  # tiny grey frames work


def test_build_pipeline_gates_the_model_unless_turned_off() -> None:
    pose = RecordingDetector().detect(picture(), 0.0).poses[0]
    baseline = build_baseline([extract_features(pose, WIDTH, HEIGHT)] * 8, WIDTH, HEIGHT,
                              source="test")
    on = build_pipeline(RecordingDetector(), baseline, Config())
    off = build_pipeline(RecordingDetector(), baseline,
                         config_from_mapping({"analysis": {"reuse_still_s": 0}}))
    assert isinstance(on.detector, StillFrames)
    assert isinstance(off.detector, RecordingDetector)


def test_someone_beside_the_user_wakes_the_model_and_asks_for_a_look_around() -> None:
    class Looking(RecordingDetector):
        def __init__(self) -> None:
            super().__init__()
            self.asked_t: list[float] = []

        def look_for_others(self) -> None:
            self.asked_t.append(len(self.seen_t))

    def with_passer_by(image: np.ndarray) -> np.ndarray:
        image = image.copy()
        image[40:300, 20:120] = 220  # a body at the left edge, level with the user
        return image

    detector = Looking()
    run(StillFrames(detector, max_reuse_s=30.0),
        [picture()] * 4 + [with_passer_by(picture())] * 4
        + [picture(hands_y=380 + (i % 2) * 30) for i in range(6)])
    assert detector.seen_t == [0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 4.0, 4.5, 5.0]
    assert detector.asked_t == [3, 6]  # when it came, and when it went; not for the hands
