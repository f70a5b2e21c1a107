"""The break routine's moves, and honest rep counting: one small state machine per move.

Pure: landmarks and frame times in, counts out. Each move reduces a pose to one number,
its *progress* (0 = the user's neutral pose, 1 = the full range of the move), measured
against the neutral pose in the user's own head and shoulder widths (so it holds for any
body and distance). `RepCounter` counts on that number with hysteresis, like the slouch
detector:

    REST --progress >= 1 (the full range)--> IN --progress <= RETURN--> REST: +1 rep
                                             |  (a hold move counts only after hold_s in IN)
    nobody in view / a landmark unseen: the state is kept, the hold clock does not run;
    gone longer than LOST_RESET_S while IN: that rep is dropped (a partial rep never counts)

    chin tuck         side view only: the shoulder->ear angle comes back toward vertical
    shoulder squeeze  shoulders drawn back and down: the head stands higher above them
    chest opener      both elbows out at shoulder height: progress 1 while that is seen
    stand and reach   shoulders rise by a shoulder width or leave the top of the picture

A move whose body parts the framing cannot show (close framing hides the shoulders, the
picture is too narrow for the elbows) is skipped, and said to be, never counted blind.
So is a chin tuck seen from the front: the head slides ~3 cm straight toward the camera,
and on the rendered clips (samples/exercises/front_ex_chin_tuck_*) no frontal landmark measure told
a full tuck from a partial one or from sitting still (head size against shoulder width,
head height, MediaPipe depth: all within the noise of ordinary sway).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from .calibration import Baseline, Framing
from .geometry import Features, View
from .landmarks import LandmarkId as L
from .landmarks import Pose

# The full range of each move, in the user's own units (see the module docstring), chosen
# on the rendered exercise clips (samples/README.md): a squeeze there reaches 1.2-2x its
# range, a side-view chin tuck 1.35-2.4x (a half tuck 0.5-0.67x), standing up 2.5x, while
# sitting (with a shift in the chair) stays under 0.6.
CHIN_TUCK_SIDE_DEG = 6.0  # side view: the shoulder->ear angle this much nearer vertical
SQUEEZE_RISE_SW = 0.05  # head higher above the (lowered) shoulder line
STAND_RISE_SW = 1.0  # shoulders higher in the picture than at neutral
OPENER_ELBOW_OUT_SW = 0.9  # each elbow at least this far out from the body's midline
OPENER_ELBOW_LEVEL_SW = 0.45  # ...and within this of the shoulder line's height
# How far out an elbow goes in the chest opener (upper arm ~ one shoulder width, plus the
# shoulder's own half width): the picture must have that much room on both sides.
ELBOW_REACH_SW = 1.2
# Back to rest below this share of the full range: the hysteresis of every counter.
RETURN = 0.6
LOST_RESET_S = 3.0


class MoveId(str, enum.Enum):
    CHIN_TUCK = "chin-tuck"
    SHOULDER_SQUEEZE = "shoulder-squeeze"
    CHEST_OPENER = "chest-opener"
    STAND_REACH = "stand-reach"


@dataclass(frozen=True)
class MoveSpec:
    move: MoveId
    title: str
    how: str  # one line for the user
    checks: str  # what the camera checks, in words
    reps: int  # reps to do (a single long hold is 1 rep)
    hold_s: float  # each rep held this long (0: reaching the range is enough)
    budget_s: float  # the routine moves on after this long, done or not
    needs_shoulders: bool
    needs_elbows: bool = False
    needs_view: View | None = None  # the camera view the move can be seen from (None: any)


ROUTINE: tuple[MoveSpec, ...] = (
    MoveSpec(MoveId.CHIN_TUCK, "Chin tucks",
             "Slide your head straight back over your shoulders, chin level, then relax (8x).",
             "from the side only: your head comes back over your shoulders", 8, 0.0, 40.0,
             True, needs_view=View.SIDE),
    MoveSpec(MoveId.SHOULDER_SQUEEZE, "Shoulder-blade squeezes",
             "Draw your shoulders back and down, squeeze, hold 3 s, release (8x).",
             "your shoulders drop away from your head and stay there 3 s", 8, 3.0, 60.0, True,
             needs_view=View.FRONT),
    MoveSpec(MoveId.CHEST_OPENER, "Chest opener",
             "Arms wide and back, elbows at shoulder height, chest open: hold 15 s.",
             "both elbows out to the side at shoulder height, for 15 s in all", 1, 15.0,
             30.0, True, needs_elbows=True, needs_view=View.FRONT),
    MoveSpec(MoveId.STAND_REACH, "Stand up and reach",
             "Stand up, reach overhead, sit back down (2x).",
             "your shoulders rise by a shoulder width (or out of the picture) and come back",
             2, 0.0, 30.0, True),
)
MOVES = {spec.move.value: spec for spec in ROUTINE}


@dataclass(frozen=True)
class Neutral:
    """What a move is measured against: the calibrated pose, in the numbers moves use."""

    head_above_shoulders_sw: float
    head_distance_hw: float
    shoulder_y_px: float
    shoulder_width_px: float
    image_width: int
    image_height: int
    shoulders_seen: bool
    shoulder_x_px: float = float("nan")
    view: View = View.FRONT
    side_head_deg: float = float("nan")  # toward the user's front (facing applied)
    facing: float = 1.0

    @classmethod
    def from_baseline(cls, b: Baseline) -> "Neutral":
        m = b.median
        seen = b.framing is Framing.FULL and math.isfinite(m.shoulder_width_px)
        shoulder_y = (b.image_height / 2 + m.shoulders_below_centre_hw * m.head_width_px
                      if seen else float("nan"))
        # the head sits above the shoulder midpoint when facing the camera
        shoulder_x = b.image_width / 2 + m.head_across_centre_hw * m.head_width_px
        return cls(m.head_above_shoulders_sw, m.head_distance_hw, shoulder_y,
                   m.shoulder_width_px, b.image_width, b.image_height, seen, shoulder_x, b.view,
                   b.facing * m.side_head_deg, b.facing)

    def cannot_see(self, spec: MoveSpec) -> str:
        """Why this framing cannot show the move ('' when it can)."""
        if spec.needs_view is View.SIDE and self.view is not View.SIDE:
            return "a camera in front of you cannot see a chin tuck; do them on your own"
        if spec.needs_view is View.FRONT and self.view is not View.FRONT:
            return "the camera must be in front of you for this one"
        if spec.needs_shoulders and not self.shoulders_seen:
            return "your shoulders are out of the picture in this framing"
        if spec.needs_elbows:
            centre = self.shoulder_x_px if math.isfinite(self.shoulder_x_px) \
                else self.image_width / 2
            room = min(centre, self.image_width - centre)
            if ELBOW_REACH_SW * self.shoulder_width_px > room:
                return "the picture is too narrow for your elbows out to the side"
        return ""


def _visible(pose: Pose, ids: tuple[L, ...], width: int, height: int,
             min_visibility: float) -> bool:
    xy = pose.xy(*ids)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)
    return bool(inside.all() and (pose.visibility(*ids) >= min_visibility).all())


def progress(move: MoveId, pose: Pose | None, features: Features | None, neutral: Neutral,
             min_visibility: float = 0.5) -> float:
    """How far into `move` this frame is (1 = the full range); NaN when it cannot be seen."""
    nan = float("nan")
    if pose is None:
        return nan
    if move is MoveId.STAND_REACH:
        img = pose.image_xyzv
        shoulders = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
        y = float(img[list(shoulders), 1].mean())
        if y < 0:  # risen out of the top of the picture
            return 2.0
        if (pose.visibility(*shoulders) < min_visibility).any():
            return nan
        return (neutral.shoulder_y_px - y) / neutral.shoulder_width_px / STAND_RISE_SW
    if features is None:
        return nan
    if move is MoveId.CHIN_TUCK:  # side view (cannot_see refuses the front)
        forward = neutral.facing * features.side_head_deg
        return (neutral.side_head_deg - forward) / CHIN_TUCK_SIDE_DEG
    if move is MoveId.SHOULDER_SQUEEZE:
        return (features.head_above_shoulders_sw - neutral.head_above_shoulders_sw) \
            / SQUEEZE_RISE_SW
    return _opener_progress(pose, min_visibility, neutral)


def _opener_progress(pose: Pose, min_visibility: float, neutral: Neutral) -> float:
    """1 while both elbows are out to the side near shoulder height, else 0."""
    ids = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW)
    if not _visible(pose, ids, neutral.image_width, neutral.image_height, min_visibility):
        return float("nan")
    img = pose.image_xyzv
    mid = (img[L.LEFT_SHOULDER, :2] + img[L.RIGHT_SHOULDER, :2]) / 2
    width = float(math.hypot(*(img[L.LEFT_SHOULDER, :2] - img[L.RIGHT_SHOULDER, :2])))
    if width < 1e-6:
        return float("nan")
    ok = all(abs(img[e, 0] - mid[0]) / width >= OPENER_ELBOW_OUT_SW
             and abs(img[e, 1] - mid[1]) / width <= OPENER_ELBOW_LEVEL_SW
             for e in (L.LEFT_ELBOW, L.RIGHT_ELBOW))
    return 1.0 if ok else 0.0


class RepState(str, enum.Enum):
    REST = "rest"
    IN = "in"  # in the full range (holding, for a hold move)


class RepCounter:
    """Counts the reps of one move from its progress, in frame time; never reads a clock."""

    def __init__(self, spec: MoveSpec) -> None:
        self.spec = spec
        self.state = RepState.REST
        self.reps = 0
        self.held_s = 0.0  # total time held in the full range (all reps)
        self.rep_held_s = 0.0  # of the current rep
        self.partial = 0  # reps started but dropped (not held long enough, lost)
        self._last_t: float | None = None
        self._last_seen_t: float | None = None

    @property
    def done(self) -> bool:
        return self.reps >= self.spec.reps

    def update(self, t_s: float, value: float) -> RepState:
        dt = 0.0 if self._last_t is None else max(0.0, t_s - self._last_t)
        self._last_t = t_s
        if not math.isfinite(value):
            if (self.state is RepState.IN and self._last_seen_t is not None
                    and t_s - self._last_seen_t > LOST_RESET_S):
                self._drop()
            return self.state
        self._last_seen_t = t_s
        if self.state is RepState.REST:
            if value >= 1.0:
                self.state = RepState.IN
                self.rep_held_s = 0.0
        elif value <= RETURN:
            self._finish()
        else:
            self.rep_held_s += dt
            self.held_s += dt
            if self._one_long_hold and self.held_s >= self.spec.hold_s:
                self.reps = 1  # done once held that long in all, even with a pause
                self.state = RepState.REST
        return self.state

    @property
    def _one_long_hold(self) -> bool:
        return self.spec.reps == 1 and self.spec.hold_s > 0

    def _finish(self) -> None:
        if self.rep_held_s >= self.spec.hold_s and not self._one_long_hold:
            self.reps += 1
        else:
            self.partial += 1
        self.state = RepState.REST
        self.rep_held_s = 0.0

    def _drop(self) -> None:
        self.partial += 1
        self.state = RepState.REST
        self.rep_held_s = 0.0
