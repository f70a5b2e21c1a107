"""Ground truth for `evaluate`: what really happened at each moment of a clip.

Two sources, one shape:

  rendered  samples/NAME.mp4 + NAME.json: per-frame true angles and labels (upright,
            slouched, away), and `distractors` (looking down, drinking, turning...: upright,
            but moving); calibrated on the clip's own upright start (`calibration_s`).
  real      a folder with labels.json (../shared/real): labelled spans of upright, slouch
            and distractor; unlabelled time (transitions) is not scored, nor the first
            5 s of each slouch; calibrated on the clip's separate `calib` clip.

Pure: built from parsed JSON (evaluate.py reads the files), no video.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UserError
from .readings import Readings

# Clips whose JSON does not say otherwise sit upright for their first 8 s.
DEFAULT_CALIBRATION_S = (0.0, 8.0)
# Slouches shorter than this are not events a user could be alerted about.
MIN_EVENT_S = 5.0
# Real footage: the first seconds of a slouch are not scored (the body is still moving,
# and smoothing lags); the yardstick.
UNSCORED_SLOUCH_START_S = 5.0
LABELS_FILE = "labels.json"

SLOUCH, UPRIGHT, DISTRACTOR, AWAY = "slouch", "upright", "distractor", "away"


@dataclass(frozen=True)
class Truth:
    clip: str
    video: Path
    view: str
    source: str  # "rendered" or "real"
    calibration_video: Path
    calibration_s: tuple[float, float]  # the part of calibration_video to calibrate on
    spans: tuple[tuple[float, float, str], ...]  # labelled time: (start, end, label)
    slouch_spans: tuple[tuple[float, float], ...]  # every true slouch, for events and alerts
    frame_fps: float = 0.0  # rendered: the per-frame truth below, for angle errors
    frames: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    reference: dict[str, float] = field(default_factory=dict)

    def label_at(self, t_s: float) -> str | None:
        """What the person was doing at `t_s`, or None where it is not scored."""
        for start, end, label in self.spans:
            if start <= t_s < end:
                return label
        return None

    def true_change(self, t_s: float) -> Readings:
        """Rendered clips: the true change of each angle from calibration, in degrees."""
        if not self.frames:
            return Readings()
        index = min(max(0, round(t_s * self.frame_fps)), len(self.frames) - 1)
        frame = self.frames[index]

        def change(key: str) -> float:
            value = frame.get(key)
            return float(value) - self.reference[key] if value is not None else math.nan

        return Readings(head=change("head_forward_deg"), trunk=change("trunk_forward_deg"),
                        shoulders=change("shoulder_protraction_deg"))


def rendered_truth(video: Path, data: dict[str, Any]) -> Truth:
    """The truth of a rendered clip from its parsed NAME.json."""
    json_path = video.with_suffix(".json")
    try:
        fps = float(data["fps"])
        frames = tuple(data["frames"])
        cal = tuple(data.get("calibration_s", DEFAULT_CALIBRATION_S))
        cal_frames = [f for f in frames if cal[0] <= f["t_s"] < cal[1] and f["label"] != "away"]
        reference = {key: _median([f[key] for f in cal_frames])
                     for key in ("head_forward_deg", "trunk_forward_deg",
                                 "shoulder_protraction_deg")}
        distractors = [(d["start_s"], d["end_s"]) for d in data.get("distractors", [])]
        spans = []
        for f in frames:
            t = float(f["t_s"])
            label = {"slouched": SLOUCH, "upright": UPRIGHT, "away": AWAY}[f["label"]]
            if label == UPRIGHT and any(a <= t < b for a, b in distractors):
                label = DISTRACTOR
            spans.append((t, t + 1.0 / fps, label))
        slouches = tuple((s["start_s"], s["end_s"]) for s in data.get("segments", [])
                         if s["label"] == "slouched")
        view = str(data["view"])
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"ground truth {json_path} is incomplete ({exc!r})") from None
    return Truth(video.stem, video, view, "rendered", video, (float(cal[0]), float(cal[1])),
                 tuple(spans), slouches, fps, frames, reference)


def real_truths(folder: Path, labels: dict[str, Any]) -> list[Truth]:
    """The truths of a folder of real clips from its parsed labels.json."""
    clips = []
    for name, entry in sorted(labels.items()):
        try:
            spans = [(a, b, UPRIGHT) for a, b in entry.get("upright", [])]
            spans += [(a + UNSCORED_SLOUCH_START_S, b, SLOUCH) for a, b in entry.get("slouch", [])
                      if b > a + UNSCORED_SLOUCH_START_S]
            spans += [(a, b, DISTRACTOR) for a, b in entry.get("distractor", [])]
            calib = folder / entry["calib"]
            clips.append(Truth(
                Path(name).stem, folder / name, str(entry["view"]), "real", calib,
                (0.0, float(entry.get("calib_seconds", math.inf))),
                tuple(sorted(spans)), tuple((a, b) for a, b in entry.get("slouch", []))))
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(f"{folder / LABELS_FILE}: entry {name} is incomplete ({exc!r})") from None
    return clips


def _median(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
