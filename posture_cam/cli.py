"""`posture-cam`: argument parsing and error handling; the commands live in commands.py.

`main(argv, paths, out, err) -> int` never lets a user mistake end in a traceback: a
`UserError` becomes one line on `err` and exit status 1. `--debug` shows tracebacks for
everything. Folders and streams are arguments, so tests run the CLI in-process.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import logging
import os
import sys
from pathlib import Path
from typing import Iterator, Sequence, TextIO

from . import __version__
from .core.errors import UserError
from .core.settings import Config
from .paths import Paths
from .wiring import Env, SourceSpec

log = logging.getLogger("posture_cam")


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    INTERNAL = 70
    INTERRUPTED = 130


DESCRIPTION = """\
A webcam posture coach. It watches your posture through the webcam (frames never leave
this computer and are never saved), and tells you, kindly and not too often, when a
slouch has lasted too long; it also reminds you to get up and move every hour.

Start with `posture-cam calibrate`, then run `posture-cam monitor`.
"""


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE",
                        help="settings file (TOML); default: config.toml in the config dir")
    parser.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                        help="override one setting, e.g. --set slouch.alert_after_s=30 "
                             "(repeatable; see `posture-cam config --defaults`)")
    parser.add_argument("--model", metavar="NAME|PATH",
                        help="pose model: lite, full or heavy (bundled), or a .task file; "
                             "default: analysis.model, else full")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")


def _add_source(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--camera", type=int, metavar="N",
                       help="camera index (default: camera.index from the config, 0)")
    group.add_argument("--source", metavar="VIDEO", help="read a video file instead of a camera")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posture-cam", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"posture-cam {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser(
        "calibrate", help="record your neutral, upright posture (about 5 s)",
        description="Sit upright as you would like to sit, look at your screen and stay "
                    "still; the median of your posture becomes the baseline that every "
                    "alert compares against. Recalibrate after moving the camera or chair.")
    _add_source(p)
    p.add_argument("--seconds", type=float, default=5.0, metavar="S",
                   help="how long to record (default: 5)")
    p.add_argument("--output", metavar="FILE",
                   help="where to save the baseline (default: calibration.json in the config dir)")
    p.add_argument("--profile", metavar="NAME",
                   help="save as the calibration profile NAME (one per desk, screen or place: "
                        "the monitor picks the one that fits; see docs/profiles.md)")
    p.add_argument("--list", action="store_true",
                   help="list the calibration profiles (name, view, framing, date) and exit")
    p.add_argument("--remove", metavar="NAME", help="delete the calibration profile NAME")
    _add_common(p)

    p = commands.add_parser(
        "monitor", help="watch your posture and alert when a slouch lasts too long",
        description="Runs quietly in the background: one log line per alert or break, "
                    "desktop notifications when available, the terminal otherwise. Stop it "
                    "with Ctrl+C or SIGTERM.")
    _add_source(p)
    p.add_argument("--calibration", metavar="FILE",
                   help="baseline file (default: the one `calibrate` saved, or, with "
                        "profiles, the profile that fits what the camera sees)")
    p.add_argument("--preview", action="store_true",
                   help="show the camera with the skeleton and angles in a window")
    p.add_argument("--duty-cycle", action="store_true",
                   help="open the camera only for a short burst every few seconds, so a "
                        "video call can use it (camera.burst_every_s)")
    p.add_argument("--loop", action="store_true", help="with --source: play the video forever")
    p.add_argument("--realtime", action="store_true",
                   help="with --source: pace the video at its real speed, like a camera")
    p.add_argument("--history", metavar="FILE", help="history database (default: in the data dir)")
    p.add_argument("--no-history", action="store_true", help="do not record history")
    p.add_argument("--tray", action="store_true",
                   help="show a tray icon with the state and a pause menu (ui.tray)")
    _add_common(p)

    p = commands.add_parser(
        "replay", help="run the same pipeline on a recorded video and print the timeline",
        description="Analyses a video exactly as `monitor` would analyse the camera. Without "
                    "--calibration, the first --calibrate-seconds of the video (sitting "
                    "upright) are the baseline.")
    p.add_argument("video", metavar="FILE", nargs="?",
                   help="the video to analyse (or --source FILE, as in the other commands)")
    p.add_argument("--source", metavar="VIDEO", dest="source_video",
                   help="the video to analyse (same as FILE)")
    p.add_argument("--calibration", metavar="FILE", help="baseline file from `calibrate`")
    p.add_argument("--profiles", action="store_true",
                   help="choose among your saved calibration profiles as the monitor does "
                        "(at the start and after each absence)")
    p.add_argument("--calibrate-seconds", type=float, default=8.0, metavar="S",
                   help="without --calibration: use the first S seconds (default: 8)")
    p.add_argument("--json", metavar="FILE", nargs="?", const="-",
                   help="one JSON object per analysed frame and per event: on stdout "
                        "instead of the timeline, or into FILE beside it")
    p.add_argument("--notify", action="store_true",
                   help="also send the alerts as desktop notifications")
    p.add_argument("--history", metavar="FILE", help="also record into this history database")
    p.add_argument("--start", metavar="ISO_TIME",
                   help="wall-clock time of the video's first frame, for --history and "
                        "[schedule] (default: now minus the video's length)")
    _add_common(p)

    p = commands.add_parser(
        "evaluate", help="accuracy report on videos with ground truth (rendered or real)",
        description="Calibrates and replays each clip through the real pipeline and prints, "
                    "per clip and overall: angle errors, the share of slouch / upright / "
                    "distractor frames flagged, slouch precision/recall, alerts. FOLDER holds "
                    "NAME.mp4 + NAME.json clips (samples/) or real clips with a labels.json "
                    "(see ../shared/real/README.md).")
    p.add_argument("folder", nargs="?", default="samples", help="folder of clips (default: samples)")
    p.add_argument("--only", metavar="NAME", action="append", default=[],
                   help="evaluate only this clip (repeatable)")
    p.add_argument("--baseline", choices=("nose-drop",),
                   help="also run a simple rule on the same poses for comparison: nose-drop = "
                        "calibrated nose height, slouch below -3 %% of the frame height")
    p.add_argument("--json", metavar="FILE", nargs="?", const="-",
                   help="the figures as JSON: on stdout instead of the table, or into FILE "
                        "beside it")
    _add_common(p)

    p = commands.add_parser(
        "exercise", help="the 2-minute break routine, counted by the camera",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Chin tucks, shoulder-blade squeezes, a chest opener, and standing up to\n"
                    "reach overhead: each explained in one line and counted from your pose\n"
                    "against how you sat in the first seconds (sit upright and still when it\n"
                    "starts). A move the camera cannot see in your framing is skipped, and\n"
                    "said to be. A finished routine counts as your movement break.\n\n"
                    "With --source VIDEO the routine runs on the video's own timeline: the\n"
                    "next move starts when a move's reps are done or its time is up. --move\n"
                    "runs one move (the sample clips in samples/exercises hold one each).")
    _add_source(p)
    p.add_argument("--move", choices=("chin-tuck", "shoulder-squeeze", "chest-opener",
                                      "stand-reach"),
                   help="run this one move instead of the whole routine")
    p.add_argument("--no-window", action="store_true",
                   help="no window: print the moves and the counts only")
    p.add_argument("--json", action="store_true", help="print the outcome as one JSON object")
    p.add_argument("--calibration", metavar="FILE",
                   help="count against this calibration instead of the first seconds")
    p.add_argument("--neutral-seconds", type=float, default=5.0, metavar="S",
                   help="how long to take your neutral pose at the start (default: 5)")
    p.add_argument("--history", metavar="FILE", help="history database (default: in the data dir)")
    p.add_argument("--no-history", action="store_true",
                   help="do not record the routine (nor tell a running monitor)")
    _add_common(p)

    p = commands.add_parser(
        "snooze", help="pause alerts for N minutes (while monitor runs)",
        description="Holds posture alerts and break reminders for MINUTES (default 30) in the "
                    "running monitor, or in one started before the time is up. The monitor "
                    "keeps watching and recording; `posture-cam resume` ends the snooze.")
    p.add_argument("minutes", type=float, nargs="?", default=30.0,
                   help="how long, more than 0 and at most 1440 (default: 30)")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    p = commands.add_parser(
        "resume", help="end a snooze: alerts resume at once",
        description="Ends a snooze set with `posture-cam snooze`: the running monitor shows "
                    "alerts again from its next frame.")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    p = commands.add_parser(
        "forget", help="delete all your posture data (history, calibration, log, state)",
        description="Deletes the posture history (and its -wal/-shm files), the calibration, "
                    "the monitor log and its rotated copies, and the snooze, lock and routine "
                    "files. "
                    "Your settings file stays. Asks first; stop a running monitor before.")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--history", metavar="FILE", help="history database (default: as configured)")
    p.add_argument("--config", metavar="FILE",
                   help="settings file (TOML); default: config.toml in the config dir")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    p = commands.add_parser(
        "config", help="where posture-cam keeps its files; the settings",
        description="Prints where the settings, calibration, history and log are (as the "
                    "other commands will use them, --config and --set included), or the "
                    "commented default settings, or checks a settings file.")
    p.add_argument("--defaults", action="store_true", help="print the commented default settings")
    p.add_argument("--check", metavar="FILE", help="validate a settings file")
    p.add_argument("--config", metavar="FILE",
                   help="settings file (TOML); default: config.toml in the config dir")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                   help="override one setting, e.g. --set history.path=/tmp/h.sqlite3")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    p = commands.add_parser(
        "doctor", help="check the model, camera, notifications and files",
        description="Checks, in order: the settings, the pose model, the calibration, the "
                    "camera (or --source VIDEO), desktop notifications and that the history "
                    "can be written. One line each, ok / warn / FAIL with the fix; exit 1 "
                    "when anything failed.")
    _add_source(p)
    _add_common(p)

    p = commands.add_parser(
        "report", help="summary and chart of your posture history",
        description="Upright share, slouch minutes, longest slouch, alerts, breaks and "
                    "sitting streaks for a day or a week, in the terminal and as a chart.")
    p.add_argument("--day", metavar="DATE", help="the day to report, YYYY-MM-DD (default: today)")
    p.add_argument("--week", action="store_true", help="the seven days up to --day/today")
    p.add_argument("--out", metavar="FILE", help="also draw the chart into FILE.png or FILE.html")
    p.add_argument("--history", metavar="FILE", help="history database (default: in the data dir)")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    p = commands.add_parser(
        "export", help="your history's minutes, events and routines as CSV or JSON",
        description="One row per recorded minute (time at the desk, slouched, how near each "
                    "slouch kind came to its threshold), per event (alert, break reminder, "
                    "break taken) and per break routine, in time order. Columns: "
                    "docs/export.md. Written user-only like the history.")
    p.add_argument("--since", metavar="DATE", help="from this day on, YYYY-MM-DD "
                                                   "(default: everything)")
    p.add_argument("--until", metavar="DATE", help="up to and including this day")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", dest="fmt", action="store_const", const="csv",
                     help="CSV with a header row (the default)")
    fmt.add_argument("--json", dest="fmt", action="store_const", const="json",
                     help="one JSON object: {history, records: [...]}")
    p.add_argument("--out", metavar="FILE", help="write into FILE instead of stdout "
                                                 "(.json picks JSON)")
    p.add_argument("--history", metavar="FILE", help="history database (default: as configured)")
    p.add_argument("--config", metavar="FILE",
                   help="settings file (TOML); default: config.toml in the config dir")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    p = commands.add_parser(
        "autostart", help="start the monitor with your desktop session (or stop doing so)",
        description="install: start `posture-cam monitor` when you log in (an XDG autostart "
                    "entry on Linux, a LaunchAgent on macOS, a Startup shortcut on Windows); "
                    "remove: stop doing so; status: say whether it is installed.")
    p.add_argument("action", choices=("install", "remove", "status"),
                   help="install, remove or status")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    p = commands.add_parser(
        "status", help="is the monitor running, and what does it see now",
        description="Running or not (and its PID), the current state and since when, "
                    "today's upright share and alerts, snooze, working hours, autostart, "
                    "calibration and camera. Exit status 0 while a monitor runs, 3 when none does.")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--config", metavar="FILE",
                   help="settings file (TOML); default: config.toml in the config dir")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                   help="override one setting")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return parser


def _settings(args: argparse.Namespace, paths: Paths) -> Config:
    from .config import settings_from

    config_file = Path(args.config) if getattr(args, "config", None) else (
        paths.config_file if paths.config_file.exists() else None)
    return settings_from(config_file, getattr(args, "set", []) or [])


def _optional_path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _source(args: argparse.Namespace) -> SourceSpec:
    return SourceSpec(video=_optional_path(getattr(args, "source", None)),
                      camera=getattr(args, "camera", None), loop=getattr(args, "loop", False),
                      duty_cycle=getattr(args, "duty_cycle", False))


def dispatch(args: argparse.Namespace, env: Env) -> int:
    """argparse's Namespace stops here: every command gets typed arguments."""
    from . import commands

    command = args.command
    model = _optional_path(getattr(args, "model", None))
    if command == "calibrate":
        if args.list or args.remove is not None:
            if args.list and args.remove is not None:
                raise UserError("give --list or --remove NAME, not both")
            return commands.calibration_profiles(env, args.remove)
        return commands.calibrate(env, _settings(args, env.paths), _source(args), args.seconds,
                                  _optional_path(args.output), model, args.profile)
    if command == "monitor":
        from . import monitor_command

        monitor_command.start_monitor_log(env)
        try:
            config = _settings(args, env.paths)
        except UserError as exc:
            monitor_command.tell_start_failure(None, exc)
            raise
        return monitor_command.monitor(env, config, _source(args),
                                      _optional_path(args.calibration), args.preview,
                                      args.realtime, _optional_path(args.history),
                                      not args.no_history, model, tray=args.tray)
    if command == "replay":
        if (args.video is None) == (args.source_video is None):
            raise UserError("replay takes one video: FILE or --source FILE")
        return commands.replay(env, _settings(args, env.paths),
                               Path(args.video or args.source_video),
                               _optional_path(args.calibration), args.calibrate_seconds,
                               args.json, args.notify, _optional_path(args.history),
                               args.start, model, args.profiles)
    if command == "evaluate":
        return commands.evaluate(env, _settings(args, env.paths), Path(args.folder), args.only,
                                 args.baseline, args.json, model)
    if command == "forget":
        return commands.forget(env, _settings(args, env.paths), args.yes,
                               _optional_path(args.history))
    if command == "exercise":
        return commands.exercise(env, _settings(args, env.paths), _source(args), args.move,
                                 not args.no_window, args.json,
                                 _optional_path(args.calibration), args.neutral_seconds,
                                 _optional_path(args.history), not args.no_history, model)
    if command == "snooze":
        return commands.snooze(env, args.minutes)
    if command == "resume":
        return commands.resume(env)
    if command == "config":
        if args.check:
            return commands.check_config(env, Path(args.check))
        if args.defaults:
            return commands.print_defaults(env)
        return commands.show_config(env, _settings(args, env.paths),
                                    _optional_path(getattr(args, "config", None)))
    if command == "doctor":
        from .doctor import run_checks

        return run_checks(env, _optional_path(args.config), args.set, _source(args), model)
    if command == "report":
        return commands.report(env, _settings(args, env.paths), args.day, args.week,
                               _optional_path(args.out), _optional_path(args.history))
    if command == "export":
        return commands.export(env, _settings(args, env.paths), args.since, args.until,
                               args.fmt, _optional_path(args.out), _optional_path(args.history))
    if command == "autostart":
        return commands.autostart(env, args.action)
    if command == "status":
        from .status import run_status

        return run_status(env, _settings(args, env.paths), args.json)
    raise AssertionError(f"no handler for {command}")  # the parser only knows these


