"""The commands, each a function of typed arguments: connect the parts wiring.py builds.
`monitor`, the one with many parts, has a module of its own (monitor_command.py).

No analysis happens here, and nothing is built here: a command decides which parts to
connect and what to tell the user.
"""

from __future__ import annotations

import logging
import signal
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from .core.errors import UserError
from .core.settings import Config
from .wiring import (Env, SourceSpec, baseline_from_video, calibration_fps, history_path,
                     load_calibration, make_alerter, open_estimator, open_source,
                     with_schedule)

log = logging.getLogger("posture_cam")

SNOOZE_MAX_MIN = 24 * 60


# --- calibrate ---------------------------------------------------------------------------

def calibrate(env: Env, config: Config, source: SourceSpec, seconds: float,
              output: Path | None = None, model: Path | None = None,
              profile: str | None = None) -> int:
    from .core.pipeline import calibrate_from
    from .storage import save_baseline

    if seconds <= 0:
        raise UserError("--seconds must be more than 0")
    if profile is not None:
        from .profiles import profile_path

        if output is not None:
            raise UserError("give --profile NAME or --output FILE, not both")
        output = profile_path(env.paths, profile)
    output = output or env.paths.calibration_file
    live = source.video is None
    with open_estimator(config, model) as estimator, \
            open_source(config, source, calibration_fps(config)) as frames:
        if live:
            env.tell(f"Sit upright as you want to sit, look at your screen and stay still "
                     f"for {seconds:.0f} s...")
        shown = [-1]

        def progress(elapsed_s: float) -> None:
            if live and int(elapsed_s) > shown[0]:
                shown[0] = int(elapsed_s)
                env.tell(f"  {max(0, seconds - elapsed_s):4.0f} s")

        baseline = calibrate_from(frames.frames(), estimator, config.analysis.min_visibility,
                                  seconds, frames.description, progress)
    save_baseline(baseline, output)
    _record_calibration(env, config, baseline)
    can, cannot = baseline.what_it_detects()
    env.say(f"Calibrated ({baseline.view.value} view, {baseline.framing.words}, "
            f"{baseline.n_frames} frames); "
            + (f"profile {profile}, " if profile else "") + f"saved to {output}")
    env.say(f"  can detect: {can}")
    if cannot:
        env.say(f"  cannot detect: {cannot}")
    return 0


def calibration_profiles(env: Env, remove: str | None = None) -> int:
    """`calibrate --list` (no `remove`) and `calibrate --remove NAME`."""
    from .profiles import profile_table, remove_profile

    if remove is not None:
        path = remove_profile(env.paths, remove)
        env.say(f"Removed calibration profile {remove} ({path})")
        return 0
    lines = profile_table(env.paths)
    if not lines:
        env.say("No calibration profiles yet (run `posture-cam calibrate [--profile NAME]`).")
        return 0
    env.say(f"{'profile':<16} {'view':<6} {'framing':<19} calibrated (UTC)")
    for line in lines:
        env.say(line)
    return 0


def _record_calibration(env: Env, config: Config, baseline: Any) -> None:
    if not config.history.enabled:
        return
    from .history import record_calibration

    try:
        record_calibration(history_path(env.paths, config), baseline)
    except UserError as exc:  # the calibration itself is saved; the history is a bonus
        log.warning("calibration saved, but not noted in the history: %s", exc)


# --- replay ------------------------------------------------------------------------------

