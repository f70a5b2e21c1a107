"""`posture-cam evaluate`: accuracy of the real pipeline on clips with ground truth.

Each clip NAME.mp4 has NAME.json beside it (see samples/README.md): per-frame true angles
and labels. The clip is replayed exactly as `replay` would (baseline from its upright
`calibration_s`), and we report, per clip and per view:
- mean absolute error of each angle's change from the calibrated posture (the quantity
  every decision uses), and for side clips also of the absolute head/trunk angle;
- per-frame precision/recall of "slouched": the frame's own angles over a threshold (no
  timing) against the true label, so it measures the analyzer, not the delays;
- per-event precision/recall: a predicted slouch span matches a true slouched segment
  when they overlap; alerts raised during true upright/away time are false alarms.
The scoring functions are pure, so tests can check them on hand-made timelines.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import UserError

ANGLES = (("head", "head_forward_deg", "head_delta_deg", "head_forward_deg"),
          ("trunk", "trunk_forward_deg", "trunk_delta_deg", "trunk_forward_deg"),
          ("shoulder", "shoulder_protraction_deg", "shoulder_delta_deg", "shoulder_rounding_deg"))
# Clips whose JSON does not say otherwise sit upright for their first 8 s.
DEFAULT_CALIBRATION_S = (0.0, 8.0)
# Slouches shorter than this are not events a user could be alerted about.
MIN_EVENT_S = 5.0


@dataclass
class ClipScore:
    clip: str
    view: str
    frames: int
    mae_delta_deg: dict[str, float]
    mae_absolute_deg: dict[str, float]
    frame_tp: int = 0
    frame_fp: int = 0
    frame_fn: int = 0
    event_tp: int = 0
    event_fp: int = 0
    event_fn: int = 0
    alerts: int = 0
    false_alerts: int = 0


def load_truth(json_path: Path) -> dict[str, Any]:
    try:
        truth = json.loads(json_path.read_text())
        truth["frames"] and truth["view"]  # noqa: B018 - presence check
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"ground truth {json_path} is unreadable or incomplete ({exc})") from None
    return truth


def truth_segments(truth: dict[str, Any], label: str = "slouched") -> list[tuple[float, float]]:
    return [(s["start_s"], s["end_s"]) for s in truth.get("segments", [])
            if s["label"] == label and s["end_s"] - s["start_s"] >= MIN_EVENT_S]


def truth_at(truth_frames: Sequence[dict[str, Any]], times: np.ndarray, fps: float) -> list[dict]:
    """The ground-truth frame nearest each analysed time."""
    indices = np.clip(np.round(times * fps).astype(int), 0, len(truth_frames) - 1)
    return [truth_frames[i] for i in indices]


def _mean_abs(errors: list[float]) -> float:
    finite = [abs(e) for e in errors if math.isfinite(e)]
    return float(np.mean(finite)) if finite else float("nan")


def score_clip(name: str, truth: dict[str, Any], records: list[dict[str, Any]],
               min_confidence: float = 0.4) -> ClipScore:
    """Scores a replay's JSON records (`replay --json` lines) against the truth.

    Angle errors count the frames the analyzer trusts (confidence >= min_confidence);
    the others it declares unmeasurable (a turned head, someone standing up).
    """
    frames = [r for r in records if r["type"] == "frame"]
    events = [r for r in records if r["type"] == "event"]
    times = np.array([f["t_s"] for f in frames])
    matched = truth_at(truth["frames"], times, float(truth["fps"]))
    cal_from, cal_to = truth.get("calibration_s", DEFAULT_CALIBRATION_S)
    cal_frames = [f for f in truth["frames"] if cal_from <= f["t_s"] < cal_to
                  and f["label"] != "away"]
    reference = {key: float(np.median([f[key] for f in cal_frames])) if cal_frames else 0.0
                 for _, key, _, _ in ANGLES}

    delta_errors: dict[str, list[float]] = {name_: [] for name_, *_ in ANGLES}
    absolute_errors: dict[str, list[float]] = {name_: [] for name_, *_ in ANGLES}
    score = ClipScore(name, truth["view"], len(frames), {}, {})
    for predicted, true in zip(frames, matched):
        present = true["label"] != "away" and predicted["person_seen"]
        trusted = (predicted["confidence"] or 0.0) >= min_confidence
        if present and trusted and predicted["t_s"] >= cal_to:
            for angle, true_key, delta_key, absolute_key in ANGLES:
                true_value = true.get(true_key)
                if true_value is None or predicted[delta_key] is None:
                    continue
                delta_errors[angle].append(predicted[delta_key] - (true_value - reference[true_key]))
                if predicted[absolute_key] is not None:
                    absolute_errors[angle].append(predicted[absolute_key] - true_value)
        said = predicted["over_threshold"]
        real = true["label"] == "slouched"
        score.frame_tp += said and real
        score.frame_fp += said and not real
        score.frame_fn += real and not said
    score.mae_delta_deg = {k: _mean_abs(v) for k, v in delta_errors.items()}
    if truth["view"] == "side":
        score.mae_absolute_deg = {k: _mean_abs(v) for k, v in absolute_errors.items()
                                  if k != "shoulder"}

    predicted_spans = _predicted_spans(events, times[-1] if len(times) else 0.0)
    true_spans = truth_segments(truth)
    hit_truth = {i for i, t in enumerate(true_spans)
                 if any(_overlaps(p, t) for p in predicted_spans)}
    hit_predicted = [p for p in predicted_spans if any(_overlaps(p, t) for t in true_spans)]
    score.event_tp = len(hit_truth)
    score.event_fn = len(true_spans) - len(hit_truth)
    score.event_fp = len(predicted_spans) - len(hit_predicted)
    all_slouched = [(s["start_s"], s["end_s"]) for s in truth.get("segments", [])
                    if s["label"] == "slouched"]
    for event in events:
        if event["event"] == "alert":
            score.alerts += 1
            if not any(a - 2.0 <= event["t_s"] <= b + 5.0 for a, b in all_slouched):
                score.false_alerts += 1
    return score


def _predicted_spans(events: list[dict[str, Any]], end_t: float) -> list[tuple[float, float]]:
    spans, start = [], None
    for event in events:
        if event["event"] == "slouch_start":
            start = event["t_s"]
        elif event["event"] == "slouch_end" and start is not None:
            spans.append((start, event["t_s"]))
            start = None
    if start is not None:
        spans.append((start, end_t))
    return spans


def _overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return min(a[1], b[1]) > max(a[0], b[0])


def ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float("nan")


def aggregate(scores: Sequence[ClipScore]) -> dict[str, Any]:
    """Overall figures: frame-weighted MAEs, pooled precision/recall."""
    if not scores:
        return {}
    out: dict[str, Any] = {"clips": len(scores), "frames": sum(s.frames for s in scores)}
    for kind in ("mae_delta_deg", "mae_absolute_deg"):
        merged: dict[str, float] = {}
        for angle, *_ in ANGLES:
            values = [(getattr(s, kind).get(angle), s.frames) for s in scores]
            values = [(v, n) for v, n in values if v is not None and math.isfinite(v)]
            if values:
                merged[angle] = sum(v * n for v, n in values) / sum(n for _, n in values)
        out[kind] = merged
    tp, fp, fn = (sum(getattr(s, f"frame_{k}") for s in scores) for k in ("tp", "fp", "fn"))
    out["frame_precision"], out["frame_recall"] = ratio(tp, tp + fp), ratio(tp, tp + fn)
    tp, fp, fn = (sum(getattr(s, f"event_{k}") for s in scores) for k in ("tp", "fp", "fn"))
    out["event_precision"], out["event_recall"] = ratio(tp, tp + fp), ratio(tp, tp + fn)
    out["alerts"] = sum(s.alerts for s in scores)
    out["false_alerts"] = sum(s.false_alerts for s in scores)
    return out


def _fmt(value: float | None, digits: int = 1) -> str:
    return "   -" if value is None or not math.isfinite(value) else f"{value:4.{digits}f}"


def table(scores: Sequence[ClipScore], summaries: dict[str, dict[str, Any]]) -> str:
    header = (f"{'clip':<28}{'view':<6}{'frames':>7}  {'MAE of change (deg)':^20}  "
              f"{'frame P / R':^13}  {'event P / R':^13}  alerts (false)")
    sub = f"{'':<41}{'head':>6}{'trunk':>7}{'shldr':>7}"
    lines = [header, sub, "-" * len(header)]
    for s in scores:
        m = s.mae_delta_deg
        lines.append(
            f"{s.clip:<28}{s.view:<6}{s.frames:>7}  {_fmt(m.get('head')):>6}{_fmt(m.get('trunk')):>7}"
            f"{_fmt(m.get('shoulder')):>7}  "
            f"{_fmt(ratio(s.frame_tp, s.frame_tp + s.frame_fp), 2)} / "
            f"{_fmt(ratio(s.frame_tp, s.frame_tp + s.frame_fn), 2)}  "
            f"{_fmt(ratio(s.event_tp, s.event_tp + s.event_fp), 2)} / "
            f"{_fmt(ratio(s.event_tp, s.event_tp + s.event_fn), 2)}  {s.alerts} ({s.false_alerts})")
    lines.append("-" * len(header))
    for label, summary in summaries.items():
        if not summary:
            continue
        m = summary["mae_delta_deg"]
        lines.append(
            f"{'overall ' + label:<34}{summary['frames']:>7}  {_fmt(m.get('head')):>6}"
            f"{_fmt(m.get('trunk')):>7}{_fmt(m.get('shoulder')):>7}  "
            f"{_fmt(summary['frame_precision'], 2)} / {_fmt(summary['frame_recall'], 2)}  "
            f"{_fmt(summary['event_precision'], 2)} / {_fmt(summary['event_recall'], 2)}  "
            f"{summary['alerts']} ({summary['false_alerts']})")
    side_abs = summaries.get("side", {}).get("mae_absolute_deg") if summaries.get("side") else None
    if side_abs:
        lines.append("side view, MAE of the absolute angle: " + ", ".join(
            f"{k} {v:.1f} deg" for k, v in side_abs.items()))
    return "\n".join(lines)


def replay_records(video: Path, config, estimator,  # noqa: ANN001
                   calibration_s: Sequence[float]) -> list[dict[str, Any]]:
    """The `replay --json` records of one clip, in memory, calibrated on its upright start."""
    from .commands import build_pipeline
    from .pipeline import baseline_from_video
    from .sources import VideoFileSource

    baseline = baseline_from_video(video, estimator, config.analysis.min_visibility,
                                   calibration_s[1], max(config.analysis.fps, 5.0))
    pipeline = build_pipeline(estimator, baseline, config)
    records: list[dict[str, Any]] = []
    with VideoFileSource(video, config.analysis.fps) as source:
        for frame in source.frames():
            records += pipeline.step(frame).records()
    return records


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_to_none(v) for v in value]
    return value


def run_evaluation(args: argparse.Namespace, config) -> int:  # noqa: ANN001
    from .commands import open_estimator

    folder = Path(args.folder)
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder of clips")
    clips = sorted(p for p in folder.glob("*.mp4") if p.with_suffix(".json").exists())
    if args.only:
        clips = [p for p in clips if p.stem in set(args.only)]
    if not clips:
        raise UserError(f"no clips with ground truth (NAME.mp4 + NAME.json) in {folder}")
    scores = []
    for clip in clips:
        truth = load_truth(clip.with_suffix(".json"))
        with open_estimator(args, config) as estimator:  # fresh tracker state per clip
            records = replay_records(clip, config, estimator,
                                     truth.get("calibration_s", DEFAULT_CALIBRATION_S))
        scores.append(score_clip(clip.stem, truth, records, config.slouch.min_confidence))
    summaries = {view: aggregate([s for s in scores if s.view == view]) for view in ("front", "side")}
    summaries["all"] = aggregate(scores)
    print(table(scores, summaries))
    if args.json:
        report = {"clips": [asdict(s) for s in scores], "overall": summaries}
        Path(args.json).write_text(json.dumps(_nan_to_none(report), indent=2) + "\n")
    return 0
