"""The 2-minute break routine as a state machine over frame time: one move after another.

Pure (frame times in, never a clock): a move ends when its reps are done or its time
budget is up, so a video runs the routine on its own timeline exactly as a camera does.
A move the framing cannot show is skipped at once, and one the camera barely saw during
its whole budget is reported as not seen, never as zero reps done.

    [move 1] --reps done | budget up--> [move 2] --> ... --> finished (results per move)
        |
        +-- the framing cannot show it: skipped (reason), next move at once
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from .exercises import MoveSpec, Neutral, RepCounter, RepState, progress
from .geometry import (Features, extract_features, head_in_frame, pose_centre_px,
                       select_user)
from .landmarks import Pose, PoseFrame

# Under this share of a move's frames with the body parts it needs in view, the camera
# did not see the move: it is reported as not seen rather than as zero reps.
MIN_SEEN_SHARE = 0.2


@dataclass(frozen=True)
class MoveResult:
    move: str
    title: str
    reps: int
    target_reps: int
    held_s: float
    hold_s: float  # what each rep (or the one long hold) asks for
    duration_s: float
    skipped: str = ""  # why the move was not counted ('' when it was)
    partial: int = 0  # reps started but not finished (not far enough, not held, lost)

    @property
    def completed(self) -> bool:
        return not self.skipped and self.reps >= self.target_reps

    def words(self) -> str:
        """One line for the terminal."""
        if self.skipped:
            return f"{self.title}: skipped ({self.skipped})"
        held = f", held {self.held_s:.0f} s" if self.hold_s else ""
        part = f", {self.partial} partial" if self.partial else ""
        return (f"{self.title}: {self.reps}/{self.target_reps} reps{held}{part} "
                f"in {self.duration_s:.0f} s")

    def to_dict(self) -> dict[str, object]:
        return {"move": self.move, "reps": self.reps, "target_reps": self.target_reps,
                "held_s": round(self.held_s, 1), "duration_s": round(self.duration_s, 1),
                "skipped": self.skipped, "partial": self.partial}


@dataclass(frozen=True)
class RoutineView:
    """What the window shows for one frame."""

    t_s: float
    spec: MoveSpec | None  # None once the routine has finished
    state: RepState
    progress: float
    reps: int
    held_s: float
    remaining_s: float


class Routine:
    def __init__(self, specs: Sequence[MoveSpec], neutral: Neutral, t0_s: float,
                 min_visibility: float = 0.5) -> None:
        self.specs = list(specs)
        self.neutral = neutral
        self.min_visibility = min_visibility
        self.t0_s = t0_s
        self.results: list[MoveResult] = []
        self._index = -1
        self._counter: RepCounter | None = None
        self._move_t0 = t0_s
        self._frames = 0
        self._seen = 0
        self._last_t = t0_s
        self._previous_centre = None
        self.pose: Pose | None = None  # the person followed in the last frame
        self._next_move(t0_s)

    def step(self, frame: PoseFrame) -> RoutineView:
        """One analysed frame: follow the user (the nearest person, as the monitor does)
        and measure them. A face out of the picture (standing up) still has a pose."""
        index = select_user(frame.poses, self._previous_centre, frame.image_width)
        pose = None if index is None else frame.poses[index]
        self._previous_centre = None if pose is None else pose_centre_px(pose)
        features = None
        if pose is not None and head_in_frame(pose, frame.image_width, frame.image_height):
            features = extract_features(pose, frame.image_width, frame.image_height,
                                        self.min_visibility)
        self.pose = pose
        return self.update(frame.t_s, pose, features)

    @property
    def finished(self) -> bool:
        return self._index >= len(self.specs)

    @property
    def current(self) -> MoveSpec | None:
        return None if self.finished else self.specs[self._index]

    def update(self, t_s: float, pose: Pose | None, features: Features | None) -> RoutineView:
        self._last_t = t_s
        spec, counter = self.current, self._counter
        if spec is None or counter is None:
            return RoutineView(t_s, None, RepState.REST, math.nan, 0, 0.0, 0.0)
        value = progress(spec.move, pose, features, self.neutral, self.min_visibility)
        self._frames += 1
        self._seen += math.isfinite(value)
        state = counter.update(t_s, value)
        view = RoutineView(t_s, spec, state, value, counter.reps, counter.held_s,
                           max(0.0, self._move_t0 + spec.budget_s - t_s))
        if counter.done or t_s - self._move_t0 >= spec.budget_s:
            self._end_move(t_s)
        return view

    def stop(self) -> None:
        """Ends the routine early (the window was closed, the video ended): the current
        move is reported as far as it got, the rest as not done."""
        while not self.finished:
            if self._counter is not None and self._frames:
                self._end_move(self._last_t)
            else:
                spec = self.specs[self._index]
                self.results.append(MoveResult(spec.move.value, spec.title, 0, spec.reps,
                                               0.0, spec.hold_s, 0.0, "not reached"))
                self._next_move(self._last_t)

    @property
    def duration_s(self) -> float:
        return self._last_t - self.t0_s

    @property
    def completed(self) -> bool:
        """Finished, with at least one move done in full: a break worth counting."""
        return self.finished and any(r.completed for r in self.results)

    def _end_move(self, t_s: float) -> None:
        spec, counter = self.specs[self._index], self._counter
        assert counter is not None
        skipped = ""
        if self._frames and self._seen < MIN_SEEN_SHARE * self._frames and not counter.reps:
            skipped = "the camera could not see it"
        self.results.append(MoveResult(spec.move.value, spec.title, counter.reps, spec.reps,
                                       counter.held_s, spec.hold_s, t_s - self._move_t0,
                                       skipped, counter.partial))
        self._next_move(t_s)

    def _next_move(self, t_s: float) -> None:
        self._index += 1
        self._counter = None
        while not self.finished:
            spec = self.specs[self._index]
            why = self.neutral.cannot_see(spec)
            if not why:
                self._counter = RepCounter(spec)
                self._move_t0, self._frames, self._seen = t_s, 0, 0
                return
            self.results.append(MoveResult(spec.move.value, spec.title, 0, spec.reps, 0.0,
                                           spec.hold_s, 0.0, why))
            self._index += 1
