"""The break routine on the running monitor's own frames (the reminder's "Start routine"
button and the tray's "Start break routine").

The monitor holds the camera, so `posture-cam exercise` cannot open it while it runs. This
sink, like the tray's Recalibrate (recalibrate.py), takes a `request()` from any thread and
does the work in `handle()`, in the monitor's thread, on the frames the monitor analyses
anyway:

    request() --> next frame: Routine from the pipeline's calibration (exercise.start_routine)
              --> each frame: Routine.step(pose_frame); each move announced by notification
              --> finished:  history row + routine.json (routine_record.leave_record, as the
                             command), whose change the pipeline hears (`routine_done`) and
                             restarts the sitting clock; the result by notification

While it runs, posture is not judged (Pipeline.exercising: the moves look like slouches,
so no slouch starts and the history counts those minutes as at the desk, not slouched),
posture notifications are quiet (Alerter.quiet) and the analysis rate is pinned at the routine's rate (AdaptivePace.hold). The
neutral pose is the monitor's calibration, not the first seconds: the monitor is already
calibrated for this camera and the user is mid-session, with no time set aside to sit still.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .core.errors import UserError
from .core.exercises import ROUTINE, MoveSpec
from .core.frame import Frame
from .exercise import (CALIBRATION, EXERCISE_FPS, Announcer, RoutineDisplay, RoutineOutcome,
                       finish_routine, start_routine)

if TYPE_CHECKING:
    from .alerts import Alerter
    from .core.pace import AdaptivePace
    from .core.pipeline import Pipeline, StepResult
    from .core.routine import Routine

log = logging.getLogger(__name__)

TITLE = "Break routine"
QUIET_WHY = "a break routine is running"


class MonitorRoutine:
    """A monitor sink: `request()` from any thread; the routine runs in `handle()`.

    Put it before the Alerter in the sink list, so that the frame a routine starts on is
    already quiet. `history` None records nothing in the history (`--no-history`); the
    routine file is written all the same for a routine that counts as a break, since that
    is how the sitting clock hears of it.
    """

    def __init__(self, tell: Callable[[str, str], object], history: Path | None,
                 routine_file: Path, *, min_visibility: float = 0.5,
                 specs: Sequence[MoveSpec] = ROUTINE, alerter: Alerter | None = None,
                 pace: AdaptivePace | None = None, fps: float = EXERCISE_FPS,
                 open_display: Callable[[], RoutineDisplay] | None = None) -> None:
        self.tell = tell
        self.history = history
        self.routine_file = routine_file
        self.min_visibility = min_visibility
        self.specs = list(specs)
        self.alerter = alerter
        self.pace = pace
        self.fps = fps
        self.open_display = open_display
        self.pipeline: Pipeline | None = None
        self.outcome: RoutineOutcome | None = None  # the last routine's, once it ended
        self._requested = threading.Event()
        self._routine: Routine | None = None
        self._announce: Announcer | None = None
        self._display: RoutineDisplay | None = None

    @property
    def running(self) -> bool:
        return self._routine is not None

    def request(self) -> None:
        self._requested.set()

    def handle(self, result: StepResult) -> None:
        if self._routine is None:
            if not self._requested.is_set():
                return
            self._requested.clear()
            if not self._start(result.sample.t_s):
                return
        elif self._requested.is_set():
            self._requested.clear()
            log.info("a break routine is already running")
        routine, announce = self._routine, self._announce
        assert routine is not None and announce is not None
        view = routine.step(result.pose_frame)
        announce(routine)
        if self._display is not None and result.image is not None:
            try:
                shown = self._display.show(Frame(result.sample.t_s, result.image),
                                           result.pose_frame, routine, view, 0.0)
            except Exception as exc:  # noqa: BLE001 - a window that fails must not end the monitor
                log.warning("the routine window failed (%s: %s); notifications only",
                            type(exc).__name__, exc)
                self._close_display()
            else:
                if not shown:  # closed with q: the user stopped the routine
                    self._finish(stopped=True)
                    return
        if routine.finished:
            self._finish(stopped=False)

    def _start(self, t_s: float) -> bool:
        baseline = getattr(getattr(self.pipeline, "analyzer", None), "baseline", None)
        if baseline is None:
            log.warning("break routine requested, but the monitor has no calibration")
            return False
        self._routine = start_routine(self.specs, baseline, t_s, self.min_visibility)
        self._announce = Announcer(self._tell_move)
        assert self.pipeline is not None
        self.pipeline.exercising = True  # the moves are no slouches (core/pipeline.py)
        if self.alerter is not None:
            self.alerter.quiet(QUIET_WHY)
        if self.pace is not None:
            self.pace.hold(self.fps)
        if self.open_display is not None:
            try:
                self._display = self.open_display()
                log.info("the routine is shown in a window too")
            except Exception as exc:  # noqa: BLE001 - headless after all: notifications only
                log.warning("no routine window (%s); notifications only", exc)
        log.info("break routine started on the monitor's frames (neutral pose: %s)",
                 CALIBRATION)
        return True

    def _tell_move(self, position: int, total: int, spec: MoveSpec) -> None:
        log.info("break routine %d/%d: %s", position, total, spec.title)
        self.tell(f"{TITLE} {position}/{total}: {spec.title}", spec.how)

    def _finish(self, stopped: bool) -> None:
        from .routine_record import leave_record

        routine = self._routine
        assert routine is not None
        outcome = finish_routine(routine, CALIBRATION, stopped)
        self._routine, self._announce, self.outcome = None, None, outcome
        self._close_display()
        if self.pipeline is not None:
            self.pipeline.exercising = False
        if self.alerter is not None:
            self.alerter.quiet("")
        if self.pace is not None:
            self.pace.hold(None)
        try:
            leave_record(outcome, self.history, self.routine_file)
        except UserError as exc:  # the routine file could not be written (a full disk)
            log.warning("the break routine was not recorded: %s", exc)
        log.info("%s", outcome.text())
        moves = "\n".join(result.words() for result in routine.results)
        self.tell(f"{TITLE} {'stopped' if outcome.stopped_early else 'finished'}",
                  f"{outcome.text()}\n{moves}")

    def _close_display(self) -> None:
        display, self._display = self._display, None
        if display is not None:
            display.close()

    def close(self) -> None:
        """The monitor stops: a routine under way ends here, recorded as stopped."""
        if self._routine is not None:
            self._finish(stopped=True)


def open_window(min_visibility: float) -> Callable[[], RoutineDisplay] | None:
    """The routine window's opener where a screen is available, else None (headless)."""
    from .preview import display_available

    if not display_available():
        return None

    def open_() -> RoutineDisplay:
        from .exercise_window import ExerciseWindow

        return ExerciseWindow(min_visibility)

    return open_


def routine_sink(config: Any, tell: Callable[[str, str], object], history: Path | None,
                 routine_file: Path, alerter: Alerter | None, pace: AdaptivePace | None,
                 window: bool = True) -> MonitorRoutine:
    """The monitor's routine sink, from the settings; its window where there is a screen."""
    return MonitorRoutine(tell, history, routine_file,
                          min_visibility=config.analysis.min_visibility, alerter=alerter,
                          pace=pace, fps=max(config.analysis.fps, EXERCISE_FPS),
                          open_display=open_window(config.analysis.min_visibility)
                          if window else None)
