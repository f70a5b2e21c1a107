"""The tray icon (`monitor --tray`, or `ui.tray = true`): the state at a glance, and a menu.

    LiveStatus --state--> Tray: disc colour + tooltip ("posture-cam: slouching since 10:42")
    menu --> Pause 30 min / 1 h / until tomorrow, Resume  (the snooze file, like the CLI)
             Start break routine (monitor_routine.py: on the monitor's next frames),
             Recalibrate (recalibrate.py: the monitor's next frames), Today's report,
             Quit (the monitor's StopFlag)

pystray picks the backend: AppIndicator where PyGObject and the library are present,
else GTK, else plain X11 (XEmbed) through python-xlib. The X11 backend draws no menu: a
click runs the default item, which pauses for 30 min, or resumes when paused. Imported
only with --tray, so the monitor and --help never load it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from .icons import COLOURS, draw_icon
from .live import PAUSED, POSTURES, LiveState, LiveStatus

log = logging.getLogger(__name__)

PAUSES = (("Pause 30 min", 30 * 60), ("Pause 1 h", 60 * 60))


def desktop_session_problem(platform: str | None = None) -> str | None:
    """Why no tray can be shown here, or None."""
    platform = platform or sys.platform
    if platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                             or os.environ.get("WAYLAND_DISPLAY")):
        return "no desktop session (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    return None


def tomorrow_epoch_s(now_epoch_s: float) -> float:
    """Local midnight after `now` (DST-safe, via a naive local time)."""
    now = datetime.fromtimestamp(now_epoch_s)
    return (now.replace(hour=0, minute=0, second=0, microsecond=0)
            + timedelta(days=1)).timestamp()


class TrayActions:
    """What the menu does, apart from pystray: each is the CLI's effect (tested directly)."""

    def __init__(self, snooze_file: Path, live: LiveStatus, stop: Callable[[], None],
                 report: Callable[[], Path | None], recalibrate: Callable[[], None],
                 clock: Callable[[], float] = time.time,
                 start_routine: Callable[[], None] | None = None) -> None:
        self.snooze_file = snooze_file
        self.live = live
        self.stop = stop
        self.report = report
        self.recalibrate = recalibrate
        self.clock = clock
        self._start_routine = start_routine

    @property
    def can_start_routine(self) -> bool:
        return self._start_routine is not None

    def start_routine(self) -> None:
        """The break routine on the monitor's next frames (the sink's request)."""
        if self._start_routine is None:
            log.warning("no break routine here: the monitor did not set one up")
            return
        log.info("break routine requested from the tray")
        self._start_routine()

    def pause(self, seconds: float) -> None:
        from .control import write_snooze

        write_snooze(self.snooze_file, self.clock() + seconds)
        log.info("paused from the tray until %s",
                 f"{datetime.fromtimestamp(self.clock() + seconds):%H:%M}")
        self.live.refresh()

    def pause_until_tomorrow(self) -> None:
        self.pause(tomorrow_epoch_s(self.clock()) - self.clock())

    def resume(self) -> None:
        from .control import clear_snooze

        clear_snooze(self.snooze_file)
        log.info("resumed from the tray")
        self.live.refresh()

    def toggle(self) -> None:
        """The default item (a click on an icon without a menu)."""
        if self.live.current.state == PAUSED:
            self.resume()
        else:
            self.pause(PAUSES[0][1])

    def todays_report(self) -> None:
        def run() -> None:
            path = self.report()
            if path is not None:
                import webbrowser

                webbrowser.open(path.as_uri())

        threading.Thread(target=run, name="tray-report", daemon=True).start()


def tooltip(state: LiveState) -> str:
    since = f" since {datetime.fromtimestamp(state.since_epoch_s):%H:%M}"
    # A snooze's detail is the posture underneath (not worth a tooltip); a pause's is why.
    snoozed = state.state == PAUSED and state.detail in POSTURES
    detail = f": {state.detail}" if state.detail and not snoozed else ""
    profile = f" (profile {state.profile})" if state.profile else ""
    return f"posture-cam: {state.state}{since}{detail}{profile}"


