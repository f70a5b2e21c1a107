"""How alerts reach the user: desktop notifications through plyer, or the terminal.

plyer chooses its backend by itself and, on several paths, never says when nothing was
delivered (shared/NOTIFICATIONS.md). So we decide once, at start, which backend is live,
create that plyer backend ourselves, and say once, clearly, what is missing and the fix:

    Linux    plyer over D-Bus (dbus-python) > plyer with notify-send > terminal
             (inside a real Flatpak: plyer's desktop-portal backend through gdbus)
    macOS    plyer (needs pyobjus) > osascript > terminal
    Windows  plyer tray balloon > terminal

Whatever the desktop cannot take goes to the terminal; the alerter logs every alert too.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

APP_NAME = "posture-cam"
NOTIFICATION_SERVER = "org.freedesktop.Notifications"

_FIX_SESSION = ("run posture-cam inside your desktop session: from a terminal there, "
                "or at login with `posture-cam autostart install`")
_FIX_SERVER = ("start your desktop's notification service, or a notification daemon "
               "such as dunst or mako")
_FIX_INSTALL_LINUX = ("pip install dbus-python (it builds against the Debian/Ubuntu "
                      "packages libdbus-1-dev and libglib2.0-dev), or install notify-send "
                      "(apt install libnotify-bin)")


class Notifier(Protocol):
    name: str

    def notify(self, title: str, message: str) -> bool:
        """Shows the message; False when it could not be delivered."""
        ...


@dataclass(frozen=True)
class BackendStatus:
    """What carries a desktop notification here, or why nothing does.

    `backend` names the installed software even when it cannot deliver right now; with
    `may_recover`, it is worth trying at each alert (the notification service may start
    after us at login).
    """

    available: bool
    description: str
    fix: str = ""
    backend: str = ""  # dbus | notify-send | portal | plyer | osascript | "" (nothing installed)
    may_recover: bool = False


def desktop_backend_status(platform: str | None = None) -> BackendStatus:
    """Which backend would carry a notification on this machine, or why none would."""
    platform = platform or sys.platform
    if platform.startswith("linux"):
        return _linux_status()
    if platform == "darwin":
        if _importable("pyobjus"):
            return BackendStatus(True, "plyer via pyobjus (osascript as the fallback)",
                                 backend="plyer")
        if shutil.which("osascript"):
            return BackendStatus(True, "osascript (AppleScript `display notification`)",
                                 backend="osascript")
        return BackendStatus(False, "neither pyobjus nor osascript is available",
                             "pip install 'plyer[macosx]' (pyobjus)")
    if platform == "win32":
        return BackendStatus(True, "plyer via a Windows tray balloon", backend="plyer")
    return BackendStatus(False, f"no desktop notification support on {platform}")


def _linux_status() -> BackendStatus:
    if Path("/.flatpak-info").exists():  # a real Flatpak, not just a directory named /app
        if shutil.which("gdbus"):
            return BackendStatus(True, "plyer via the Flatpak notification portal (gdbus)",
                                 backend="portal")
        return BackendStatus(False, "inside a Flatpak without gdbus",
                             "add gdbus (GLib) to the Flatpak runtime")
    if _importable("dbus"):
        return _dbus_status()
    if shutil.which("notify-send"):
        if _session_bus_address():
            return BackendStatus(True, "plyer via notify-send (which cannot confirm delivery; "
                                 "pip install dbus-python for that)", backend="notify-send")
        return BackendStatus(False, "notify-send is installed but there is no D-Bus session bus",
                             _FIX_SESSION, backend="notify-send")
    return BackendStatus(False, "no desktop notification backend is installed "
                         "(plyer needs dbus-python or notify-send)", _FIX_INSTALL_LINUX)


def _importable(module: str) -> bool:
    """Whether plyer's own `import module` would work (a broken install counts as missing)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def _session_bus_address() -> str:
    """The session bus address libdbus would use: the variable, else $XDG_RUNTIME_DIR/bus."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if address:
        return address
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    socket = Path(runtime_dir) / "bus"
    return f"unix:path={socket}" if socket.exists() else ""


def _dbus_status() -> BackendStatus:
    """Asks the session bus whether a notification server is running or can be started."""
    if not _session_bus_address():
        return BackendStatus(False, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)",
                             _FIX_SESSION, backend="dbus")
    import dbus  # lazy: only Linux with dbus-python gets here

    try:
        bus = dbus.SessionBus()  # the shared connection that plyer will use too
        if (bus.name_has_owner(NOTIFICATION_SERVER)
                or NOTIFICATION_SERVER in bus.list_activatable_names()):
            return BackendStatus(True, "plyer via D-Bus (dbus-python)", backend="dbus")
    except dbus.exceptions.DBusException as exc:
        return BackendStatus(False, f"cannot reach the D-Bus session bus ({_first_line(exc)})",
                             _FIX_SESSION, backend="dbus", may_recover=True)
    return BackendStatus(False, "no notification service is running on the D-Bus session bus",
                         _FIX_SERVER, backend="dbus", may_recover=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _plyer_backend(backend: str) -> Any:
    """The plyer object for `backend`, created directly so plyer cannot pick another one
    (it would take the portal path in any container whose working directory is /app)."""
    with warnings.catch_warnings():  # plyer warns about what it lacks; we report it ourselves
        warnings.simplefilter("ignore")
        if backend in ("dbus", "notify-send", "portal"):
            from plyer.platforms.linux import notification as linux

            kinds = {"dbus": linux.NotifyDbus, "notify-send": linux.NotifySendNotification,
                     "portal": linux.NotifyDesktopPortals}
            return kinds[backend]()
        from plyer import notification  # lazy: plyer probes the platform on first use

        return notification


class DesktopNotifier:
    """One plyer backend. Failures never stop the monitor: the first one is logged as a
    warning (unless the start-up message already said so), later ones quietly."""

    name = "desktop"

    def __init__(self, backend: str = "plyer", timeout_s: int = 10,
                 already_warned: bool = False) -> None:
        self.backend = backend
        self.timeout_s = timeout_s
        self._impl = _plyer_backend(backend)
        self._warned = already_warned
        self._failing = already_warned

    def notify(self, title: str, message: str) -> bool:
        if self.backend == "portal":  # plyer's portal call drops any text containing '
            title, message = title.replace("'", "\u2019"), message.replace("'", "\u2019")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._impl.notify(title=title, message=message, app_name=APP_NAME,
                                  app_icon=_icon_path(), timeout=self.timeout_s)
        except NotImplementedError:
            return self._failed("plyer has no notification backend on this system")
        # A notification must never end the monitoring: dbus.exceptions.DBusException when the
        # bus or the server went away, OSError when a helper program vanished, and whatever a
        # platform backend raises. Each is logged, and the alert goes to the terminal.
        except Exception as exc:  # noqa: BLE001
            return self._failed(f"{type(exc).__name__}: {_first_line(exc)}")
        if self._failing:
            log.info("desktop notifications work again (%s)", self.backend)
            self._failing = False
        return True

    def _failed(self, why: str) -> bool:
        if not self._warned:
            log.warning("desktop notification failed: %s; alerts go to the terminal", why)
            self._warned = True
        else:
            log.info("desktop notification failed: %s", why)
        self._failing = True
        return False


def _icon_path() -> str:
    """The icon shipped in the package (data/icon.png), for every notification on Linux
    (plyer's Windows balloon wants an .ico, and macOS shows the app's own icon)."""
    from .icons import ICON

    return str(ICON) if sys.platform.startswith("linux") and ICON.exists() else ""


def applescript_string(text: str) -> str:
    """`text` as an AppleScript string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class OsascriptNotifier:
    """macOS without pyobjus (or when plyer fails there): AppleScript's notification."""

    name = "osascript"

    def __init__(self, timeout_s: float = 10.0) -> None:
        self.timeout_s = timeout_s
        self._warned = False

    def notify(self, title: str, message: str) -> bool:
        script = (f"display notification {applescript_string(message)} "
                  f"with title {applescript_string(title)}")
        try:
            done = subprocess.run(["osascript", "-e", script], capture_output=True, text=True,
                                  timeout=self.timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            why = _first_line(exc)
        else:
            if done.returncode == 0:
                return True
            why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[0]
        if not self._warned:
            log.warning("osascript notification failed: %s; alerts go to the terminal", why)
            self._warned = True
        return False


class TerminalNotifier:
    """The fallback: one line on stderr (the alerter also logs each alert)."""

    name = "terminal"

    def notify(self, title: str, message: str) -> bool:
        print(f"[{APP_NAME}] {title}: {message}", file=sys.stderr, flush=True)
        return True


@dataclass
class RecordingNotifier:
    """Keeps what it was asked to show: a real notifier for tests and dry runs."""

    name: str = "recording"
    sent: list[tuple[str, str]] = field(default_factory=list)
    deliver: bool = True  # False plays a desktop that refuses everything

    def notify(self, title: str, message: str) -> bool:
        self.sent.append((title, message))
        return self.deliver


class FallbackNotifier:
    """Tries each notifier in order until one delivers."""

    def __init__(self, *notifiers: Notifier) -> None:
        if not notifiers:
            raise ValueError("FallbackNotifier needs at least one notifier")
        self.notifiers = notifiers
        self.name = "+".join(n.name for n in notifiers)

    def notify(self, title: str, message: str) -> bool:
        return any(n.notify(title, message) for n in self.notifiers)


NOTIFIERS = {"desktop": DesktopNotifier, "osascript": OsascriptNotifier,
             "terminal": TerminalNotifier}
BACKEND_CHOICES = ("auto", "desktop", "terminal")


def desktop_chain(status: BackendStatus) -> list[Notifier]:
    """The desktop notifiers worth trying for `status`, best first (may be empty)."""
    if not status.backend or not (status.available or status.may_recover):
        return []
    if status.backend == "osascript":
        return [OsascriptNotifier()]
    chain: list[Notifier] = [DesktopNotifier(status.backend, already_warned=not status.available)]
    if status.backend == "plyer" and sys.platform == "darwin" and shutil.which("osascript"):
        chain.append(OsascriptNotifier())
    return chain


def unavailable_message(status: BackendStatus) -> str:
    until = " until it answers" if status.may_recover else ""
    fix = f" (fix: {status.fix})" if status.fix else ""
    return (f"desktop notifications unavailable: {status.description}; "
            f"alerts go to the terminal{until}{fix}")


def make_notifier(backend: str) -> Notifier:
    """The notifier for `notify.backend`; says once, at start, when the desktop is unreachable."""
    if backend == "terminal":
        return TerminalNotifier()
    if backend not in BACKEND_CHOICES:
        raise ValueError(f"unknown notifier {backend!r} (valid: {', '.join(BACKEND_CHOICES)})")
    status = desktop_backend_status()
    if status.available:
        log.info("notifications: %s", status.description)
    else:
        log.warning("%s", unavailable_message(status))
    return FallbackNotifier(*desktop_chain(status), TerminalNotifier())