def replay(env: Env, config: Config, video: Path, calibration: Path | None = None,
           calibrate_seconds: float = 8.0, json_out: str | None = None, notify: bool = False,
           history: Path | None = None, start: str | None = None,
           model: Path | None = None, use_profiles: bool = False) -> int:
    from .alerts import Alerter
    from .core.pipeline import build_pipeline
    from .monitor import StopFlag, run as run_loop
    from .notify import RecordingNotifier
    from .output import JsonLinesSink, TimelineSink
    from .sources import VideoFileSource

    fps = config.analysis.fps
    from .profiles import initial_profile, load_profiles, profile_switch

    profiles: dict[str, Any] = {}
    if use_profiles:

        if calibration is not None:
            raise UserError("give --profiles or --calibration FILE, not both")
        profiles = load_profiles(env.paths)
        if not profiles:
            raise UserError("no calibration profiles saved",
                            hint="run `posture-cam calibrate --profile NAME` first")
    with VideoFileSource(video, fps) as probe:  # clear errors before loading the model
        duration_s = probe.duration_s
    origin = _parse_start(start) if start else time.time() - duration_s
    sinks: list[Any] = []
    if history is not None:  # a history that cannot be written is refused before the work
        from .history import HistoryRecorder

        sinks.append(HistoryRecorder(history_path(env.paths, config, history), origin))
    with open_estimator(config, model) as estimator:
        if profiles:
            baseline = profiles[initial_profile(profiles)]
        elif calibration:
            baseline = load_calibration(env.paths, calibration)
        else:
            baseline = baseline_from_video(video, estimator, config, calibrate_seconds)
        stop = StopFlag()
        timeline = None
        if json_out == "-":
            sinks.insert(0, JsonLinesSink(env.out))
        else:
            timeline = TimelineSink(env.out, horizon_s=_backdating_s(config))
            sinks.insert(0, timeline)
            if json_out is not None:
                sinks.append(JsonLinesSink(_open_output(Path(json_out)), owns_stream=True))
        # The notifications the user would have had, rate limit included: shown with
        # --notify, and marked in the timeline either way.
        alerter = make_alerter(config, env.paths) if notify else Alerter(
            RecordingNotifier(), config.notify.min_interval_s)
        if timeline is not None:
            alerter.on_skipped, alerter.on_released = timeline.skipped, timeline.released
            timeline.interrupted = lambda: stop.signal_name
        sinks.insert(1, alerter)
        pipeline = build_pipeline(estimator, baseline, config)
        if profiles:
            switch = profile_switch(config, profiles, alerter.notifier.notify,
                                     _replay_choice_printer(list(sinks), timeline))
            switch.pipeline = pipeline
            sinks.insert(0, switch)
        stop.install()
        run_loop(with_schedule(lambda: VideoFileSource(video, fps), config, live=False,
                               wall_offset_s=origin), pipeline, sinks, stop)
    if stop.signal_name:
        env.tell(f"posture-cam: replay cut short by {stop.signal_name}; the summary covers "
                 "the part analysed")
        return 128 + int(getattr(signal, stop.signal_name))
    return 0


def _replay_choice_printer(sinks: list[Any], timeline: Any) -> Any:
    """Each profile choice as a timeline line, and as a JSON record with --json."""
    import json

    from .output import JsonLinesSink

    def show(choice: Any) -> None:
        if timeline is not None:
            timeline.note(choice.t_s, choice.words())
        for sink in sinks:
            if isinstance(sink, JsonLinesSink):
                sink.out.write(json.dumps(choice.to_dict()) + "\n")

    return show


def _backdating_s(config: Config) -> float:
    """How far back the decision may date an event: a slouch's end is dated to when the
    user sat up, an absence to the last sighting."""
    s = config.slouch
    return max(s.onset_s, s.recovery_s, s.away_after_s) + 1.0


def _open_output(path: Path) -> Any:
    from .storage import why

    try:
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {why(exc)}") from None


