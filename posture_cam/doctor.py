"""`posture-cam doctor`: checks each part a user depends on, in words a user understands."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from .core.errors import UserError
from .wiring import Env, SourceSpec, history_path, model_path, open_source


def run_checks(env: Env, config_file: Path | None, overrides: Sequence[str],
               source: SourceSpec, model: Path | None = None) -> int:
    from .config import settings_from

    def check(name: str, probe: Callable[[], str], required: bool = True) -> bool:
        try:
            detail = probe()
        except UserError as exc:
            env.say(f"  {'FAIL' if required else 'warn'}  {name}: {exc}")
            return not required
        env.say(f"  ok    {name}: {detail}")
        return True

    paths = env.paths
    env.say("posture-cam doctor")
    ok = True
    config_holder: list = []
    shown_file = config_file or (paths.config_file if paths.config_file.exists() else None)

    def config_probe() -> str:
        config_holder.append(settings_from(shown_file, overrides))
        return str(config_file or paths.config_file) + (
            "" if shown_file else " (absent: defaults)")

    ok &= check("settings", config_probe)
    if not config_holder:
        return 1
    config = config_holder[0]

    def model_probe() -> str:
        from .pose import PoseEstimator

        path = model_path(config, model)
        with PoseEstimator(path):
            pass
        return f"{path} loads"

    ok &= check("pose model", model_probe)

    def calibration_probe() -> str:
        from .profiles import load_profiles, profile_names
        from .storage import load_baseline

        if profile_names(paths) not in ([], ["default"]):
            profiles = load_profiles(paths)  # a damaged one is warned about and skipped
            if not profiles:
                raise UserError("no calibration profile could be read",
                                hint="run `posture-cam calibrate --profile NAME` again")
            return ("profiles " + ", ".join(f"{name} ({b.view.value} view, {b.framing.words})"
                                            for name, b in profiles.items())
                    + "; the monitor picks the one that fits")
        baseline = load_baseline(paths.calibration_file)
        can, cannot = baseline.what_it_detects()
        return (f"{baseline.view.value} view, {baseline.framing.words}, "
                f"{baseline.created_utc}; detects "
                f"{can}" + (f"; cannot detect {cannot}" if cannot else ""))

    ok &= check("calibration", calibration_probe)

    def source_probe() -> str:
        with open_source(config, source, config.analysis.fps) as frames:
            for _frame in frames.frames():
                return f"{frames.description} delivers frames"
        raise UserError(f"{frames.description} delivered no frame")

    ok &= check("camera" if source.video is None else "video", source_probe)

    def notify_probe() -> str:
        from .notify import desktop_backend_status

        status = desktop_backend_status()
        if not status.available:
            raise UserError(f"{status.description}; alerts will go to the terminal",
                            hint=status.fix)
        return status.description

    check("desktop notifications", notify_probe, required=False)

    def history_probe() -> str:
        from .history import check_history

        return check_history(history_path(paths, config))

    if config.history.enabled:
        ok &= check("history", history_probe)
    _say_state(env, config)
    env.say("all good" if ok else "some checks failed: see the lines marked FAIL")
    return 0 if ok else 1


def _say_state(env: Env, config: object) -> None:
    """Not checks but the answers to "why is it quiet?": monitor, snooze, hours, autostart."""
    from .core.status import assemble
    from .status import gather

    report = assemble(gather(env, config))  # type: ignore[arg-type]
    for line in report.lines(0.0):
        if line.startswith(("monitor:", "snoozed:", "schedule:", "autostart:")):
            env.say(f"  info  {line}")
