"""Stand-ins for the monitor tests: a model that always sees an upright person, a sink."""

from __future__ import annotations

from factories import make_pose
from posture_cam.core.analyzer import Analyzer
from posture_cam.core.breaks import SittingTimer
from posture_cam.core.calibration import build_baseline
from posture_cam.core.decision import SlouchDetector
from posture_cam.core.geometry import extract_features
from posture_cam.core.landmarks import PoseFrame
from posture_cam.core.pipeline import Pipeline


class RecordingDetector:
    """Stands in for the model: an upright person in every frame; remembers what it saw."""

    def __init__(self) -> None:
        self.seen_t: list[float] = []

    def detect(self, image, t_s: float) -> PoseFrame:
        self.seen_t.append(t_s)
        height, width = image.shape[:2]
        return PoseFrame(t_s, width, height, (make_pose(image_size=(width, height)),))


class Collect:
    def __init__(self) -> None:
        self.results = []
        self.closed = False

    def handle(self, result) -> None:
        self.results.append(result)

    def close(self) -> None:
        self.closed = True


def fake_pipeline(detector) -> Pipeline:
    """The real pipeline after the model, calibrated on the factory's upright pose."""
    pose = make_pose(image_size=(80, 60))
    baseline = build_baseline([extract_features(pose, 80, 60)] * 8, 80, 60, source="test")
    return Pipeline(detector, Analyzer(baseline), SlouchDetector(), SittingTimer())
