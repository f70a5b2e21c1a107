"""The `monitor` command: the running monitor, composed from the parts wiring.py builds.

    camera --frames--> Pipeline --StepResult--> sinks, in this order:
        [profile switch] -> action inbox -> break routine -> alerter -> live status
        -> history -> [preview]
    beside the loop: the tray, Do Not Disturb, the pause watchers (a call, a lock)

The order matters: a profile choice applies to the frames after it; the routine quiets the
alerter from its first frame; the history asks the alerter whether an alert was held.
Everything else the commands share stays in commands.py.
"""

from __future__ import annotations

import logging
import logging.handlers
import time
from pathlib import Path
from typing import Any

from .core.errors import UserError
from .core.settings import Config
from .profiles import initial_profile, profile_switch, profiles_to_choose
from .wiring import (Env, SourceSpec, history_path, load_calibration, make_alerter,
                     make_live_status, open_estimator, open_inhibition_watch, open_source,
                     start_pause_watchers, start_tray, with_schedule)

log = logging.getLogger("posture_cam")


def _log_to_file(path: Path) -> None:
    from .storage import make_private_dir

    make_private_dir(path.parent)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO)
    handler.posture_cam_log = True  # type: ignore[attr-defined]
    # A log line that cannot be written (full disk) is dropped, not printed as a traceback;
    # the same message still reaches the terminal handler.
    logging.raiseExceptions = False
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "posture_cam_log", False)]:
        root.removeHandler(old)  # one log file per process, even when main() runs twice
        old.close()
    root.addHandler(handler)
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)
        for other in root.handlers:
            if other is not handler and other.level == logging.NOTSET:
                other.setLevel(logging.WARNING)


def start_monitor_log(env: Env) -> None:
    """The log a monitor started at login (no terminal) leaves: set up before anything can
    fail, so a failed start is in `monitor.log` too."""
    from .storage import why

    try:
        _log_to_file(env.paths.log_file)
    except UserError as exc:
        log.warning("no log file (%s); messages go to the terminal only", exc)
    except OSError as exc:
        log.warning("no log file (cannot write %s: %s); messages go to the terminal only",
                    env.paths.log_file, why(exc))


def tell_start_failure(config: Config | None, problem: UserError) -> None:
    """One desktop notification when the monitor cannot start: at login nobody reads a
    terminal. Without a desktop the printed and logged error is all there is."""
    if config is not None and config.notify.backend == "terminal":
        return
    from .notify import desktop_backend_status, desktop_chain

    status = desktop_backend_status()
    if not status.available:
        return
    for notifier in desktop_chain(status):
        try:
            if notifier.notify("posture-cam could not start", str(problem)):
                return
        except Exception:  # noqa: BLE001 - the error itself is logged and printed already
            log.debug("the start failure could not be notified", exc_info=True)


def monitor(env: Env, config: Config, source: SourceSpec, calibration: Path | None = None,
            preview: bool = False, realtime: bool = False, history: Path | None = None,
            record_history: bool = True, model: Path | None = None, tray: bool = False) -> int:
    from .instance import MonitorLock

    lock = MonitorLock(env.paths.lock_file)
    try:
        if (source.loop or realtime) and source.video is None:
            raise UserError("--loop and --realtime need --source VIDEO")
        profiles = profiles_to_choose(env.paths, calibration)
        baseline = (profiles[initial_profile(profiles)] if profiles
                    else load_calibration(env.paths, calibration))
        if source.video is not None:
            from .sources import VideoFileSource

            VideoFileSource(source.video).close()  # a bad file: one line, before any output
        lock.acquire()
    except UserError as exc:
        tell_start_failure(config, exc)
        raise
    try:
        return _monitor_locked(env, config, source, baseline, preview, realtime, history,
                               record_history, model, tray or config.ui.tray, profiles)
    finally:
        lock.release()


