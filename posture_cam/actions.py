"""Notifications with buttons: "Snooze 30 min" on posture alerts; "Start routine", "Done"
and "Snooze 30 min" on break reminders.

plyer cannot send actions, so on Linux posture-cam speaks the notification protocol itself
(jeepney, pure-Python D-Bus) when the session's notification server answers:

    Alerter --notify(title, body)--> ActionNotifier --Notify(icon, actions)--> server
                                          ^                                      |
    ActionInbox <--on_action(key)-- listener thread <--ActionInvoked(id, key)---+

Buttons are offered only when the server lists the "actions" capability; the icon
(data/icon.png, shipped in the package) goes with every notification. A click has the
effect of the CLI: "snooze" writes the snooze file as `posture-cam snooze 30` does;
"done" restarts the sitting clock at the monitor's next frame (ActionInbox, a sink);
"routine" starts the break routine on the monitor's frames (monitor_routine.py).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .core.messages import BREAK_TITLE, POSTURE_TITLE
from .icons import ICON

if TYPE_CHECKING:
    from .core.breaks import SittingTimer
    from .core.pipeline import StepResult

log = logging.getLogger(__name__)

SERVER, PATH, IFACE = ("org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                       "org.freedesktop.Notifications")
SNOOZE_MIN = 30
SNOOZE, DONE, ROUTINE = "snooze", "done", "routine"
# Which buttons each notification carries, by its title (core/messages.py).
BUTTONS = {POSTURE_TITLE: ((SNOOZE, f"Snooze {SNOOZE_MIN} min"),),
           BREAK_TITLE: ((ROUTINE, "Start routine"), (DONE, "Done"),
                         (SNOOZE, f"Snooze {SNOOZE_MIN} min"))}


def _address() -> str:
    from .notify import _session_bus_address

    return _session_bus_address()


def open_action_notifier(on_action: Callable[[str], None],
                         timeout_s: int = 10) -> "ActionNotifier | None":
    """An ActionNotifier if the session's notification server answers, else None (plyer
    then delivers as before, without buttons)."""
    if not _address() or Path("/.flatpak-info").exists():
        return None
    try:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection
    except ImportError:
        return None
    try:
        conn = open_dbus_connection(bus=_address())
        reply = conn.send_and_get_reply(
            new_method_call(DBusAddress(PATH, SERVER, IFACE), "GetCapabilities"), timeout=5)
        capabilities = list(reply.body[0]) if reply.body else []
    except Exception as exc:  # noqa: BLE001 - no bus, no server, a refusal: plyer's turn
        log.debug("no notification buttons: %s", exc)
        return None
    return ActionNotifier(conn, "actions" in capabilities, on_action, timeout_s)


class ActionNotifier:
    """A Notifier (notify(title, message) -> bool) with an icon and, where the server
    supports them, buttons whose clicks reach `on_action(key)` from a listener thread."""

    name = "desktop"

    def __init__(self, conn: Any, actions: bool, on_action: Callable[[str], None],
                 timeout_s: int = 10) -> None:
        self._conn = conn
        self.actions = actions
        self._on_action = on_action
        self.timeout_s = timeout_s
        self._sent: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        log.info("notifications: D-Bus with %s", "buttons" if actions else
                 "icon (the server offers no buttons)")
        if actions:
            self._listener = threading.Thread(target=self._listen, name="notification-actions",
                                              daemon=True)
            self._listener.start()

    def notify(self, title: str, message: str) -> bool:
        from jeepney import DBusAddress, new_method_call

        from .notify import APP_NAME

        pairs = BUTTONS.get(title, ()) if self.actions else ()
        actions = [part for key, label in pairs for part in (key, label)]
        call = new_method_call(DBusAddress(PATH, SERVER, IFACE), "Notify", "susssasa{sv}i",
                               (APP_NAME, 0, str(ICON), title, message, actions, {},
                                self.timeout_s * 1000))
        try:
            reply = self._conn.send_and_get_reply(call, timeout=5)
            notification_id = int(reply.body[0])
        except Exception as exc:  # noqa: BLE001 - never end the monitor; plyer tries next
            log.info("notification with buttons failed: %s", exc)
            return False
        with self._lock:
            self._sent.add(notification_id)
        return True

    def _listen(self) -> None:
        """Waits for clicks on our notifications on a connection of its own."""
        from jeepney import MatchRule, message_bus
        from jeepney.io.blocking import open_dbus_connection

        from .dbus_signals import receive

        try:
            conn = open_dbus_connection(bus=_address())
            rule = MatchRule(type="signal", interface=IFACE, member="ActionInvoked")
            conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
        except Exception as exc:  # noqa: BLE001
            log.warning("notification buttons will not respond: %s", exc)
            return
        with conn:
            lost = receive(conn, [(rule, self._clicked)], self._stop)
        if lost is not None:
            log.info("notification buttons stopped: %s", lost)

    def _clicked(self, message: Any) -> None:
        notification_id, key = int(message.body[0]), str(message.body[1])
        with self._lock:
            ours = notification_id in self._sent
        if ours:
            log.info("notification button: %s", key)
            self._on_action(key)

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=2)
        self._conn.close()


class ActionInbox:
    """What a click asks for, applied where it belongs: a snooze at once (a file, as the
    CLI writes it), "done" at the monitor's next frame, in the monitor's thread (a sink),
    "routine" to `start_routine` (the routine sink's request, which also waits for a frame)."""

    def __init__(self, snooze_file: Path, clock: Callable[[], float] = time.time) -> None:
        self.snooze_file = snooze_file
        self._clock = clock
        self._break_done = threading.Event()
        self._why = ""
        self.sitting: SittingTimer | None = None
        self.start_routine: Callable[[], None] | None = None

    def __call__(self, key: str) -> None:
        if key == SNOOZE:
            from .control import write_snooze

            write_snooze(self.snooze_file, self._clock() + SNOOZE_MIN * 60)
            log.info("alerts snoozed for %d min from the notification", SNOOZE_MIN)
        elif key == DONE:
            self.restart_sitting("from the notification")
        elif key == ROUTINE:
            if self.start_routine is None:
                log.warning("no break routine here: the monitor did not set one up")
                return
            log.info("break routine requested from the notification")
            self.start_routine()

    def restart_sitting(self, why: str) -> None:
        """At the next frame the sitting clock starts again (a break was taken)."""
        self._why = why
        self._break_done.set()

    def handle(self, result: StepResult) -> None:
        if self._break_done.is_set() and self.sitting is not None:
            self._break_done.clear()
            self.sitting.mark_break_taken(result.sample.t_s)
            log.info("break taken (%s): the sitting clock starts again", self._why)

    def close(self) -> None:
        pass
