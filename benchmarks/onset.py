#!/usr/bin/env python3
"""How soon is a slouch noticed, and how often does the pose model run? Run by hand.

    python benchmarks/onset.py                                    # the sample slouch clips
    python benchmarks/onset.py --set analysis.reuse_still_s=0     # the model on every frame
    python benchmarks/onset.py samples/front_slumped_d.mp4

Each clip is calibrated on its first 5 s, then played through `monitor.run` with the
monitor's adaptive rate (core/pace.py) and the settings' still-picture gate, on the clip's
own timeline (no waiting, so the figures do not depend on the machine). Prints, per clip,
the frames analysed, the pose model runs, the two-person surveys, and for each slouched
segment of the ground truth the seconds from its start to the frame that announced the
slouch.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLOUCH_CLIPS = ("front_mixed_e", "front_forward_head_a", "front_rounded_shoulders_b",
                "front_slumped_d", "front_trunk_lean_c", "side_forward_head_c", "side_slumped_a",
                "front_closeup_forward_head_e", "front_low_dim_f", "front_upright_a")


class SlouchStarts:
    """A sink: when slouch-start events are announced."""

    def __init__(self) -> None:
        self.t: list[float] = []

    def handle(self, result) -> None:  # noqa: ANN001 - StepResult
        from posture_cam.core.events import EventKind

        if any(e.kind is EventKind.SLOUCH_START for e in result.events):
            self.t.append(result.sample.t_s)

    def close(self) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clips", nargs="*", type=Path,
                        default=[ROOT / "samples" / f"{c}.mp4" for c in SLOUCH_CLIPS])
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()

    from posture_cam import monitor
    from posture_cam.config import parse_set
    from posture_cam.core.pace import AdaptivePace
    from posture_cam.core.pipeline import build_pipeline, calibrate_from
    from posture_cam.core.settings import config_from_mapping
    from posture_cam.core.stillness import StillFrames
    from posture_cam.pose import PoseEstimator
    from posture_cam.sources import VideoFileSource

    config = config_from_mapping(parse_set(args.set))
    analysis = config.analysis
    runs = surveys = 0
    seconds = 0.0
    delays: list[float] = []
    for clip in args.clips:
        segments = json.loads(clip.with_suffix(".json").read_text())["segments"]
        with PoseEstimator() as estimator, VideoFileSource(clip, analysis.fps) as source:
            baseline = calibrate_from(source.frames(), estimator, analysis.min_visibility, 5.0,
                                      str(clip))
        starts = SlouchStarts()
        with PoseEstimator() as estimator:
            pipeline = build_pipeline(estimator, baseline, config)
            stats = monitor.run(lambda: VideoFileSource(clip, analysis.fps), pipeline, [starts],
                                monitor.StopFlag(),
                                pace=AdaptivePace(analysis.fps, analysis.calm_fps))
            gate = pipeline.detector
            model = gate.analysed if isinstance(gate, StillFrames) else stats.frames
            runs, surveys = runs + model, surveys + estimator.surveys
        length = segments[-1]["end_s"]
        seconds += length
        found = []
        for segment in (s for s in segments if s["label"] == "slouched"):
            hits = [t for t in starts.t if segment["start_s"] <= t < segment["end_s"] + 3]
            found.append(round(hits[0] - segment["start_s"], 1) if hits else None)
        delays += [d for d in found if d is not None]
        print(f"{clip.stem:30s} {length:4.0f} s  frames {stats.frames:4d}  model runs {model:4d} "
              f"({model / length:.2f}/s)  surveys {estimator.surveys:3d}  slouch noticed after "
              f"{found} s")
    print(f"all: model runs {runs / seconds:.2f}/s, surveys {60 * surveys / seconds:.1f}/min; "
          f"slouches noticed {len(delays)}, after {min(delays):.1f}-{max(delays):.1f} s "
          f"(mean {statistics.fmean(delays):.2f})" if delays else "no slouch noticed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
