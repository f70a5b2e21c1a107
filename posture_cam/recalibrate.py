"""Recalibration from the running monitor's own camera (the tray's "Recalibrate").

The monitor holds the camera, so calibration cannot open it again: this sink collects the
poses of the next `seconds` of analysed frames, builds the baseline exactly as `calibrate`
does (core/pipeline.baseline_from_poses), saves it, and swaps it into the pipeline, all in
the monitor's thread. A notification says when to sit upright and how it went.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .core.errors import UserError

if TYPE_CHECKING:
    from .core.landmarks import PoseFrame
    from .core.pipeline import Pipeline, StepResult

log = logging.getLogger(__name__)

LEAD_IN_S = 3.0  # time to sit up after the notification, before frames count


class Recalibration:
    """A monitor sink: `request()` from any thread; the work happens in `handle()`."""

    def __init__(self, config: Any, save_to: Path | Callable[[], Path],
                 tell: Callable[[str, str], object], seconds: float = 5.0,
                 on_saved: Callable[[Any], None] | None = None) -> None:
        """`save_to`: the file, or a function naming it when the time comes (the profile in
        use, profiles.py); `on_saved(baseline)` hears of the new baseline."""
        self.config = config
        self.save_to = save_to
        self.on_saved = on_saved
        self.tell = tell
        self.seconds = seconds
        self.pipeline: Pipeline | None = None
        self._requested = threading.Event()
        self._start_t: float | None = None
        self._poses: list[PoseFrame] = []

    def request(self) -> None:
        self._requested.set()

    def handle(self, result: StepResult) -> None:
        t = result.sample.t_s
        if self._start_t is None:
            if not self._requested.is_set():
                return
            self._requested.clear()
            self._start_t, self._poses = t + LEAD_IN_S, []
            self.tell("Recalibrating posture-cam",
                      f"Sit upright, look at your screen and keep still: starting in "
                      f"{LEAD_IN_S:.0f} s, for {self.seconds:.0f} s.")
            return
        if t < self._start_t:
            return
        self._poses.append(result.pose_frame)
        if t - self._start_t >= self.seconds:
            self._finish()

    def _finish(self) -> None:
        from .core.analyzer import Analyzer
        from .core.pipeline import baseline_from_poses
        from .storage import save_baseline

        poses, self._poses, self._start_t = self._poses, [], None
        try:
            baseline = baseline_from_poses(poses, self.config.analysis.min_visibility,
                                           source="the monitor's camera")
            save_baseline(baseline, self.save_to() if callable(self.save_to) else self.save_to)
        except UserError as exc:
            log.warning("recalibration failed: %s", exc)
            self.tell("Recalibration failed", f"{exc}. The previous calibration stays.")
            return
        if self.pipeline is not None:
            self.pipeline.analyzer = Analyzer(baseline, self.config.analysis, self.config.slouch)
        if self.on_saved is not None:
            self.on_saved(baseline)
        log.info("recalibrated from the monitor's camera (%s view)", baseline.view.value)
        self.tell("posture-cam recalibrated",
                  f"{baseline.view.value.capitalize()} view, {baseline.framing.words}.")

    def close(self) -> None:
        pass
