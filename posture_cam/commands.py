"""The commands: each wires settings, a frame source, the pipeline and its sinks.

No analysis happens here; this module only decides which parts to connect.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from .errors import UserError
from .paths import Paths

log = logging.getLogger("posture_cam")


def run(args: argparse.Namespace) -> int:
    handlers: dict[str, Callable[[argparse.Namespace, Paths], int]] = {
        "calibrate": cmd_calibrate,
        "monitor": cmd_monitor,
        "replay": cmd_replay,
        "evaluate": cmd_evaluate,
        "snooze": cmd_snooze,
        "resume": cmd_resume,
        "config": cmd_config,
        "doctor": cmd_doctor,
        "report": cmd_report,
        "autostart": cmd_autostart,
    }
    return handlers[args.command](args, Paths.for_user())


# --- settings ----------------------------------------------------------------------------

def parse_set_option(items: list[str]) -> dict[str, dict[str, Any]]:
    """`--set slouch.alert_after_s=30` -> {'slouch': {'alert_after_s': 30}} (TOML values)."""
    from .config import tomllib

    data: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or "." not in key:
            raise UserError(f"--set {item!r} must look like SECTION.KEY=VALUE, "
                            "e.g. --set slouch.alert_after_s=30")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw  # a bare word is a string
        section, name = key.strip().split(".", 1)
        data.setdefault(section, {})[name] = value
    return data


def load_settings(args: argparse.Namespace, paths: Paths):  # -> Config
    from .config import config_from_mapping, load_config

    if getattr(args, "config", None):
        config = load_config(Path(args.config))
    else:
        config = load_config(paths.config_file if paths.config_file.exists() else None)
    overrides = parse_set_option(getattr(args, "set", []) or [])
    try:
        return config_from_mapping(overrides, config)
    except UserError as exc:
        raise UserError(f"--set: {exc.message}", hint=exc.hint) from None


def model_path(args: argparse.Namespace, config) -> Path | None:  # noqa: ANN001
    chosen = getattr(args, "model", None) or config.analysis.model
    return Path(chosen).expanduser() if chosen else None


def open_estimator(args: argparse.Namespace, config):  # noqa: ANN001
    from .pose import PoseEstimator

    return PoseEstimator(model_path(args, config), max_image_width=config.analysis.max_image_width)


def open_source(args: argparse.Namespace, config, analysis_fps: float,  # noqa: ANN001
                clock: Callable[[], float] = time.monotonic, sleep=None):  # noqa: ANN001
    from .sources import CameraSource, LoopingSource, VideoFileSource

    if getattr(args, "source", None):
        if getattr(args, "loop", False):
            return LoopingSource(args.source, analysis_fps)
        return VideoFileSource(args.source, analysis_fps)
    cam = config.camera
    index = cam.index if getattr(args, "camera", None) is None else args.camera
    return CameraSource(index, cam.width, cam.height, cam.fps, analysis_fps,
                        duty_cycle=getattr(args, "duty_cycle", False) or cam.duty_cycle,
                        burst_every_s=cam.burst_every_s, clock=clock,
                        **({"sleep": sleep} if sleep else {}))


# --- calibrate ---------------------------------------------------------------------------

def cmd_calibrate(args: argparse.Namespace, paths: Paths) -> int:
    from .calibration import save_baseline, what_it_detects
    from .pipeline import calibrate_from

    config = load_settings(args, paths)
    if args.seconds <= 0:
        raise UserError("--seconds must be more than 0")
    output = Path(args.output) if args.output else paths.calibration_file
    fps = max(config.analysis.fps, 5.0)
    with open_estimator(args, config) as estimator, open_source(args, config, fps) as source:
        live = not args.source
        if live:
            print(f"Sit upright as you want to sit, look at your screen and stay still "
                  f"for {args.seconds:.0f} s...", file=sys.stderr, flush=True)
        shown = [-1]

        def progress(elapsed_s: float) -> None:
            if live and int(elapsed_s) > shown[0]:
                shown[0] = int(elapsed_s)
                print(f"  {max(0, args.seconds - elapsed_s):4.0f} s", file=sys.stderr, flush=True)

        baseline = calibrate_from(source.frames(), estimator, config.analysis.min_visibility,
                                  args.seconds, source.description, progress)
    save_baseline(baseline, output)
    _record_calibration(paths, config, baseline)
    can, cannot = what_it_detects(baseline.view, baseline.framing,
                                  baseline.median.hips_visible >= 0.5)
    print(f"Calibrated ({baseline.view.value} view, "
          f"{'head only' if baseline.framing.value == 'head_only' else 'head and shoulders'}, "
          f"{baseline.n_frames} frames); saved to {output}")
    print(f"  can detect: {can}")
    if cannot:
        print(f"  cannot detect: {cannot}")
    return 0


def _record_calibration(paths: Paths, config, baseline) -> None:  # noqa: ANN001
    if not config.history.enabled:
        return
    from .history import record_calibration

    try:
        record_calibration(_history_path(paths, config, None), baseline)
    except UserError as exc:  # the calibration itself is saved; the history is a bonus
        log.warning("calibration saved, but not noted in the history: %s", exc)


def _history_path(paths: Paths, config, explicit: str | None) -> Path:  # noqa: ANN001
    if explicit:
        return Path(explicit)
    return Path(config.history.path).expanduser() if config.history.path else paths.history_file


def make_alerter(config, paths: Paths):  # noqa: ANN001
    """Notifications as `monitor` and `replay --notify` send them: rate-limited, snoozable."""
    from .alerts import Alerter
    from .control import SnoozeWatch
    from .notify import make_notifier

    return Alerter(make_notifier(config.notify.backend), config.notify.min_interval_s,
                   SnoozeWatch(paths.snooze_file))


# --- monitor -----------------------------------------------------------------------------

def _log_to_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)
        for other in root.handlers:
            if other is not handler and other.level == logging.NOTSET:
                other.setLevel(logging.WARNING)


def _load_baseline_for(args: argparse.Namespace, paths: Paths):  # noqa: ANN001
    from .calibration import load_baseline

    return load_baseline(Path(args.calibration) if args.calibration else paths.calibration_file)


def cmd_monitor(args: argparse.Namespace, paths: Paths) -> int:
    from .monitor import StopFlag, run as run_loop

    config = load_settings(args, paths)
    if (args.loop or args.realtime) and not args.source:
        raise UserError("--loop and --realtime need --source VIDEO")
    baseline = _load_baseline_for(args, paths)
    if args.source:
        from .sources import VideoFileSource

        VideoFileSource(args.source).close()  # a bad file: one line, before any other output
    _log_to_file(paths.log_file)
    stop = StopFlag()
    stop.install()
    sinks: list[Any] = [make_alerter(config, paths)]
    if config.history.enabled and not args.no_history:
        from .history import HistoryRecorder

        sinks.append(HistoryRecorder(_history_path(paths, config, args.history), None))
    if args.preview:
        from .preview import PreviewWindow, display_available

        if display_available():
            sinks.append(PreviewWindow(stop))
        else:
            log.warning("no display: --preview ignored")
    clock = time.monotonic
    from .pipeline import build_pipeline

    with open_estimator(args, config) as estimator:
        pipeline = build_pipeline(estimator, baseline, config)
        log.info("monitoring %s (analysis %.1f fps)",
                 args.source or f"camera {config.camera.index}", config.analysis.fps)
        stats = run_loop(
            lambda: open_source(args, config, config.analysis.fps, clock, stop.wait),
            pipeline, sinks, stop, retry_camera=not args.source,
            retry_max_s=config.camera.retry_max_s, realtime=args.realtime, clock=clock)
    log.info("stopped after %d analysed frames%s", stats.frames,
             f" ({stop.signal_name})" if stop.signal_name else "")
    return 0


# --- replay ------------------------------------------------------------------------------

def cmd_replay(args: argparse.Namespace, paths: Paths) -> int:
    from .calibration import load_baseline
    from .monitor import StopFlag, run as run_loop
    from .output import JsonLinesSink, TimelineSink
    from .pipeline import baseline_from_video, build_pipeline
    from .sources import VideoFileSource

    config = load_settings(args, paths)
    fps = config.analysis.fps
    with VideoFileSource(args.video, fps) as probe:  # clear errors before loading the model
        duration_s = probe.duration_s
    with open_estimator(args, config) as estimator:
        if args.calibration:
            baseline = load_baseline(Path(args.calibration))
        else:
            baseline = baseline_from_video(args.video, estimator, config.analysis.min_visibility,
                                           args.calibrate_seconds, max(fps, 5.0))
        sinks: list[Any] = [JsonLinesSink(sys.stdout) if args.json else TimelineSink(sys.stdout)]
        if args.notify:
            sinks.append(make_alerter(config, paths))
        if args.history:
            from .history import HistoryRecorder

            start = _parse_start(args.start) if args.start else time.time() - duration_s
            sinks.append(HistoryRecorder(Path(args.history), start))
        pipeline = build_pipeline(estimator, baseline, config)
        stop = StopFlag()
        stop.install()
        run_loop(lambda: VideoFileSource(args.video, fps), pipeline, sinks, stop)
    return 0


def _parse_start(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--start {text!r} is not an ISO time like 2026-11-25T09:00") from None
    return moment.timestamp()


# --- small commands ----------------------------------------------------------------------

def cmd_snooze(args: argparse.Namespace, paths: Paths) -> int:
    from .control import write_snooze

    if not 0 < args.minutes <= 24 * 60:
        raise UserError("snooze takes between 0 and 1440 minutes")
    until = time.time() + args.minutes * 60
    write_snooze(paths.snooze_file, until)
    print(f"Alerts snoozed until {datetime.fromtimestamp(until):%H:%M} "
          f"(`posture-cam resume` to end it sooner)")
    return 0


def cmd_resume(args: argparse.Namespace, paths: Paths) -> int:
    from .control import clear_snooze

    print("Alerts resumed." if clear_snooze(paths.snooze_file) else "Alerts were not snoozed.")
    return 0


def cmd_config(args: argparse.Namespace, paths: Paths) -> int:
    from .config import defaults_toml, load_config

    if args.check:
        load_config(Path(args.check))
        print(f"{args.check}: OK")
        return 0
    if args.defaults:
        print(defaults_toml())
        return 0
    print(f"config file:  {paths.config_file}{'' if paths.config_file.exists() else ' (absent: defaults)'}")
    print(f"calibration:  {paths.calibration_file}")
    print(f"history:      {paths.history_file}")
    print(f"log:          {paths.log_file}")
    return 0


def cmd_doctor(args: argparse.Namespace, paths: Paths) -> int:
    from .doctor import run_checks

    return run_checks(args, paths)


def cmd_evaluate(args: argparse.Namespace, paths: Paths) -> int:
    from .evaluate import run_evaluation, write_json

    config = load_settings(args, paths)
    if args.folder is None:
        raise UserError("evaluate needs a folder of clips, e.g. `posture-cam evaluate samples`")
    live = sys.stderr.isatty()
    evaluation = run_evaluation(
        Path(args.folder), config, lambda: open_estimator(args, config), args.only,
        args.baseline, progress=(lambda clip: print(f"  {clip}...", file=sys.stderr,
                                                   flush=True)) if live else None)
    print(evaluation.text())
    if args.json:
        write_json(evaluation, Path(args.json))
    return 0


def cmd_report(args: argparse.Namespace, paths: Paths) -> int:
    from .report import run_report

    config = load_settings(args, paths)
    return run_report(args, _history_path(paths, config, args.history))


def cmd_autostart(args: argparse.Namespace, paths: Paths) -> int:
    from .autostart import run_autostart

    return run_autostart(args.action)
