"""The user's neutral posture: medians and spreads of the features over a few seconds.

Every reading is a change from this baseline, which is what makes the analysis work for
bodies, cameras and rooms we have never seen: we compare the user with themselves.
Calibration refuses only what would make that comparison wrong (nobody or no face in
view, real movement, a head turned away from the camera, an oblique camera) and accepts
whatever framing it gets, saying what that framing can and cannot show.
Pure: storage.py saves and loads it.
"""

from __future__ import annotations

import enum
import json
import math
import warnings
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Sequence

import numpy as np

from .errors import UserError
from .geometry import Features, View, head_only, view_of

FORMAT_VERSION = 2
MIN_FRAMES = 5
MIN_SEEN_SHARE = 0.6  # of analysed frames must show a person
# Held still, judged robustly (spread = median absolute deviation * 1.4826, so a few
# frames of fidgeting or landmark glitches do not count). From the front the head must
# stay within this many head widths (~4 cm) and its distance within this share; real
# people sitting still spread 0.01-0.02 head widths, rendered ones with sway up to 0.1.
MAX_FRONT_SPREAD_HW = 0.3
MAX_FRONT_DISTANCE_SPREAD = 0.15
# From the side, the shoulder->ear angle must not wander by more than this many degrees
# (low-resolution real video of a still person: up to 6).
MAX_SIDE_SPREAD_DEG = 12.0
# Shoulders this low in the picture (share of its height) are at the bottom edge: MediaPipe
# places shoulders that the edge cuts off a few pixels inside it (rendered close-up: true
# joints 5-28 px below the edge, reported 4-19 px above it).
SHOULDERS_AT_EDGE_SHARE = 0.96
# A head turned further than this from the camera hides an ear and skews every frontal
# reading: ask the user to face the screen (or to put the camera where they look).
MAX_FRONT_HEAD_YAW_DEG = 30.0


class Framing(str, enum.Enum):
    """How much of the user the camera shows, which decides what it can detect."""

    FULL = "full"  # head and shoulders
    HEAD_ONLY = "head_only"  # shoulders at or below the bottom edge (a laptop close by)

    @property
    def words(self) -> str:
        return "head only" if self is Framing.HEAD_ONLY else "head and shoulders"


def what_it_detects(view: View, framing: Framing, hips_seen: bool) -> tuple[str, str]:
    """(what this calibration can detect, what it cannot), in words for the user."""
    if view is View.SIDE:
        if hips_seen:
            return "head forward, leaning toward the screen, reclining, rounded shoulders", ""
        return ("head forward, rounded shoulders",
                "leaning toward the screen or reclining (hips out of view)")
    if framing is Framing.HEAD_ONLY:
        return ("head forward or dropped, leaning toward the screen",
                "sliding down in the chair, trunk angle, rounded shoulders "
                "(shoulders out of view)")
    return ("head forward or dropped, leaning toward the screen, sliding down in the chair, "
            "rounded shoulders (weakly)", "")


