"""Which calibration profile fits what the camera sees: one baseline per desk, screen or place.

A calibration compares the user with how they sat *at that place*; a laptop on the sofa
and the side camera of the desk need different ones. After the monitor starts, and again
after the user comes back from away, `ProfileChooser` takes the median of the first
`GLIMPSE_S` seconds of the seen person's features (the "glimpse") and scores each
profile's baseline against it with the measures `analyzer.misfit_of` already uses to say
"the calibration no longer fits" (fitwatch.py), each divided by its misfit threshold so
that 1.0 means "as far off as a misfit":

    framing, view, facing  (head only / head and shoulders, front / side, which side)
                           differ: the profile cannot fit (score MISMATCH + the rest)
    head across            head point left/right of the image centre  / MISFIT_ACROSS_HW
    head height            head point above/below the image centre    / MISFIT_ACROSS_HW
    distance               log of the head-distance ratio             / log MISFIT_DISTANCE_RATIO
    head turn              head yaw difference                        / MISFIT_YAW_DEG
    shoulder width         log of the shoulder width in the image     / log MISFIT_DISTANCE_RATIO
                           (share of the image width)
    camera pitch           nose below the ear line (a camera below    / HEAD_PITCH_TRUSTED_HW[0]
                           the eyes sees the nose higher)
    side head angle        (side view) shoulder->ear angle            / SIDE_HEAD_MISFIT_DEG

The score is the root mean square of the measurable terms. The lowest score wins; it
*fits* when it is at most `FIT_MAX_SCORE`. When nothing fits the chooser still names the
closest profile (the monitor keeps going with it and asks once to calibrate this place).
Pure: no files, no clock (time is each frame's `t_s`).
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .analyzer import HEAD_PITCH_TRUSTED_HW, MISFIT_ACROSS_HW, MISFIT_DISTANCE_RATIO, MISFIT_YAW_DEG
from .calibration import SHOULDERS_AT_EDGE_SHARE, Baseline, Framing
from .errors import UserError
from .geometry import Features, View, head_only, view_of

DEFAULT_PROFILE = "default"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
GLIMPSE_S = 5.0  # seconds of a seen person that the choice is made from
MIN_GLIMPSE_FRAMES = 3
FIT_MAX_SCORE = 1.0
MISMATCH = 10.0  # added for a different framing, view or side: never a fit
# From the side the head angle is the only posture cue, and a slouch moves it 15-25
# degrees: a calibration more than this off is another place (or another chair).
SIDE_HEAD_MISFIT_DEG = 20.0


def check_profile_name(name: str) -> str:
    """The name, or a one-line UserError: it becomes a file name, so keep it plain."""
    if not NAME_PATTERN.fullmatch(name or ""):
        raise UserError(f"profile name {name!r} is not allowed",
                        hint="use 1-32 letters, digits, '-' or '_', starting with a letter "
                             "or digit, e.g. desk or laptop-sofa")
    return name


@dataclass(frozen=True)
class Glimpse:
    """What the camera showed in the first seconds: median features, framing and view."""

    median: Features
    framing: Framing
    view: View
    image_width: int
    image_height: int
    n_frames: int


def glimpse_of(samples: Sequence[Features], image_width: int, image_height: int) -> Glimpse:
    """The glimpse of these seen frames (framing and view decided as calibration does)."""
    matrix = np.array([s.as_array() for s in samples])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        median = Features(*map(float, np.nanmedian(matrix, axis=0)))
    at_edge = median.shoulders_bottom_share > SHOULDERS_AT_EDGE_SHARE
    framing = (Framing.FULL if median.shoulders_visible >= 0.5 and not at_edge
               else Framing.HEAD_ONLY)
    if framing is Framing.HEAD_ONLY:
        view = (View.FRONT if math.isfinite(median.head_yaw_deg)
                and abs(median.head_yaw_deg) <= 35.0 else View.UNKNOWN)
    else:
        view = view_of(median.body_yaw_deg)
    return Glimpse(median, framing, view, image_width, image_height, len(samples))


def _log_ratio(a: float, b: float) -> float:
    if not (math.isfinite(a) and math.isfinite(b)) or a <= 0 or b <= 0:
        return float("nan")
    return math.log(a / b)


def score_terms(g: Glimpse, b: Baseline) -> dict[str, float]:
    """Each measure of `score`, in units of its misfit threshold (NaN: not measurable)."""
    f, m = g.median, b.median
    if b.framing is Framing.HEAD_ONLY:
        f = head_only(f)
    misfit_log = math.log(MISFIT_DISTANCE_RATIO)
    terms = {
        "head across": (f.head_across_centre_hw - m.head_across_centre_hw) / MISFIT_ACROSS_HW,
        "head height": (f.head_below_centre_hw - m.head_below_centre_hw) / MISFIT_ACROSS_HW,
        "distance": _log_ratio(f.head_distance_hw, m.head_distance_hw) / misfit_log,
    }
    if b.view is View.SIDE:
        terms["side head angle"] = (b.facing * (f.side_head_deg - m.side_head_deg)
                                    / SIDE_HEAD_MISFIT_DEG)
    else:
        terms["head turn"] = (f.head_yaw_deg - m.head_yaw_deg) / MISFIT_YAW_DEG
        terms["camera pitch"] = (f.head_pitch_hw - m.head_pitch_hw) / HEAD_PITCH_TRUSTED_HW[0]
        terms["shoulder width"] = _log_ratio(f.shoulder_width_px / max(g.image_width, 1),
                                             m.shoulder_width_px / max(b.image_width, 1)
                                             ) / misfit_log
    return terms


def mismatch_of(g: Glimpse, b: Baseline) -> str:
    """Why this profile cannot fit at all, in words ("" when it may)."""
    if g.framing is not b.framing:
        return f"framing {g.framing.words}, profile {b.framing.words}"
    if g.view is not View.UNKNOWN and g.view is not b.view:
        return f"{g.view.value} view, profile {b.view.value}"
    if b.view is View.SIDE and math.isfinite(g.median.facing) and (
            (g.median.facing >= 0) != (b.facing >= 0)):
        return "seen from the other side"
    return ""


def score(g: Glimpse, b: Baseline) -> float:
    """0 = sits exactly as calibrated; 1 = as far off as a misfit; >= MISMATCH: cannot fit."""
    values = [v for v in score_terms(g, b).values() if math.isfinite(v)]
    rms = math.sqrt(sum(v * v for v in values) / len(values)) if values else MISMATCH
    return rms + (MISMATCH if mismatch_of(g, b) else 0.0)


@dataclass(frozen=True)
class Choice:
    """The profile chosen at `t_s`: the closest one, whether it fits, and every score."""

    t_s: float
    name: str
    fits: bool
    scores: tuple[tuple[str, float], ...]  # best first

    @property
    def margin(self) -> float:
        """How much worse the next profile scored (inf with a single profile)."""
        return self.scores[1][1] - self.scores[0][1] if len(self.scores) > 1 else math.inf

    def to_dict(self) -> dict[str, object]:
        return {"type": "profile", "t_s": round(self.t_s, 3), "profile": self.name,
                "fits": self.fits,
                "scores": {name: round(value, 3) for name, value in self.scores}}

    def words(self) -> str:
        others = ", ".join(f"{n} {s:.2f}" for n, s in self.scores[1:])
        return (f"profile {self.name} ({'fits' if self.fits else 'closest, does not fit'}: "
                f"score {self.scores[0][1]:.2f}" + (f"; {others}" if others else "") + ")")


def choose(g: Glimpse, profiles: Mapping[str, Baseline], t_s: float) -> Choice:
    """The best-scoring profile (ties: the name first in order)."""
    if not profiles:
        raise ValueError("no profiles to choose from")
    scores = sorted(((name, score(g, b)) for name, b in profiles.items()),
                    key=lambda item: (item[1], item[0]))
    return Choice(t_s, scores[0][0], scores[0][1] <= FIT_MAX_SCORE, tuple(scores))


class ProfileChooser:
    """Collects a glimpse after each `restart()` (the start, a return from away) and chooses.

    `update` takes each frame's features (None: nobody seated in view) and returns a
    Choice once per glimpse, when `glimpse_s` seconds of a seen person have gone by.
    """

    def __init__(self, profiles: Mapping[str, Baseline], glimpse_s: float = GLIMPSE_S,
                 min_frames: int = MIN_GLIMPSE_FRAMES) -> None:
        self.profiles = dict(profiles)
        self.glimpse_s = glimpse_s
        self.min_frames = min_frames
        self._samples: list[Features] = []
        self._first_t: float | None = None
        self._open = True

    def restart(self) -> None:
        self._samples, self._first_t, self._open = [], None, True

    def update(self, t_s: float, features: Features | None, image_width: int,
               image_height: int) -> Choice | None:
        if not self._open or features is None or not math.isfinite(features.head_width_px):
            return None
        if self._first_t is None:
            self._first_t = t_s
        self._samples.append(features)
        if t_s - self._first_t < self.glimpse_s or len(self._samples) < self.min_frames:
            return None
        self._open = False
        return choose(glimpse_of(self._samples, image_width, image_height), self.profiles, t_s)
