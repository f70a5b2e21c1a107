"""The composition root: every part the commands use is built here, from typed settings.

    cli.py (argv) -> commands.py (typed arguments) -> wiring.py (builds) -> core/ + I/O parts

Commands never construct a camera, a model, a notifier or a history path themselves, so
each is decided in one place: the history path (`history_path`), the model
(`open_estimator`), where frames come from (`open_source`), the calibration rate
(`calibration_fps`). Heavy libraries are imported only inside the builder that needs them.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TextIO

from .core.errors import UserError
from .core.settings import Config
from .paths import Paths

if TYPE_CHECKING:
    from .actions import ActionInbox
    from .alerts import Alerter
    from .inhibition import InhibitionWatch
    from .core.calibration import Baseline
    from .live import LiveStatus
    from .notify import Notifier
    from .pause_gate import PauseGate
    from .pose import PoseEstimator
    from .sources import FrameSource

# Calibration looks at least this often, whatever analysis.fps is: a few seconds of
# calibration should still give a robust median.
MIN_CALIBRATION_FPS = 5.0


@dataclass
class Env:
    """What a command may touch besides its arguments: the user's folders and two streams
    (httpie's `main(args, env)`), so the CLI runs in-process in tests."""

    paths: Paths
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    inp: TextIO = field(default_factory=lambda: sys.stdin)

    def say(self, *parts: object) -> None:
        print(*parts, file=self.out, flush=True)

    def tell(self, *parts: object) -> None:
        """Progress and prompts for a person at a terminal: stderr, never mixed with data."""
        print(*parts, file=self.err, flush=True)

    def ask(self, question: str) -> str:
        """A line of answer from stdin ("" at its end: no one to answer means no)."""
        print(question, end="", file=self.err, flush=True)
        return self.inp.readline()


@dataclass(frozen=True)
class SourceSpec:
    """Where frames come from: a video file, or a camera (None = `camera.index`)."""

    video: Path | None = None
    camera: int | None = None
    loop: bool = False
    duty_cycle: bool = False


def history_path(paths: Paths, config: Config, explicit: Path | None = None) -> Path:
    """The one answer to "where is the history?": flag, then `[history] path`, then the
    data folder."""
    if explicit is not None:
        return Path(explicit).expanduser()
    if config.history.path:
        return Path(config.history.path).expanduser()
    return paths.history_file


def model_path(config: Config, explicit: Path | None = None) -> Path:
    """`--model`, then `analysis.model`, then the bundled full model; a variant name
    (`lite`, `full`, `heavy`) means the bundled file of that name, anything else a path
    (`./lite` for a file called lite)."""
    from .pose import resolve_model

    return resolve_model(str(explicit) if explicit else config.analysis.model)


def open_estimator(config: Config, model: Path | None = None) -> PoseEstimator:
    from .pose import PoseEstimator

    return PoseEstimator(model_path(config, model),
                         max_image_width=config.analysis.max_image_width)


def calibration_fps(config: Config) -> float:
    return max(config.analysis.fps, MIN_CALIBRATION_FPS)


def open_source(config: Config, spec: SourceSpec, analysis_fps: float,
                clock: Callable[[], float] = time.monotonic,
                sleep: Callable[[float], object] | None = None) -> FrameSource:
    from .sources import CameraSource, LoopingSource, VideoFileSource

    if spec.video is not None:
        if spec.loop:
            return LoopingSource(spec.video, analysis_fps)
        return VideoFileSource(spec.video, analysis_fps)
    cam = config.camera
    index = cam.index if spec.camera is None else spec.camera
    return CameraSource(index, cam.width, cam.height, cam.fps, analysis_fps,
                        duty_cycle=spec.duty_cycle or cam.duty_cycle,
                        burst_every_s=cam.burst_every_s, clock=clock,
                        **({"sleep": sleep} if sleep else {}))


def baseline_from_video(path: Path, estimator: PoseEstimator, config: Config,
                        seconds: float) -> Baseline:
    """A baseline from the first `seconds` of a video in which the person sits upright:
    what `replay` uses when no calibration file is given."""
    from .core.pipeline import calibrate_from
    from .sources import VideoFileSource

    if seconds <= 0:
        raise UserError("the calibration time must be more than 0 s")
    with VideoFileSource(path, calibration_fps(config)) as source:
        try:
            return calibrate_from(source.frames(), estimator, config.analysis.min_visibility,
                                  seconds, source=f"first {seconds:g} s of {path}")
        except UserError as exc:
            raise UserError(f"cannot calibrate from the first {seconds:g} s of {path}: "
                            f"{exc.message}",
                            hint="give --calibration FILE from `posture-cam calibrate`") from None


def load_calibration(paths: Paths, explicit: Path | None = None) -> Baseline:
    from .storage import load_baseline

    return load_baseline(explicit or paths.calibration_file)


def make_alerter(config: Config, paths: Paths, inbox: ActionInbox | None = None,
                 inhibition: InhibitionWatch | None = None) -> Alerter:
    """Notifications as `monitor` and `replay --notify` send them: rate-limited, snoozable.
    With `inbox` (the monitor), their buttons where the desktop offers them (actions.py);
    with `inhibition` (the monitor), held while the desktop says Do Not Disturb."""
    from .alerts import Alerter
    from .control import SnoozeWatch
    from .notify import FallbackNotifier, make_notifier

    notifier = make_notifier(config.notify.backend)
    if inbox is not None and config.notify.backend != "terminal" and sys.platform == "linux":
        from .actions import open_action_notifier

        buttons = open_action_notifier(inbox)
        if buttons is not None:
            notifier = FallbackNotifier(buttons, notifier)
    return Alerter(with_style(notifier, config.alerts.style),
                   config.notify.min_interval_s, SnoozeWatch(paths.snooze_file),
                   inhibited=inhibition.inhibited if inhibition is not None else None)


def open_inhibition_watch(config: Config) -> InhibitionWatch | None:
    """The desktop's Do Not Disturb, watched while the monitor runs (inhibition.py); None
    when `notify.respect_do_not_disturb` is off, alerts go to the terminal, or not Linux.
    Waits up to 2 s for the first reading, so the first alert already knows."""
    if (not config.notify.respect_do_not_disturb or config.notify.backend == "terminal"
            or not sys.platform.startswith("linux")):
        return None
    import shutil

    from .inhibition import InhibitionWatch
    from .notify import _session_bus_address

    watch = InhibitionWatch(_session_bus_address(), shutil.which("gsettings")).start()
    watch.ready.wait(2.0)
    return watch


def with_style(notifier: Notifier, style: str) -> Notifier:
    """`alerts.style`: the notification, the chime (the terminal line if it cannot play),
    or both."""
    if style == "notification":
        return notifier
    from .notify import FallbackNotifier, TerminalNotifier
    from .sound import BothNotifier, SoundNotifier

    if style == "sound":
        return FallbackNotifier(SoundNotifier(), TerminalNotifier())
    return BothNotifier(notifier, SoundNotifier())


def make_live_status(env: Env, config: Config, spec: SourceSpec,
                     inhibited: Callable[[], bool] | None = None) -> LiveStatus:
    """The running monitor's published state (status.json), for `status` and the tray;
    `inhibited()`: whether alerts are held for the desktop's Do Not Disturb."""
    from .control import SnoozeWatch
    from .live import LiveStatus

    camera = str(spec.video) if spec.video else f"camera {_camera_index(config, spec)}"
    return LiveStatus(env.paths.status_file, camera,
                      snoozed=SnoozeWatch(env.paths.snooze_file).snoozed, inhibited=inhibited)


def _camera_index(config: Config, spec: SourceSpec) -> int:
    return config.camera.index if spec.camera is None else spec.camera


def start_pause_watchers(config: Config, spec: SourceSpec,
                         realtime: bool) -> tuple[PauseGate | None, list[Any]]:
    """The pause gate of `monitor` and its running watchers (close them when done):
    another app on the camera (camera_users.py), a locked screen or suspend
    (session_watch.py). A video file pauses only with --realtime (its timeline follows
    the clock), and is watched for "camera users" only when `camera.device` names a file."""
    from .camera_users import CameraUserWatch, device_path
    from .pause_gate import PauseGate
    from .session_watch import SessionWatch

    camera = spec.video is None
    if not (camera or realtime):
        return None, []
    watch_users = config.camera.pause_when_in_use and (camera or bool(config.camera.device))
    can_scan = CameraUserWatch.available()
    gate = PauseGate(busy_camera_pauses=watch_users and camera and not can_scan)
    watchers: list[Any] = []
    if watch_users and can_scan:
        device = device_path(_camera_index(config, spec), config.camera.device)
        watchers.append(CameraUserWatch(device, gate, config.camera.in_use_check_s).start())
    watchers.append(SessionWatch(gate).start())
    return gate, watchers


def with_schedule(open_frames: Callable[[], FrameSource], config: Config, *, live: bool,
                  wall_offset_s: float, wait: Callable[[float], bool] | None = None,
                  on_off_hours: Callable[[bool], None] | None = None
                  ) -> Callable[[], FrameSource]:
    """`open_frames` limited to `[schedule]` (unchanged when the schedule is "always").
    A frame's wall-clock time is its `t_s + wall_offset_s`."""
    schedule = config.schedule.schedule()
    if schedule.always:
        return open_frames
    from .scheduled import ScheduledSource

    return lambda: ScheduledSource(open_frames, schedule, lambda t_s: t_s + wall_offset_s,
                                   live=live, now=time.time, wait=wait,
                                   on_off_hours=on_off_hours)


def start_tray(env: Env, config: Config, live: LiveStatus, stop: Any, sinks: list[Any],
               pipeline: Any, tell: Callable[[str, str], object],
               history: Path | None = None,
               start_routine: Callable[[], None] | None = None) -> Any:
    """The tray icon of `monitor --tray` (tray.py), or None with one line saying why not.
    Its Recalibrate works through a sink added to `sinks` (recalibrate.py); its Start break
    routine through `start_routine` (the routine sink's request, monitor_routine.py)."""
    import logging

    from .tray import desktop_session_problem

    log = logging.getLogger("posture_cam")
    problem = desktop_session_problem()
    if problem:
        log.warning("--tray: %s; monitoring without a tray icon", problem)
        return None
    try:
        from .tray import Tray, TrayActions
    except ImportError as exc:
        log.warning("--tray: the tray needs pystray (%s); monitoring without a tray icon", exc)
        return None
    from .recalibrate import Recalibration

    from .profiles import ProfileSwitch

    switch = next((s for s in sinks if isinstance(s, ProfileSwitch)), None)
    recalibration = (Recalibration(config, lambda: switch.path_in_use(env.paths), tell,
                                   on_saved=switch.recalibrated)
                     if switch is not None  # recalibrates the profile in use
                     else Recalibration(config, env.paths.calibration_file, tell))
    recalibration.pipeline = pipeline
    sinks.append(recalibration)

    def report() -> Path | None:
        from .report import run_report

        out = env.paths.state_dir / "report-today.html"
        try:
            run_report(env.err, history_path(env.paths, config, history), None, False, out,
                       config.breaks.away_reset_s)
        except UserError as exc:
            log.warning("today's report: %s", exc)
            return None
        return out if out.exists() else None

    try:
        tray = Tray(TrayActions(env.paths.snooze_file, live, stop.event.set, report,
                                recalibration.request, start_routine=start_routine))
        tray.start()
    except Exception as exc:  # noqa: BLE001 - a tray that cannot start must not stop monitoring
        log.warning("--tray: the tray icon cannot be shown (%s: %s); monitoring without it",
                    type(exc).__name__, exc)
        return None
    return tray