def _monitor_locked(env: Env, config: Config, source: SourceSpec, baseline: Any,
                    preview: bool, realtime: bool, history: Path | None,
                    record_history: bool, model: Path | None, tray: bool = False,
                    profiles: dict[str, Any] | None = None) -> int:
    from .core.pace import AdaptivePace
    from .core.pipeline import build_pipeline
    from .monitor import StopFlag, run as run_loop
    from .monitor_routine import routine_sink

    stop = StopFlag()
    stop.install()
    from .actions import ActionInbox
    from .privacy import tighten

    where = history_path(env.paths, config, history)
    tighten(env.paths, where)
    inhibition = open_inhibition_watch(config)  # the desktop's Do Not Disturb
    live = make_live_status(env, config, source,
                            inhibition.inhibited if inhibition is not None else None)
    inbox = ActionInbox(env.paths.snooze_file)  # what notification buttons ask for
    alerter = make_alerter(config, env.paths, inbox, inhibition)
    pace = AdaptivePace(config.analysis.fps, config.analysis.calm_fps)
    # the break routine on these frames (the reminder's button, the tray): before the
    # alerter, so that posture notifications are quiet from its first frame. Its window
    # only without the tray: OpenCV's Qt window beside the tray's GTK loop crashed the
    # monitor (SIGSEGV, tests/test_tray.py), so with a tray it is notifications only.
    routine = routine_sink(config, alerter.notifier.notify,
                           where if config.history.enabled and record_history else None,
                           env.paths.routine_file, alerter, pace, window=not tray)
    inbox.start_routine = routine.request
    sinks: list[Any] = [inbox, routine, alerter, live]  # the alerter before the history: it asks
    switch = None
    if profiles:  # first of all: the frames after a choice use the chosen profile
        switch = profile_switch(config, profiles, alerter.notifier.notify,
                                 lambda choice: live.profile(choice.name))
        live.profile(switch.current)
        sinks.insert(0, switch)
    if config.history.enabled and record_history:
        from .history import HistoryRecorder, prune_history

        prune_history(where, config.history.keep_days)
        sinks.append(HistoryRecorder(
            where, None, start_unwritable=True, held=alerter.was_held,
            tell=lambda problem: alerter.notifier.notify("posture-cam history", problem)))
    if preview:
        from .preview import PreviewWindow, display_available

        if display_available():
            sinks.append(PreviewWindow(stop, config.analysis.min_visibility))
        else:
            log.warning("no display: --preview ignored")
    clock = time.monotonic
    with open_estimator(config, model) as estimator:
        pipeline = build_pipeline(estimator, baseline, config)
        if switch is not None:
            switch.pipeline = pipeline
        pipeline.routine_done = routine_watch(env)
        inbox.sitting = pipeline.sitting
        routine.pipeline = pipeline
        shown = (start_tray(env, config, live, stop, sinks, pipeline, alerter.notifier.notify,
                            history, routine.request) if tray else None)
        camera = source.video is None
        frames = with_schedule(
            lambda: open_source(config, source, config.analysis.fps, clock, stop.wait),
            config, live=camera, wall_offset_s=time.time() - (clock() if camera else 0.0),
            wait=stop.wait, on_off_hours=lambda off: off_hours(off, live, inbox))
        gate, watchers = start_pause_watchers(config, source, realtime)  # before "monitoring":
        log.info("monitoring %s (analysis %.1f fps)",  # tests wait for it to lock the screen
                 source.video or f"camera {config.camera.index}", config.analysis.fps)
        try:
            stats = run_loop(
                frames, pipeline, sinks, stop, retry_camera=source.video is None,
                retry_max_s=config.camera.retry_max_s, realtime=realtime, clock=clock,
                pace=pace, on_fault=live.camera_fault, gate=gate)
        finally:
            for watcher in watchers:
                watcher.close()
    if shown is not None:
        shown.stop()
    if inhibition is not None:
        inhibition.close()
    log.info("stopped after %d analysed frames%s%s", stats.frames, model_runs(pipeline, estimator),
             f" ({stop.signal_name})" if stop.signal_name else "")
    return 0


def model_runs(pipeline: Any, estimator: Any) -> str:
    """How much of the analysis the pose model did (benchmarks/bench.py reads it)."""
    from .core.stillness import StillFrames

    surveys = f"two-person surveys {estimator.surveys}"
    if not isinstance(pipeline.detector, StillFrames):
        return f"; {surveys}"
    still = pipeline.detector
    return f"; pose model runs {still.analysed}, unchanged pictures {still.reused}, {surveys}"


def off_hours(off: bool, live: Any, inbox: Any) -> None:
    """Off hours are shown; and they were a break: at the start of the working hours the
    sitting clock starts again (else a night at home would end in a reminder at 9:00)."""
    was_off = live.current.state == "off hours"
    live.off_hours(off)
    if was_off and not off:
        inbox.restart_sitting("the hours off")



def routine_watch(env: Env) -> Any:
    """The monitor hears of a break routine finished in another process (routine_record.py)."""
    from .routine_record import RoutineWatch

    return RoutineWatch(env.paths.routine_file).poll
