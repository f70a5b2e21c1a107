"""One analysed frame, end to end: pose -> angles -> slouch state -> break timer.

`Pipeline.step(frame)` is the single path every command takes (monitor, replay,
evaluate), so what the tests replay is exactly what runs at the desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol

from .analyzer import Analyzer, PostureSample, UserTracker
from .breaks import SittingTimer
from .decision import SlouchDetector, State
from .events import Event
from .geometry import Features
from .landmarks import PoseFrame
from .sources import Frame


class PoseDetector(Protocol):
    def detect(self, image_bgr, t_s: float) -> PoseFrame:  # type: ignore[no-untyped-def]
        ...


@dataclass(frozen=True)
class StepResult:
    sample: PostureSample
    state: State
    events: tuple[Event, ...]
    pose_frame: PoseFrame
    sitting_s: float
    over_threshold: bool = False  # this frame alone looks slouched (no timing applied)
    image: Any = None  # the BGR frame, for the preview window only (not kept, not saved)

    def to_dict(self) -> dict[str, object]:
        """The per-frame JSON record of `replay --json` (NaN becomes null)."""
        s = self.sample

        def num(value: float, digits: int = 2) -> float | None:
            return None if value != value else round(value, digits)

        return {
            "type": "frame",
            "t_s": round(s.t_s, 3),
            "person_seen": s.person_seen,
            "n_people": s.n_people,
            "view": s.view.value,
            "head_forward_deg": num(s.head_forward_deg),
            "trunk_forward_deg": num(s.trunk_forward_deg),
            "shoulder_rounding_deg": num(s.shoulder_rounding_deg),
            "head_delta_deg": num(s.head_delta_deg),
            "trunk_delta_deg": num(s.trunk_delta_deg),
            "shoulder_delta_deg": num(s.shoulder_delta_deg),
            "confidence": num(s.confidence, 3),
            "over_threshold": self.over_threshold,
            "state": self.state.value,
        }


    def records(self) -> list[dict[str, object]]:
        """This frame's `replay --json` records: the frame, then its events."""
        return [self.to_dict()] + [{"type": "event", **e.to_dict()} for e in self.events]


class Pipeline:
    def __init__(self, detector: PoseDetector, analyzer: Analyzer,
                 slouch: SlouchDetector, sitting: SittingTimer) -> None:
        self.detector = detector
        self.analyzer = analyzer
        self.slouch = slouch
        self.sitting = sitting

    def step(self, frame: Frame) -> StepResult:
        pose_frame = self.detector.detect(frame.image, frame.t_s)
        return self.step_pose(pose_frame, frame.image)

    def step_pose(self, pose_frame: PoseFrame, image: Any = None) -> StepResult:
        """The part after the model, for replaying recorded landmarks without it."""
        sample = self.analyzer.update(pose_frame)
        events = self.slouch.update(sample)
        events += self.sitting.update(sample.t_s, self.slouch.state is not State.AWAY, events)
        return StepResult(sample, self.slouch.state, tuple(events), pose_frame,
                          self.sitting.sitting_s(sample.t_s), self.slouch.over_threshold, image)

    def gap(self, t_s: float) -> StepResult:
        """No picture at all (camera lost): count it as nobody in view."""
        return self.step_pose(PoseFrame(t_s, 0, 0, ()))


def collect_features(frames: Iterable[Frame], detector: PoseDetector, tracker: UserTracker,
                     seconds: float, progress: Callable[[float], None] | None = None
                     ) -> tuple[list[Features | None], tuple[int, int]]:
    """Features of the followed person over the first `seconds` of `frames` (calibration),
    and the size of the analysed images (after any downscaling), (0, 0) if there were none."""
    collected: list[Features | None] = []
    size = (0, 0)
    t_first: float | None = None
    for frame in frames:
        t_first = frame.t_s if t_first is None else t_first
        if frame.t_s - t_first >= seconds:
            break
        pose_frame = detector.detect(frame.image, frame.t_s)
        size = (pose_frame.image_width, pose_frame.image_height)
        collected.append(tracker.features(pose_frame))
        if progress is not None:
            progress(frame.t_s - t_first)
    return collected, size


def baseline_from_video(path, detector: PoseDetector, min_visibility: float,  # noqa: ANN001
                        seconds: float, analysis_fps: float = 5.0):
    """A baseline from the first `seconds` of a video in which the person sits upright.

    What `replay` and `evaluate` use when no calibration file is given.
    """
    from .calibration import build_baseline
    from .errors import UserError
    from .sources import VideoFileSource

    if seconds <= 0:
        raise UserError("the calibration time must be more than 0 s")
    with VideoFileSource(path, analysis_fps) as source:
        features, size = collect_features(source.frames(), detector,
                                          UserTracker(min_visibility), seconds)
    try:
        return build_baseline(features, size[0], size[1], source=f"first {seconds:g} s of {path}")
    except UserError as exc:
        raise UserError(f"cannot calibrate from the first {seconds:g} s of {path}: "
                        f"{exc.message}",
                        hint="give --calibration FILE from `posture-cam calibrate`") from None
