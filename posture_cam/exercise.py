"""`posture-cam exercise`: the break routine on the camera or a video, in a window or headless.

    frames --pose--> [first seconds: neutral pose] --> Routine.step (core/routine.py)
                                                        --> terminal lines / window

`run_routine` runs it on frames of its own: it never reads a clock, only frame times, so a
video runs the routine on its own timeline exactly as a camera does. It does not record
anything; the command records the outcome (history, the break signal for a running
monitor). A running monitor holds the camera, so the break reminder's button and the tray
run the routine on the monitor's own frames instead (monitor_routine.py), with the same
pieces: `start_routine`, `Announcer`, `finish_routine`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol, Sequence

from .core.calibration import Baseline
from .core.errors import UserError
from .core.exercises import ROUTINE, MoveSpec, Neutral
from .core.frame import Frame
from .core.landmarks import PoseFrame
from .core.pipeline import PoseDetector, baseline_from_poses
from .core.routine import MoveResult, Routine, RoutineView

# Analysed frames per second: a chin tuck or a squeeze takes about a second each way.
EXERCISE_FPS = 10.0
NEUTRAL_S = 5.0


class RoutineDisplay(Protocol):
    """Where the routine is shown while it runs (the window); False from `show` = stop."""

    def show(self, frame: Frame, pose_frame: PoseFrame, routine: Routine,
             view: RoutineView | None, neutral_left_s: float) -> bool:
        ...

    def close(self) -> None:
        ...


@dataclass
class RoutineOutcome:
    routine: Routine
    neutral_source: str
    stopped_early: bool  # the window was closed or the frames ended mid-routine

    @property
    def completed(self) -> bool:
        """Ran to its end with a move done in full: it counts as a movement break."""
        return self.routine.completed and not self.stopped_early

    def text(self) -> str:
        routine = self.routine
        done = sum(r.completed for r in routine.results)
        return (f"Routine {'stopped' if self.stopped_early else 'finished'}: {done} of "
                f"{len(routine.results)} moves done in {routine.duration_s:.0f} s"
                + ("; it counts as your movement break." if self.completed else "."))

    def json(self) -> str:
        return json.dumps({"completed": self.completed, "neutral": self.neutral_source,
                           "duration_s": round(self.routine.duration_s, 1),
                           "moves": [r.to_dict() for r in self.routine.results]})


def run_routine(frames: Iterable[Frame], detector: PoseDetector,
                specs: Sequence[MoveSpec] = ROUTINE, *, baseline: Baseline | None = None,
                neutral_s: float = NEUTRAL_S, min_visibility: float = 0.5,
                say: Callable[[str], None] = print,
                display: RoutineDisplay | None = None,
                linger_s: float = 0.0) -> RoutineOutcome:
    """Runs the routine on `frames` (camera or video) and returns what was done.

    The neutral pose is `baseline` when given, else the first `neutral_s` seconds of the
    frames (the user sits upright and still): moves are counted against how the user sits
    now, with this camera, rather than against a calibration that may be days old. With a
    display, the last screen stays up for `linger_s` more seconds of frames (a camera).
    """
    iterator = iter(frames)
    neutral_frames: list[PoseFrame] = []
    routine: Routine | None = None
    source = CALIBRATION if baseline is not None else f"the first {neutral_s:g} s"
    announce = Announcer(lambda position, total, spec: say(f"{position}/{total} {spec.title}: "
                                                           f"{spec.how}"),
                         lambda result: say(f"  {result.words()}"))
    stopped = False
    t_first: float | None = None
    finished_t: float | None = None
    for frame in iterator:
        pose_frame = detector.detect(frame.image, frame.t_s)
        t_first = frame.t_s if t_first is None else t_first
        if routine is None and baseline is None and frame.t_s - t_first < neutral_s:
            neutral_frames.append(pose_frame)
            if display is not None and not display.show(
                    frame, pose_frame, _waiting(frame.t_s), None,
                    neutral_s - (frame.t_s - t_first)):
                stopped = True
                break
            continue
        if routine is None:
            if baseline is None:
                baseline = _neutral_from(neutral_frames, min_visibility, neutral_s)
            routine = start_routine(specs, baseline, frame.t_s, min_visibility)
            say(f"Neutral pose: {source}. Routine started.")
            announce(routine)
        view = routine.step(pose_frame)
        announce(routine)
        if display is not None and not display.show(frame, pose_frame, routine, view, 0.0):
            stopped = not routine.finished  # closed on the done screen: still finished
            break
        if routine.finished:
            finished_t = frame.t_s if finished_t is None else finished_t
            if display is None or frame.t_s - finished_t >= linger_s:
                break
    if routine is None:
        raise UserError("the video ended before the routine could start" if not stopped
                        else "stopped before the routine started")
    outcome = finish_routine(routine, source, stopped)
    announce(routine)
    return outcome


CALIBRATION = "your calibration"


def start_routine(specs: Sequence[MoveSpec], baseline: Baseline, t_s: float,
                  min_visibility: float = 0.5) -> Routine:
    """The routine from frame time `t_s`, its moves measured against `baseline`."""
    return Routine(specs, Neutral.from_baseline(baseline), t_s, min_visibility)


def finish_routine(routine: Routine, neutral_source: str, stopped: bool) -> RoutineOutcome:
    """Ends the routine where it got to; one that did not reach its end was stopped."""
    stopped = stopped or not routine.finished
    routine.stop()
    return RoutineOutcome(routine, neutral_source, stopped)


def _waiting(t_s: float) -> Routine:
    """A stand-in routine for the window while the neutral pose is taken."""
    return Routine((), Neutral(0.0, 0.0, 0.0, 1.0, 1, 1, False), t_s)


def _neutral_from(pose_frames: list[PoseFrame], min_visibility: float,
                  seconds: float) -> Baseline:
    try:
        return baseline_from_poses(pose_frames, min_visibility, f"first {seconds:g} s")
    except UserError as exc:
        raise UserError(f"no neutral pose in the first {seconds:g} s: {exc.message}",
                        hint="sit upright and still, facing the camera, when the routine "
                             "starts") from None


class Announcer:
    """Called after each step: passes on each finished move's result and the next move
    (its position, the number of moves, its spec), once each. The terminal prints both;
    the monitor's notifications announce the moves only, and the results at the end."""

    def __init__(self, on_move: Callable[[int, int, MoveSpec], None],
                 on_result: Callable[[MoveResult], None] = lambda _result: None) -> None:
        self.on_move = on_move
        self.on_result = on_result
        self.results_said = 0
        self.move_said: int | None = None

    def __call__(self, routine: Routine) -> None:
        for result in routine.results[self.results_said:]:
            self.on_result(result)
        self.results_said = len(routine.results)
        spec = routine.current
        if spec is not None and self.move_said != self.results_said:
            self.move_said = self.results_said
            self.on_move(routine.specs.index(spec) + 1, len(routine.specs), spec)


def wall_clock_start(duration_s: float) -> float:
    """The routine's start in epoch seconds, for the history (it has just ended)."""
    return time.time() - duration_s