def main(argv: Sequence[str] | None = None, paths: Paths | None = None,
         out: TextIO | None = None, err: TextIO | None = None) -> int:
    """The CLI as a function: arguments, folders and streams in, an exit status out."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, a usage error: argparse has printed
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help(out)
        return ExitStatus.USAGE
    debug = getattr(args, "debug", False)
    _log_to(err, logging.DEBUG if debug else (logging.INFO if getattr(args, "verbose", False)
                                              else logging.WARNING))
    try:
        with private_files():
            return int(dispatch(args, Env(paths or Paths.for_user(), out, err)))
    except UserError as exc:
        if debug:
            raise
        log.error("error: %s", exc)
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        return ExitStatus.OK  # e.g. `posture-cam replay --json x.mp4 | head`
    except Exception as exc:  # a bug, or a failure we did not foresee: one line, then details
        if debug:
            raise
        log.debug("internal error", exc_info=True)
        log.error("internal error: %s: %s (run again with --debug for details, and please "
                  "report it)", type(exc).__name__, exc)
        return ExitStatus.INTERNAL


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Posture data is personal: everything the command creates (history and its -wal/-shm,
    log, calibration, reports) is readable by the user alone. The umask is restored after,
    so an in-process caller keeps its own."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def _log_to(stream: TextIO, level: int) -> None:
    """One handler on `stream` for posture-cam's messages ("posture-cam: ...")."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "posture_cam", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("posture-cam: %(message)s"))
    handler.posture_cam = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)


def hide_native_stderr() -> None:
    """Sends native log noise (MediaPipe, LiteRT, absl: ~50 lines per run) to /dev/null.

    Those libraries write straight to file descriptor 2, which no logging setting
    reaches. Python's own stderr moves to a duplicate of the original descriptor, so our
    messages and errors still reach the terminal. Only for the console entry point: the
    process belongs to us there.
    """
    if sys.stderr is None:  # pythonw.exe (Windows autostart): there is no console at all
        return
    try:
        sys.stderr.flush()
        terminal = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    sys.stderr = os.fdopen(terminal, "w", buffering=1, encoding=sys.stderr.encoding or "utf-8",
                           errors="backslashreplace")
    os.dup2(devnull, 2)
    os.close(devnull)


def console_main() -> None:
    """The `posture-cam` executable."""
    if "--debug" not in sys.argv and not os.environ.get("POSTURE_CAM_NATIVE_LOGS"):
        hide_native_stderr()
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    console_main()