@dataclass(frozen=True)
class Baseline:
    view: View
    framing: Framing
    facing: float  # side view: +1 when the user faces the image right, else -1
    median: Features
    spread: Features
    n_frames: int
    image_width: int
    image_height: int
    created_utc: str
    source: str

    def what_it_detects(self) -> tuple[str, str]:
        """(what this calibration can detect, what it cannot), in words for the user."""
        return what_it_detects(self.view, self.framing, self.median.hips_visible >= 0.5)

    def to_json(self) -> str:
        data = {
            "format": "posture_cam.calibration",
            "version": FORMAT_VERSION,
            "view": self.view.value,
            "framing": self.framing.value,
            "facing": self.facing,
            "median": _finite_or_none(asdict(self.median)),
            "spread": _finite_or_none(asdict(self.spread)),
            "n_frames": self.n_frames,
            "image_width": self.image_width,
            "image_height": self.image_height,
            "created_utc": self.created_utc,
            "source": self.source,
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, origin: str = "calibration") -> "Baseline":
        fix = "run `posture-cam calibrate` again"
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"{origin} is not valid JSON ({exc.msg} at line {exc.lineno})",
                            hint=fix) from None
        if not isinstance(data, dict) or data.get("format") != "posture_cam.calibration":
            raise UserError(f"{origin} is not a posture-cam calibration file", hint=fix)
        if data.get("version") != FORMAT_VERSION:
            raise UserError(f"{origin} has calibration version {data.get('version')!r}, "
                            f"this posture-cam reads version {FORMAT_VERSION}", hint=fix)
        try:
            baseline = cls(
                view=View(data["view"]),
                framing=Framing(data["framing"]),
                facing=1.0 if float(data["facing"]) >= 0 else -1.0,
                median=_features_from(data["median"]),
                spread=_features_from(data["spread"]),
                n_frames=int(data["n_frames"]),
                image_width=int(data["image_width"]),
                image_height=int(data["image_height"]),
                created_utc=str(data["created_utc"]),
                source=str(data["source"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(f"{origin} is damaged (bad or missing field: {exc})",
                            hint=fix) from None
        problem = _implausible(baseline)
        if problem:
            raise UserError(f"{origin} has impossible values ({problem}); was it edited?",
                            hint=fix)
        return baseline


def _implausible(b: Baseline) -> str:
    """What a hand-edited calibration got wrong, or "" (json accepts Infinity, true, -1e308)."""
    m = b.median
    if b.image_width <= 0 or b.image_height <= 0 or b.n_frames <= 0:
        return f"image {b.image_width}x{b.image_height}, {b.n_frames} frames"
    if not (math.isfinite(m.head_width_px) and 0 < m.head_width_px <= 10 * b.image_width):
        return f"median.head_width_px = {m.head_width_px}"
    for name, value in zip(Features.names(), m.as_array()):
        if math.isinf(value) or abs(value) > 1e4:
            return f"median.{name} = {value}"
        if name.endswith("_visible") and math.isfinite(value) and not 0 <= value <= 1:
            return f"median.{name} = {value}"
    return ""


def _finite_or_none(values: dict[str, float]) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in values.items()}


def _features_from(values: dict[str, float | None]) -> Features:
    names = Features.names()
    missing = [n for n in names if n not in values]
    if missing:
        raise KeyError(missing[0])
    if any(isinstance(values[n], bool) for n in names):
        raise ValueError("true/false where a number belongs")
    return Features(**{n: float("nan") if values[n] is None else float(values[n])
                       for n in names})


def build_baseline(samples: Sequence[Features | None], image_width: int, image_height: int,
                   source: str, now: datetime | None = None, faces_cut: int = 0) -> Baseline:
    """Median posture over the frames; refuses when nobody is seen, they move, or the
    camera cannot compare them with themselves later.

    `samples` holds one entry per analysed frame, None where no seated person was found;
    `faces_cut` of those None frames showed a person whose face was out of the picture.
    """
    seen = [s for s in samples if s is not None and math.isfinite(s.head_width_px)]
    if len(seen) < MIN_FRAMES or len(seen) < MIN_SEEN_SHARE * max(1, len(samples)):
        if faces_cut >= max(1, len(samples) - len(seen)) / 2:
            raise UserError(
                f"calibration saw your face in only {len(seen)} of {len(samples)} frames "
                f"(in {faces_cut} it was out of the picture)",
                hint="tilt the camera or sit so that your whole face is in view, and try again")
        raise UserError(
            f"calibration saw a person in {len(seen)} of {len(samples)} frames",
            hint="sit in front of the camera with your face in view, in good light, "
                 "and try again")
    matrix = np.array([s.as_array() for s in seen])
    with warnings.catch_warnings():  # an all-NaN column (e.g. hips never seen) stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(matrix, axis=0)
        spread = 1.4826 * np.nanmedian(np.abs(matrix - median), axis=0)
    median_f = Features(*map(float, median))
    spread_f = Features(*map(float, spread))

    at_edge = median_f.shoulders_bottom_share > SHOULDERS_AT_EDGE_SHARE
    framing = (Framing.FULL if median_f.shoulders_visible >= 0.5 and not at_edge
               else Framing.HEAD_ONLY)
    if framing is Framing.HEAD_ONLY:
        median_f, spread_f = head_only(median_f), head_only(spread_f)
    if framing is Framing.FULL:
        view = view_of(median_f.body_yaw_deg)
        if view is View.UNKNOWN:
            raise UserError(
                f"the camera sees you at an angle of {abs(median_f.body_yaw_deg):.0f} degrees",
                hint="place the camera in front of you (on the monitor) or square to your side")
    else:
        view = View.FRONT  # close framing: a face, not a profile
    if view is View.FRONT:
        _check_facing_the_camera(median_f)
    _check_still(view, spread_f, median_f)
    stamp = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    facing = 1.0 if median_f.facing >= 0 else -1.0
    return Baseline(view, framing, facing, median_f, spread_f, len(seen), image_width,
                    image_height, stamp, source)


def _check_facing_the_camera(median: Features) -> None:
    turned = abs(median.head_yaw_deg)
    if math.isfinite(turned) and turned > MAX_FRONT_HEAD_YAW_DEG:
        raise UserError(
            f"your head was turned {turned:.0f} degrees away from the camera",
            hint="look at your screen during calibration; if you mostly look at another "
                 "screen, put the camera on that one")


def _check_still(view: View, spread: Features, median: Features) -> None:
    if view is View.SIDE:
        checks = [("head angle", spread.side_head_deg, MAX_SIDE_SPREAD_DEG, "{:.0f} degrees")]
    else:
        distance = spread.head_distance_hw / max(abs(median.head_distance_hw), 1e-6)
        checks = [
            ("head height", spread.head_below_centre_hw, MAX_FRONT_SPREAD_HW,
             "{:.2f} head widths"),
            ("head position", spread.head_across_centre_hw, MAX_FRONT_SPREAD_HW,
             "{:.2f} head widths"),
            ("distance to the camera", distance, MAX_FRONT_DISTANCE_SPREAD, "{:.0%}"),
        ]
    for what, value, limit, fmt in checks:
        if math.isfinite(value) and value > limit:
            raise UserError(f"you moved too much during calibration ({what} varied by "
                            f"{fmt.format(value)})",
                            hint="sit upright and still for the whole calibration, then try again")
