"""`posture-cam evaluate`: accuracy of the real pipeline on clips with ground truth.

Each clip is calibrated the way a user would (its upright start, or for real footage its
separate calibration clip) and replayed through exactly the pipeline `replay` runs; the
step results are scored against the truth (scoring.py). `--baseline nose-drop` also runs
the simple published rule (nose_rule.py) on the very same pose frames and through the
same decision timing, so the two tables compare like with like.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from .core.errors import UserError
from .core.scoring import ClipScore, overall, score_clip, table, to_json
from .core.truth import LABELS_FILE, Truth, real_truths, rendered_truth

BASELINES = ("nose-drop",)


@dataclass
class Evaluation:
    scores: list[ClipScore]
    baseline: list[ClipScore]

    def text(self) -> str:
        parts = [table(self.scores, "posture-cam")]
        if self.baseline:
            parts.append(table(self.baseline, "baseline: nose-drop (calibrated nose height, "
                                              "-3 % of the frame height)"))
        return "\n\n".join(parts)

    def to_json(self) -> dict[str, Any]:
        def block(scores: Sequence[ClipScore]) -> dict[str, Any]:
            return {"clips": [to_json(s) for s in scores],
                    "overall": {k: to_json(v) for k, v in overall(scores).items()}}

        out = block(self.scores)
        if self.baseline:
            out["baseline"] = {"rule": "nose-drop", **block(self.baseline)}
        return out


def find_clips(folder: Path) -> list[Truth]:
    """Every clip with ground truth in `folder`: real footage if it has labels.json."""
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder of clips")
    if (folder / LABELS_FILE).exists():
        return real_truths(folder, _load_json(folder / LABELS_FILE))
    clips = [rendered_truth(p, _load_json(p.with_suffix(".json")))
             for p in sorted(folder.glob("*.mp4")) if p.with_suffix(".json").exists()]
    if not clips:
        raise UserError(f"no clips with ground truth in {folder} "
                        f"(NAME.mp4 + NAME.json, or {LABELS_FILE})")
    return clips


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"ground truth {path} is unreadable ({exc})") from None


def evaluate_clip(truth: Truth, config: Any, open_estimator: Callable[[], Any],
                  with_baseline: bool) -> tuple[ClipScore, ClipScore | None]:
    """Calibrate, replay and score one clip (and the baseline rule on the same poses)."""
    from .core.breaks import SittingTimer
    from .core.decision import SlouchDetector
    from .core.nose_rule import NoseDropRule
    from .core.pipeline import Pipeline, baseline_from_poses, build_pipeline, detect_poses
    from .core.settings import BreakConfig
    from .sources import VideoFileSource
    from .wiring import calibration_fps

    fps = config.analysis.fps
    start, end = truth.calibration_s
    with open_estimator() as estimator, \
            VideoFileSource(truth.calibration_video, calibration_fps(config)) as source:
        frames = (f for f in source.frames() if f.t_s >= start)
        calibration_poses = list(detect_poses(frames, estimator, end - start))
    try:
        baseline = baseline_from_poses(calibration_poses, config.analysis.min_visibility,
                                       source=str(truth.calibration_video))
    except UserError as exc:
        refused = ClipScore(truth.clip, truth.view, truth.source, calibration_error=exc.message)
        return refused, (refused if with_baseline else None)
    with open_estimator() as estimator, VideoFileSource(truth.video, fps) as source:
        pipeline = build_pipeline(estimator, baseline, config)
        # the pose stage once per frame, the rest from its output: no frame is kept
        results = [pipeline.step_pose(estimator.detect(f.image, f.t_s)) for f in source.frames()]
    score = score_clip(truth, results, config.slouch.alert_after_s, config.slouch.min_confidence)
    if not with_baseline:
        return score, None
    rule = Pipeline(None, NoseDropRule.calibrate(calibration_poses),
                    SlouchDetector(config.slouch), SittingTimer(BreakConfig(enabled=False)))
    rule_results = [rule.step_pose(r.pose_frame) for r in results]
    return score, score_clip(truth, rule_results, config.slouch.alert_after_s,
                             config.slouch.min_confidence, angles=False)


def run_evaluation(folder: Path, config: Any, open_estimator: Callable[[], Any],
                   only: Sequence[str] = (), baseline: str | None = None,
                   progress: Callable[[str], None] | None = None) -> Evaluation:
    if baseline is not None and baseline not in BASELINES:
        raise UserError(f"unknown baseline {baseline!r} (known: {', '.join(BASELINES)})")
    clips = find_clips(Path(folder))
    if only:
        unknown = set(only) - {c.clip for c in clips}
        if unknown:
            raise UserError(f"no clip named {', '.join(sorted(unknown))} in {folder}")
        clips = [c for c in clips if c.clip in set(only)]
    evaluation = Evaluation([], [])
    for truth in clips:
        if progress is not None:
            progress(truth.clip)
        score, rule_score = evaluate_clip(truth, config, open_estimator, baseline is not None)
        evaluation.scores.append(score)
        if rule_score is not None:
            evaluation.baseline.append(rule_score)
    return evaluation


def json_text(evaluation: Evaluation) -> str:
    return json.dumps(evaluation.to_json(), indent=2, allow_nan=False,
                      default=lambda v: None if isinstance(v, float) and not math.isfinite(v)
                      else str(v)) + "\n"


def write_json(evaluation: Evaluation, path: Path) -> None:
    from .storage import atomic_write_text

    atomic_write_text(Path(path), json_text(evaluation))