class Tray:
    """The pystray icon, following a LiveStatus. `start()` runs it in its own thread."""

    def __init__(self, actions: TrayActions) -> None:
        pystray = import_pystray()  # lazy: only `--tray` pays for it

        self.actions = actions
        paused = lambda _item: actions.live.current.state == PAUSED  # noqa: E731
        item = pystray.MenuItem
        self.menu = pystray.Menu(
            item(lambda _i: "Resume" if paused(_i) else "Pause 30 min",
                 lambda: actions.toggle(), default=True, visible=False),
            *[item(text, _call(actions.pause, seconds)) for text, seconds in PAUSES],
            item("Pause until tomorrow", lambda: actions.pause_until_tomorrow()),
            item("Resume", lambda: actions.resume(), enabled=paused),
            pystray.Menu.SEPARATOR,
            item("Start break routine", lambda: actions.start_routine(),
                 visible=actions.can_start_routine),
            item("Recalibrate", lambda: actions.recalibrate()),
            item("Today's report", lambda: actions.todays_report()),
            item("Quit", lambda: actions.stop()))
        state = actions.live.current
        self.icon = pystray.Icon("posture-cam", draw_icon(COLOURS.get(state.state, COLOURS["away"])),
                                 tooltip(state), self.menu)
        _listen_for_clicks(self.icon)
        log.info("tray: %s backend%s", type(self.icon).__module__.rsplit("_", 1)[-1],
                 "" if self.icon.HAS_MENU else " (no menu: a click pauses or resumes)")

    def start(self) -> None:
        def setup(icon: Any) -> None:
            icon.visible = True
            self.actions.live.subscribe(self.show)

        def run() -> None:
            try:
                self.icon.run(setup)
            except Exception as exc:  # noqa: BLE001 - the tray is a convenience; monitoring goes on
                log.warning("the tray icon stopped (%s: %s); monitoring goes on without it",
                            type(exc).__name__, _first_line(exc))

        threading.Thread(target=run, name="tray", daemon=True).start()

    def show(self, state: LiveState) -> None:
        self.icon.icon = draw_icon(COLOURS.get(state.state, COLOURS["away"]))
        self.icon.title = tooltip(state)
        self.icon.update_menu()

    def stop(self) -> None:
        self.icon.stop()


def import_pystray() -> Any:
    """pystray with the first backend that works here: AppIndicator, GTK, then X11.

    pystray tries them in that order itself, but only skips a backend on ImportError:
    with PyGObject installed and the AppIndicator library absent it raises ValueError
    and gives up, so posture-cam tries each one by name (PYSTRAY_BACKEND) after that.
    """
    if os.environ.get("PYSTRAY_BACKEND"):
        import pystray

        return pystray
    errors = []
    for backend in ("", "gtk", "xorg"):
        if backend:
            os.environ["PYSTRAY_BACKEND"] = backend
        try:
            import pystray

            return pystray
        except (ImportError, ValueError) as exc:
            errors.append(f"{backend or 'default'}: {exc}")
            for name in [m for m in sys.modules if m == "pystray" or m.startswith("pystray.")]:
                del sys.modules[name]
        finally:
            os.environ.pop("PYSTRAY_BACKEND", None)
    raise ImportError("no tray backend works here (" + "; ".join(errors) + ")")


def _listen_for_clicks(icon: Any) -> None:
    """pystray 0.19's X11 backend handles ButtonPress but never asks X for it (its window's
    event mask lacks ButtonPressMask), so a click on the icon would do nothing: ask."""
    window = getattr(icon, "_window", None)
    if type(icon).__module__ != "pystray._xorg" or window is None:
        return
    import Xlib.X

    window.change_attributes(event_mask=Xlib.X.ExposureMask | Xlib.X.StructureNotifyMask
                             | Xlib.X.ButtonPressMask)
    icon._display.flush()  # noqa: SLF001


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _call(function: Callable[[float], None], value: float) -> Callable[[], None]:
    return lambda: function(value)
