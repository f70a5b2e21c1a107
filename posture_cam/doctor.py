"""`posture-cam doctor`: checks each part a user depends on, in words a user understands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

from .errors import UserError
from .paths import Paths


def _check(name: str, probe: Callable[[], str], required: bool = True) -> bool:
    try:
        detail = probe()
    except UserError as exc:
        print(f"  {'FAIL' if required else 'warn'}  {name}: {exc}")
        return not required
    print(f"  ok    {name}: {detail}")
    return True


def run_checks(args: argparse.Namespace, paths: Paths) -> int:
    from .commands import load_settings, model_path, open_source

    print("posture-cam doctor")
    ok = True
    config_holder: list = []

    def config_probe() -> str:
        config_holder.append(load_settings(args, paths))
        return str(args.config or paths.config_file) + (
            "" if args.config or paths.config_file.exists() else " (absent: defaults)")

    ok &= _check("settings", config_probe)
    if not config_holder:
        return 1
    config = config_holder[0]

    def model_probe() -> str:
        from .pose import PoseEstimator, default_model_path

        path = model_path(args, config) or default_model_path()
        with PoseEstimator(path):
            pass
        return f"{path} loads"

    ok &= _check("pose model", model_probe)

    def calibration_probe() -> str:
        from .calibration import load_baseline, what_it_detects

        baseline = load_baseline(paths.calibration_file)
        can, cannot = what_it_detects(baseline.view, baseline.framing,
                                      baseline.median.hips_visible >= 0.5)
        framing = "head only" if baseline.framing.value == "head_only" else "head and shoulders"
        return (f"{baseline.view.value} view, {framing}, {baseline.created_utc}; detects "
                f"{can}" + (f"; cannot detect {cannot}" if cannot else ""))

    ok &= _check("calibration", calibration_probe)

    def source_probe() -> str:
        with open_source(args, config, config.analysis.fps) as source:
            for _frame in source.frames():
                return f"{source.description} delivers frames"
        raise UserError(f"{source.description} delivered no frame")

    ok &= _check("camera" if not args.source else "video", source_probe)

    def notify_probe() -> str:
        from .notify import desktop_backend_status

        status = desktop_backend_status()
        if not status.available:
            raise UserError(f"{status.description}; alerts will go to the terminal",
                            hint=status.fix)
        return status.description

    _check("desktop notifications", notify_probe, required=False)

    def history_probe() -> str:
        from .history import check_history

        path = Path(config.history.path) if config.history.path else paths.history_file
        return check_history(path)

    if config.history.enabled:
        ok &= _check("history", history_probe)
    print("all good" if ok else "some checks failed: see the lines marked FAIL")
    return 0 if ok else 1