def _parse_start(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--start {text!r} is not an ISO time like 2026-11-25T09:00") from None
    return moment.timestamp()


# --- evaluate ----------------------------------------------------------------------------

def evaluate(env: Env, config: Config, folder: Path, only: Sequence[str] = (),
             baseline: str | None = None, json_out: str | None = None,
             model: Path | None = None) -> int:
    """`json_out`: None = the table; "-" = JSON on stdout instead; a path = JSON there too."""
    from .evaluate import json_text, run_evaluation, write_json
    from .storage import check_writable

    if json_out not in (None, "-"):
        check_writable(Path(json_out))  # before minutes of work, not after
    live = env.err.isatty()
    evaluation = run_evaluation(folder, config, lambda: open_estimator(config, model), only,
                                baseline, progress=(lambda clip: env.tell(f"  {clip}..."))
                                if live else None)
    if json_out == "-":
        env.out.write(json_text(evaluation))
        return 0
    env.say(evaluation.text())
    if json_out is not None:
        write_json(evaluation, Path(json_out))
    return 0


# --- small commands ----------------------------------------------------------------------

def snooze(env: Env, minutes: float) -> int:
    from .control import write_snooze

    if not 0 < minutes <= SNOOZE_MAX_MIN:
        raise UserError(f"snooze takes more than 0 and at most {SNOOZE_MAX_MIN} minutes")
    until = time.time() + minutes * 60
    from .instance import holder

    write_snooze(env.paths.snooze_file, until)
    env.say(f"Alerts snoozed until {datetime.fromtimestamp(until):%H:%M} "
            f"(`posture-cam resume` to end it sooner)")
    if holder(env.paths.lock_file) is None:
        env.say("No monitor is running now; the snooze applies if one starts before then.")
    return 0


def forget(env: Env, config: Config, yes: bool, history: Path | None = None) -> int:
    """Deletes all posture data after a confirmation (`--yes` skips it)."""
    from .privacy import forget as forget_files, posture_files

    where = history_path(env.paths, config, history)
    present = [p for p in posture_files(env.paths, where) if p.exists()]
    if not present:
        env.say("No posture data to forget.")
        return 0
    if not yes:
        env.tell("This deletes, for good:")
        for path in present:
            env.tell(f"  {path}")
        if env.ask("Delete them? [y/N] ").strip().lower() not in ("y", "yes"):
            env.say("Nothing deleted (answer y, or add --yes).")
            return 1
    deleted = forget_files(env.paths, where)
    env.say(f"Deleted {len(deleted)} file(s); posture-cam keeps no data about you now "
            "(your settings file stays).")
    return 0


def resume(env: Env) -> int:
    from .control import clear_snooze

    env.say("Alerts resumed." if clear_snooze(env.paths.snooze_file)
            else "Alerts were not snoozed.")
    return 0


def show_config(env: Env, config: Config, config_file: Path | None) -> int:
    """Where every file lives, as the commands will use them."""
    paths = env.paths
    shown = config_file or paths.config_file
    absent = "" if shown.exists() else " (absent: defaults)"
    env.say(f"config file:  {shown}{absent}")
    env.say(f"calibration:  {paths.calibration_file}")
    env.say(f"history:      {history_path(paths, config)}")
    env.say(f"log:          {paths.log_file}")
    return 0


def check_config(env: Env, path: Path) -> int:
    from .config import check_whole, load_config

    check_whole(load_config(path), str(path))
    env.say(f"{path}: OK")
    return 0


def print_defaults(env: Env) -> int:
    from .core.settings import defaults_toml

    env.say(defaults_toml())
    return 0


def report(env: Env, config: Config, day: str | None = None, week: bool = False,
           out: Path | None = None, history: Path | None = None) -> int:
    from .report import run_report

    return run_report(env.out, history_path(env.paths, config, history), day, week, out,
                      config.breaks.away_reset_s)


def export(env: Env, config: Config, since: str | None, until: str | None, fmt: str | None,
           out: Path | None = None, history: Path | None = None) -> int:
    from .export import run_export

    return run_export(env.out, history_path(env.paths, config, history), since, until, fmt, out)


def autostart(env: Env, action: str) -> int:
    from .autostart import run_autostart

    return run_autostart(action, paths=env.paths, out=env.out)


# --- exercise (the break routine) --------------------------------------------------------

def _camera_hint(env: Env, source: SourceSpec, exc: UserError) -> UserError:
    """A camera the running monitor holds: say so (the monitor keeps it unless it runs
    with --duty-cycle)."""
    from .instance import holder
    from .sources import CameraError

    if (isinstance(exc, CameraError) and source.video is None
            and holder(env.paths.lock_file) is not None):
        return CameraError(exc.message, hint="the running monitor holds the camera; start it "
                                             "with --duty-cycle to share it with the routine")
    return exc


def exercise(env: Env, config: Config, source: SourceSpec, move: str | None = None,
             window: bool = True, as_json: bool = False, calibration: Path | None = None,
             neutral_seconds: float = 5.0, history: Path | None = None,
             record_history: bool = True, model: Path | None = None) -> int:
    from .core.exercises import MOVES, ROUTINE
    from .exercise import EXERCISE_FPS, run_routine
    from .routine_record import leave_record

    if neutral_seconds <= 0:
        raise UserError("--neutral-seconds must be more than 0")
    specs = ROUTINE if move is None else (MOVES[move],)
    baseline = load_calibration(env.paths, calibration) if calibration else None
    if source.video is not None:
        from .sources import VideoFileSource

        VideoFileSource(source.video).close()  # a bad file: one line, before the model loads
    display = None
    if window:
        from .preview import display_available

        if display_available():
            from .exercise_window import ExerciseWindow

            display = ExerciseWindow(config.analysis.min_visibility)
        else:
            log.warning("no display: running without a window (--no-window)")
    say = (lambda _text: None) if as_json else env.say
    try:
        with open_estimator(config, model) as estimator, \
                open_source(config, source, EXERCISE_FPS) as frames:
            if source.video is None and baseline is None:
                env.tell(f"Sit upright and still, facing the camera, for {neutral_seconds:g} s...")
            outcome = run_routine(frames.frames(), estimator, specs, baseline=baseline,
                                  neutral_s=neutral_seconds,
                                  min_visibility=config.analysis.min_visibility, say=say,
                                  display=display, linger_s=3.0 if source.video is None else 0.0)
    except UserError as exc:
        raise _camera_hint(env, source, exc) from None
    finally:
        if display is not None:
            display.close()
    if record_history:
        leave_record(outcome, history_path(env.paths, config, history)
                     if config.history.enabled else None, env.paths.routine_file)
    env.say(outcome.json() if as_json else outcome.text())
    return 0
