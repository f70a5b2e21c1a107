"""How alerts reach the user: desktop notifications through plyer, or the terminal.

plyer never tells you when nothing was delivered on some paths (see shared notes), so we
decide once at start which backend is live and say once, clearly, what is missing.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import sys
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)

APP_NAME = "posture-cam"


class Notifier(Protocol):
    name: str

    def notify(self, title: str, message: str) -> bool:
        """Shows the message; False when it could not be delivered."""
        ...


@dataclass(frozen=True)
class BackendStatus:
    available: bool
    description: str
    fix: str = ""


def desktop_backend_status() -> BackendStatus:
    """Which of plyer's paths would carry a notification here, or why none would."""
    if sys.platform.startswith("linux"):
        if os.path.isdir("/app"):
            if shutil.which("gdbus"):
                return BackendStatus(True, "plyer via the Flatpak portal (gdbus)")
            return BackendStatus(False, "plyer thinks this is a Flatpak (/app exists) "
                                 "but gdbus is missing", "install gdbus (libglib2.0-bin)")
        has_bus = bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS")) or os.path.exists(
            f"/run/user/{os.getuid()}/bus")
        if importlib.util.find_spec("dbus") is not None:
            if has_bus:
                return BackendStatus(True, "plyer via D-Bus (dbus-python)")
            return BackendStatus(False, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS unset)",
                                 "run posture-cam inside your desktop session")
        if shutil.which("notify-send"):
            if has_bus:
                return BackendStatus(True, "plyer via notify-send")
            return BackendStatus(False, "notify-send found but no D-Bus session bus",
                                 "run posture-cam inside your desktop session")
        return BackendStatus(False, "no desktop notification backend",
                             "install dbus-python (pip install dbus-python) "
                             "or notify-send (apt install libnotify-bin)")
    if sys.platform == "darwin":
        if importlib.util.find_spec("pyobjus") is not None:
            return BackendStatus(True, "plyer via pyobjus")
        return BackendStatus(False, "plyer on macOS needs pyobjus",
                             "pip install 'plyer[macosx]' (pyobjus)")
    if sys.platform == "win32":
        return BackendStatus(True, "plyer via a Windows tray balloon")
    return BackendStatus(False, f"no notification support on {sys.platform}")


class DesktopNotifier:
    name = "desktop"

    def __init__(self, timeout_s: int = 10) -> None:
        from plyer import notification  # lazy: plyer probes the platform on import

        self._notification = notification
        self.timeout_s = timeout_s

    def notify(self, title: str, message: str) -> bool:
        try:
            self._notification.notify(title=title, message=message, app_name=APP_NAME,
                                      timeout=self.timeout_s)
        except NotImplementedError:
            return False
        except Exception as exc:  # dbus.exceptions.DBusException and friends: keep running
            log.warning("desktop notification failed: %s", str(exc).splitlines()[0])
            return False
        return True


class TerminalNotifier:
    """The fallback: one line on stderr (and in the log)."""

    name = "terminal"

    def notify(self, title: str, message: str) -> bool:
        print(f"[{APP_NAME}] {title}: {message}", file=sys.stderr, flush=True)
        return True


@dataclass
class RecordingNotifier:
    """Keeps what it was asked to show: a real notifier for tests and dry runs."""

    name: str = "recording"
    sent: list[tuple[str, str]] = field(default_factory=list)

    def notify(self, title: str, message: str) -> bool:
        self.sent.append((title, message))
        return True


class FallbackNotifier:
    """Tries the desktop first; whatever it cannot deliver goes to the terminal."""

    def __init__(self, primary: Notifier, fallback: Notifier) -> None:
        self.primary, self.fallback = primary, fallback
        self.name = f"{primary.name}+{fallback.name}"

    def notify(self, title: str, message: str) -> bool:
        return self.primary.notify(title, message) or self.fallback.notify(title, message)


NOTIFIERS = {"desktop": DesktopNotifier, "terminal": TerminalNotifier}


def make_notifier(backend: str) -> Notifier:
    """The notifier for `notify.backend`; warns once at start when the desktop is unreachable."""
    if backend == "terminal":
        return TerminalNotifier()
    if backend not in ("auto", "desktop"):
        raise ValueError(f"unknown notifier {backend!r} (valid: auto, {', '.join(NOTIFIERS)})")
    status = desktop_backend_status()
    if not status.available:
        log.warning("desktop notifications unavailable: %s; alerts go to the terminal%s",
                    status.description, f" (fix: {status.fix})" if status.fix else "")
        return TerminalNotifier()
    log.info("notifications: %s", status.description)
    return FallbackNotifier(DesktopNotifier(), TerminalNotifier())
