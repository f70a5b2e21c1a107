"""Scores of one replayed clip against its ground truth, and the table `evaluate` prints.

Per clip, from the pipeline's own step results (what `replay` would print):
- angle errors: mean absolute error of each reading's change from calibration against the
  true change, where the reading is an angle (rendered clips; from the front the head is
  an index, not an angle, so it has no error to show);
- frames: each frame's own flag (over a threshold, trusted, no timing) against the label:
  slouch frames flagged (recall), upright and distractor frames flagged (false alarms),
  frame precision over all of them;
- events: a predicted slouch span matches a true slouch when they overlap; an alert outside
  every true slouch (with a little slack at its ends) is a false alert; a slouch that lasts
  longer than `alert_after_s` + 15 s should have been alerted within that time.
Pure: tests feed it hand-made results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

from .events import EventKind
from .truth import DISTRACTOR, MIN_EVENT_S, SLOUCH, UPRIGHT, Truth

ANGLE_NAMES = ("head", "trunk", "shoulders")
# An alert up to this long before a true slouch starts (the label switches mid-transition)
# or after it ends (smoothing) is not false.
ALERT_SLACK_BEFORE_S = 2.0
ALERT_SLACK_AFTER_S = 5.0
# "Alerts within 60 s of the slouch starting" at the default alert_after_s of 45 s.
ALERT_ON_TIME_EXTRA_S = 15.0


@dataclass
class ClipScore:
    clip: str
    view: str
    source: str
    frames: int = 0
    calibration_error: str = ""  # why calibration was refused ("" = it was accepted)
    mae_deg: dict[str, float] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)  # label -> frames flagged
    labelled: dict[str, int] = field(default_factory=dict)  # label -> frames scored
    event_tp: int = 0
    event_fp: int = 0
    event_fn: int = 0
    alerts: int = 0
    false_alerts: int = 0
    long_slouches: int = 0  # true slouches long enough to need an alert
    long_slouches_alerted: int = 0  # ...that got one in time
    alert_delays_s: list[float] = field(default_factory=list)

    def share(self, label: str) -> float:
        n = self.labelled.get(label, 0)
        return self.flagged.get(label, 0) / n if n else math.nan

    @property
    def frame_tp(self) -> int:
        return self.flagged.get(SLOUCH, 0)

    @property
    def frame_fp(self) -> int:
        return self.flagged.get(UPRIGHT, 0) + self.flagged.get(DISTRACTOR, 0)

    @property
    def frame_fn(self) -> int:
        return self.labelled.get(SLOUCH, 0) - self.frame_tp


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def score_clip(truth: Truth, results: Sequence[Any], alert_after_s: float,
               min_confidence: float = 0.4, angles: bool = True) -> ClipScore:
    """`results` are the pipeline's StepResults (sample, events, over_threshold);
    `angles=False` for an analysis whose readings are not angles (the baseline rule)."""
    score = ClipScore(truth.clip, truth.view, truth.source, frames=len(results))
    errors: dict[str, list[float]] = {name: [] for name in ANGLE_NAMES}
    calibration_end = truth.calibration_s[1] if truth.calibration_video == truth.video else 0.0
    for result in results:
        s = result.sample
        label = truth.label_at(s.t_s)
        if label in (SLOUCH, UPRIGHT, DISTRACTOR):
            score.labelled[label] = score.labelled.get(label, 0) + 1
            score.flagged[label] = score.flagged.get(label, 0) + bool(result.over_threshold)
        trusted = s.person_seen and s.confidence >= min_confidence
        if angles and truth.frames and trusted and label not in (None, "away") and s.t_s >= calibration_end:
            true = truth.true_change(s.t_s)
            for name in _angles_of(truth.view):
                predicted, actual = getattr(s.readings, name), getattr(true, name)
                if math.isfinite(predicted) and math.isfinite(actual):
                    errors[name].append(abs(predicted - actual))
    score.mae_deg = {k: sum(v) / len(v) for k, v in errors.items() if v}

    events = [e for r in results for e in r.events]
    end_t = results[-1].sample.t_s if results else 0.0
    predicted_spans = _predicted_spans(events, end_t)
    true_spans = [s for s in truth.slouch_spans if s[1] - s[0] >= MIN_EVENT_S]
    hit = {i for i, t in enumerate(true_spans) if any(_overlaps(p, t) for p in predicted_spans)}
    score.event_tp = len(hit)
    score.event_fn = len(true_spans) - len(hit)
    score.event_fp = sum(1 for p in predicted_spans
                         if not any(_overlaps(p, t) for t in truth.slouch_spans))
    alerts = [e.t_s for e in events if e.kind is EventKind.ALERT]
    score.alerts = len(alerts)
    score.false_alerts = sum(1 for t in alerts if not any(
        a - ALERT_SLACK_BEFORE_S <= t <= b + ALERT_SLACK_AFTER_S for a, b in truth.slouch_spans))
    due_within = alert_after_s + ALERT_ON_TIME_EXTRA_S
    for a, b in truth.slouch_spans:
        if b - a <= due_within:
            continue
        score.long_slouches += 1
        delays = [t - a for t in alerts if a - ALERT_SLACK_BEFORE_S <= t <= b]
        if delays:
            score.alert_delays_s.append(min(delays))
            score.long_slouches_alerted += min(delays) <= due_within
    return score


def _angles_of(view: str) -> tuple[str, ...]:
    """Readings that are angles in this view (the frontal head reading is an index)."""
    return ANGLE_NAMES if view == "side" else ("trunk", "shoulders")


def _predicted_spans(events: Sequence[Any], end_t: float) -> list[tuple[float, float]]:
    spans, start = [], None
    for event in events:
        if event.kind is EventKind.SLOUCH_START:
            start = event.t_s
        elif event.kind is EventKind.SLOUCH_END and start is not None:
            spans.append((start, event.t_s))
            start = None
    if start is not None:
        spans.append((start, end_t))
    return spans


def _overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return min(a[1], b[1]) > max(a[0], b[0])


def aggregate(scores: Sequence[ClipScore]) -> ClipScore | None:
    """Pooled counts and frame-weighted angle errors of several clips, as one score."""
    if not scores:
        return None
    total = ClipScore("overall", "", scores[0].source)
    for s in scores:
        total.frames += s.frames
        for label, n in s.labelled.items():
            total.labelled[label] = total.labelled.get(label, 0) + n
            total.flagged[label] = total.flagged.get(label, 0) + s.flagged.get(label, 0)
        for name in ("event_tp", "event_fp", "event_fn", "alerts", "false_alerts",
                     "long_slouches", "long_slouches_alerted"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
        total.alert_delays_s += s.alert_delays_s
        if s.calibration_error:
            total.calibration_error = "some refused"
    for name in ANGLE_NAMES:
        pairs = [(s.mae_deg[name], s.frames) for s in scores if name in s.mae_deg]
        if pairs:
            total.mae_deg[name] = sum(v * n for v, n in pairs) / sum(n for _, n in pairs)
    return total


def overall(scores: Sequence[ClipScore]) -> dict[str, ClipScore]:
    out = {view: aggregate([s for s in scores if s.view == view]) for view in ("front", "side")}
    out["all"] = aggregate(scores)
    return {k: v for k, v in out.items() if v is not None}


def _num(value: float, fmt: str = "{:4.1f}") -> str:
    return "   -" if value is None or not math.isfinite(value) else fmt.format(value)


def _pct(value: float) -> str:
    return "   -" if not math.isfinite(value) else f"{100 * value:3.0f}%"


HEADER = (f"{'clip':<30}{'view':<6}{'frames':>6}  {'MAE (deg)':^17}  {'slouch':>6} {'upright':>7} "
          f"{'distr.':>6}  {'frame P / R':^11}  {'event P / R':^11}  {'alerts':>6}  on time")
SUBHEADER = (f"{'':<44}{'head':>5}{'trunk':>6}{'shld':>6}  {'flagged':>6} "
             f"{'flagged':>7} {'flagd':>6}  {'':<11}  {'':<11}  {'(false)':>6}  (> 60 s)")


def row(s: ClipScore, name: str | None = None) -> str:
    name = name or s.clip
    if s.calibration_error and s.clip != "overall":
        return f"{name:<30}{s.view:<6}  calibration refused: {s.calibration_error}"
    m = s.mae_deg
    on_time = (f"{s.long_slouches_alerted}/{s.long_slouches}" if s.long_slouches else "-")
    frame_p = ratio(s.frame_tp, s.frame_tp + s.frame_fp)
    frame_r = ratio(s.frame_tp, s.frame_tp + s.frame_fn)
    event_p = ratio(s.event_tp, s.event_tp + s.event_fp)
    event_r = ratio(s.event_tp, s.event_tp + s.event_fn)
    return (f"{name:<30}{s.view:<6}{s.frames:>6}  {_num(m.get('head', math.nan)):>5}"
            f"{_num(m.get('trunk', math.nan)):>6}{_num(m.get('shoulders', math.nan)):>6}  "
            f"{_pct(s.share(SLOUCH)):>6} {_pct(s.share(UPRIGHT)):>7} {_pct(s.share(DISTRACTOR)):>6}  "
            f"{_num(frame_p, '{:.2f}')} / {_num(frame_r, '{:.2f}')}  "
            f"{_num(event_p, '{:.2f}')} / {_num(event_r, '{:.2f}')}  "
            f"{s.alerts:>2} ({s.false_alerts})  {on_time:>7}")


def table(scores: Sequence[ClipScore], title: str = "") -> str:
    lines = [title] if title else []
    lines += [HEADER, SUBHEADER, "-" * len(HEADER)]
    lines += [row(s) for s in scores]
    lines.append("-" * len(HEADER))
    lines += [row(total, f"overall {label}") for label, total in overall(scores).items()]
    return "\n".join(lines)


def to_json(s: ClipScore) -> dict[str, Any]:
    """A score as plain JSON values (NaN as null)."""
    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    return {
        "clip": s.clip, "view": s.view, "source": s.source, "frames": s.frames,
        "calibration_error": s.calibration_error,
        "mae_deg": {k: clean(v) for k, v in s.mae_deg.items()},
        "slouch_flagged": clean(s.share(SLOUCH)), "upright_flagged": clean(s.share(UPRIGHT)),
        "distractor_flagged": clean(s.share(DISTRACTOR)),
        "labelled_frames": dict(s.labelled), "flagged_frames": dict(s.flagged),
        "frame_precision": clean(ratio(s.frame_tp, s.frame_tp + s.frame_fp)),
        "frame_recall": clean(ratio(s.frame_tp, s.frame_tp + s.frame_fn)),
        "event_precision": clean(ratio(s.event_tp, s.event_tp + s.event_fp)),
        "event_recall": clean(ratio(s.event_tp, s.event_tp + s.event_fn)),
        "alerts": s.alerts, "false_alerts": s.false_alerts,
        "long_slouches": s.long_slouches, "long_slouches_alerted": s.long_slouches_alerted,
        "alert_delays_s": [round(d, 1) for d in s.alert_delays_s],
    }
