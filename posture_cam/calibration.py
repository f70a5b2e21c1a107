"""The user's neutral posture: medians and spreads of the features over a few seconds.

Every frontal angle is a change from this baseline, which is what makes the analysis work
for bodies, cameras and rooms we have never seen: we compare the user with themselves.
Pure apart from `save`/`load`, which write atomically (temp file + rename) so a crash
never leaves half a calibration behind.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import warnings
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import UserError
from .geometry import Features, View, view_of

FORMAT_VERSION = 1
MIN_FRAMES = 5
MIN_SEEN_SHARE = 0.6  # of analysed frames must show a person
# A neutral posture held still (spread = median absolute deviation * 1.4826). From the
# front, the apparent shoulder width and the ear height must not vary by more than this
# share: landmark jitter alone is ~3-8 % on real photos, leaning in and out is far more.
MAX_FRONT_SPREAD = 0.15
# From the side, the shoulder->ear angle must not wander by more than this many degrees.
MAX_SIDE_SPREAD_DEG = 6.0


@dataclass(frozen=True)
class Baseline:
    view: View
    median: Features
    spread: Features
    n_frames: int
    image_width: int
    image_height: int
    created_utc: str
    source: str

    def to_json(self) -> str:
        data = {
            "format": "posture_cam.calibration",
            "version": FORMAT_VERSION,
            "view": self.view.value,
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
    if not (math.isfinite(m.shoulder_width_px) and 0 < m.shoulder_width_px <= 10 * b.image_width):
        return f"median.shoulder_width_px = {m.shoulder_width_px}"
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
                   source: str, now: datetime | None = None) -> Baseline:
    """Median posture over the frames; refuses when nobody is seen or they move too much.

    `samples` holds one entry per analysed frame, None where no person was detected.
    """
    seen = [s for s in samples if s is not None and math.isfinite(s.shoulder_width_px)]
    if len(seen) < MIN_FRAMES or len(seen) < MIN_SEEN_SHARE * max(1, len(samples)):
        raise UserError(
            f"calibration saw a person in {len(seen)} of {len(samples)} frames",
            hint="sit in front of the camera with your head and shoulders in view, "
                 "in good light, and try again")
    matrix = np.array([s.as_array() for s in seen])
    with warnings.catch_warnings():  # an all-NaN column (e.g. hips never seen) stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(matrix, axis=0)
        spread = 1.4826 * np.nanmedian(np.abs(matrix - median), axis=0)
    median_f = Features(*map(float, median))
    spread_f = Features(*map(float, spread))

    view = view_of(median_f.body_yaw_deg)
    if view is View.UNKNOWN:
        raise UserError(
            f"the camera sees you at an angle of {abs(median_f.body_yaw_deg):.0f} degrees",
            hint="place the camera in front of you (on the monitor) or square to your side")
    _check_still(view, median_f, spread_f)
    stamp = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    return Baseline(view, median_f, spread_f, len(seen), image_width, image_height, stamp, source)


def _check_still(view: View, median: Features, spread: Features) -> None:
    if view is View.SIDE:
        wander = spread.side_head_forward_deg
        if math.isfinite(wander) and wander > MAX_SIDE_SPREAD_DEG:
            raise UserError(f"you moved too much during calibration (head angle varied by "
                            f"{wander:.0f} degrees)",
                            hint="sit upright and still for the whole calibration, then try again")
        return
    for name, what in (("shoulder_width_px", "shoulder size"), ("ear_drop_ratio", "head height")):
        share = getattr(spread, name) / max(abs(getattr(median, name)), 1e-6)
        if math.isfinite(share) and share > MAX_FRONT_SPREAD:
            raise UserError(f"you moved too much during calibration ({what} varied by {share:.0%})",
                            hint="sit upright and still for the whole calibration, then try again")


def save_baseline(baseline: Baseline, path: Path) -> None:
    """Atomic write: a crash mid-write leaves the previous calibration untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as tmp:
            tmp.write(baseline.to_json())
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load_baseline(path: Path) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"no calibration at {path}",
                        hint="run `posture-cam calibrate` first") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read calibration {path}: {exc}",
                        hint="run `posture-cam calibrate` again") from None
    return Baseline.from_json(text, origin=f"calibration file {path}")
