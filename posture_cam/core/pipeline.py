"""One analysed frame, end to end: pose -> angles -> slouch state -> break timer.

`Pipeline.step(frame)` is the single path every command takes (monitor, replay,
evaluate), so what the tests replay is exactly what runs at the desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Protocol

from .analyzer import Analyzer, PostureSample, UserTracker
from .breaks import SittingTimer
from .calibration import Baseline, build_baseline
from .decision import SlouchDetector, State
from .events import Event
from .fitwatch import FitWatch
from .geometry import Features
from .landmarks import PoseFrame
from .frame import Frame
from .stillness import StillFrames


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
        return {
            "type": "frame",
            "t_s": round(s.t_s, 3),
            "person_seen": s.person_seen,
            "n_people": s.n_people,
            "view": s.view.value,
            "readings": s.readings.to_dict(),
            "severity": s.severity.to_dict(),
            "confidence": round(s.confidence, 3),
            "over_threshold": self.over_threshold,
            "state": self.state.value,
        }

    def records(self) -> list[dict[str, object]]:
        """This frame's `replay --json` records: the frame, then its events."""
        return [self.to_dict()] + [{"type": "event", **e.to_dict()} for e in self.events]


class PostureAnalyzer(Protocol):
    def update(self, frame: PoseFrame) -> PostureSample:
        ...


class Pipeline:
    def __init__(self, detector: PoseDetector | None, analyzer: PostureAnalyzer,
                 slouch: SlouchDetector, sitting: SittingTimer,
                 fit: FitWatch | None = None) -> None:
        self.detector = detector
        self.analyzer = analyzer
        self.slouch = slouch
        self.sitting = sitting
        self.fit = fit or FitWatch()
        # asked once a frame: the length of a break routine finished since the last ask, or
        # None (the monitor sets it: a routine runs in another process, routine_record.py)
        self.routine_done: Callable[[], float | None] | None = None
        # True while a break routine runs on these frames (monitor_routine.py): its moves
        # look like slouches (a chin tuck, standing up) but are exercise, so posture is not
        # judged meanwhile: no slouch starts, no minute counts as slouched or as near it.
        self.exercising = False
        self._was_exercising = False

    def step(self, frame: Frame) -> StepResult:
        assert self.detector is not None, "a pipeline without a detector replays poses only"
        pose_frame = self.detector.detect(frame.image, frame.t_s)
        return self.step_pose(pose_frame, frame.image)

    def step_pose(self, pose_frame: PoseFrame, image: Any = None) -> StepResult:
        """The part after the model, for replaying recorded landmarks without it."""
        sample = self.analyzer.update(pose_frame)
        events: list[Event] = []
        if self.exercising:
            if not self._was_exercising:  # a slouch under way ends where the routine starts
                events += self.slouch.resume(sample.t_s, sample.t_s)
            sample = sample.unjudged()
        self._was_exercising = self.exercising
        decision = self.slouch.update(sample)
        events += decision.events
        events += self.sitting.update(sample.t_s, decision.state is not State.AWAY, events)
        routine_s = self.routine_done() if self.routine_done is not None else None
        if routine_s is not None:
            events += self.sitting.take_break(sample.t_s, routine_s)
        events += self.fit.update(sample, decision.looks_slouched)
        return StepResult(sample, decision.state, tuple(events), pose_frame,
                          self.sitting.sitting_s(sample.t_s), decision.looks_slouched, image)

    def resume(self, paused_at_s: float, t_s: float) -> list[Event]:
        """The camera is back after a pause that was no absence (a call): its events (a
        slouch that ended when the camera closed). The sitting clock runs on: a call is
        sitting."""
        return self.slouch.resume(paused_at_s, t_s)

    def gap(self, t_s: float) -> StepResult:
        """No picture at all (camera lost): count it as nobody in view."""
        return self.step_pose(PoseFrame(t_s, 0, 0, ()))


def build_pipeline(detector: PoseDetector | None, baseline: Baseline, config: Any) -> Pipeline:
    """The pipeline every command runs, from a baseline and the settings (`Config`).

    The detector is wrapped so that an unchanged picture reuses the last pose
    (stillness.py), in replay and evaluation as at the desk."""
    if detector is not None and config.analysis.reuse_still_s > 0:
        detector = StillFrames(detector, config.analysis.reuse_still_s)
    return Pipeline(detector, Analyzer(baseline, config.analysis, config.slouch),
                    SlouchDetector(config.slouch), SittingTimer(config.breaks))


def detect_poses(frames: Iterable[Frame], detector: PoseDetector, seconds: float,
                 progress: Callable[[float], None] | None = None) -> Iterator[PoseFrame]:
    """The pose frames of the first `seconds` of `frames`."""
    t_first: float | None = None
    for frame in frames:
        t_first = frame.t_s if t_first is None else t_first
        if frame.t_s - t_first >= seconds:
            break
        yield detector.detect(frame.image, frame.t_s)
        if progress is not None:
            progress(frame.t_s - t_first)


def baseline_from_poses(pose_frames: Iterable[PoseFrame], min_visibility: float,
                        source: str) -> Baseline:
    """The baseline of the followed person in these pose frames.

    The one path from poses to a calibration, shared by `calibrate`, `replay` and
    `evaluate`. The image size is the analysed one (after any downscaling).
    """
    tracker = UserTracker(min_visibility)
    collected: list[Features | None] = []
    size = (0, 0)
    faces_cut = 0
    for pose_frame in pose_frames:
        size = (pose_frame.image_width, pose_frame.image_height)
        collected.append(tracker.features(pose_frame))
        faces_cut += tracker.face_cut
    return build_baseline(collected, size[0], size[1], source=source, faces_cut=faces_cut)


def calibrate_from(frames: Iterable[Frame], detector: PoseDetector, min_visibility: float,
                   seconds: float, source: str,
                   progress: Callable[[float], None] | None = None) -> Baseline:
    """The baseline of the user over the first `seconds` of `frames`."""
    return baseline_from_poses(detect_poses(frames, detector, seconds, progress),
                               min_visibility, source)
