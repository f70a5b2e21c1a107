"""Screen lock and suspend, heard on D-Bus: the camera is closed while nobody can be there.

    system bus  login1 Session  PropertiesChanged(LockedHint)  --+
    system bus  login1 Manager  PrepareForSleep(bool)          --+--> PauseGate (away)
    session bus ScreenSaver     ActiveChanged(bool)            --+

A locked screen or a sleeping machine means the user left: the camera is closed (its light
goes off, no frame is analysed) and the time counts as nobody in view, so a long lock is a
break for the sitting clock. Unlock or resume reopens it. Our logind session is found
from $XDG_SESSION_ID, else our PID, else logind's "auto" (the user's display session).
Without a bus or logind, the monitor runs as before (one debug line says why). jeepney
(pure Python) does the D-Bus work, one thread per bus.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, Callable

from .core.pauses import Pause
from .dbus_signals import PROPERTIES_IFACE, call, get_property, receive
from .pause_gate import PauseGate

log = logging.getLogger(__name__)

LOGIN1 = "org.freedesktop.login1"
MANAGER_PATH = "/org/freedesktop/login1"
MANAGER_IFACE = "org.freedesktop.login1.Manager"
SESSION_IFACE = "org.freedesktop.login1.Session"
SCREENSAVER_IFACES = ("org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver")

LOCKED = Pause("screen locked", away=True)
SLEEPING = Pause("suspended", away=True)


class SessionWatch:
    """Listens in threads of its own; `start()` subscribes before it returns."""

    def __init__(self, gate: PauseGate) -> None:
        self.gate = gate
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> "SessionWatch":
        from .notify import _session_bus_address

        self._listen("system bus", "SYSTEM", self._system_rules)
        session = _session_bus_address()
        if session:
            self._listen("session bus", session, self._session_rules)
        else:
            log.debug("no session bus: a screen saver's lock is not watched")
        return self

    def _listen(self, name: str, address: str,
                rules: Callable[[Any], list[tuple[Any, Callable[[Any], None]]]]) -> None:
        from jeepney import message_bus
        from jeepney.io.blocking import open_dbus_connection

        try:
            conn = open_dbus_connection(bus=address)
        except Exception as exc:  # noqa: BLE001 - no bus here: run as before
            log.debug("screen lock / suspend not watched on the %s: %s", name, exc)
            return
        try:
            handlers = rules(conn)
            for rule, _ in handlers:
                conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
        except Exception as exc:  # noqa: BLE001 - e.g. no logind on this bus
            log.debug("screen lock / suspend not watched on the %s: %s", name, exc)
            conn.close()
            return
        if not handlers:
            conn.close()
            return
        thread = threading.Thread(target=self._receive, args=(conn, handlers, name),
                                  name=f"session-watch {name}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _system_rules(self, conn: Any) -> list[tuple[Any, Callable[[Any], None]]]:
        from jeepney import MatchRule

        handlers: list[tuple[Any, Callable[[Any], None]]] = [
            (MatchRule(type="signal", interface=MANAGER_IFACE, member="PrepareForSleep",
                       path=MANAGER_PATH), self._on_sleep)]
        session = _our_session(conn)
        if session is None:
            log.debug("no logind session found: only suspend is watched on the system bus")
            return handlers
        locked = get_property(conn, LOGIN1, session, SESSION_IFACE, "LockedHint")
        if locked:
            self.gate.set("locked", LOCKED)
        rule = MatchRule(type="signal", interface=PROPERTIES_IFACE, member="PropertiesChanged",
                         path=session)
        rule.add_arg_condition(0, SESSION_IFACE)
        handlers.append((rule, self._on_session_properties))
        log.debug("watching logind session %s for a locked screen", session)
        return handlers

    def _session_rules(self, _conn: Any) -> list[tuple[Any, Callable[[Any], None]]]:
        from jeepney import MatchRule

        return [(MatchRule(type="signal", interface=iface, member="ActiveChanged"),
                 self._on_screensaver) for iface in SCREENSAVER_IFACES]

    def _receive(self, conn: Any, handlers: list[tuple[Any, Callable[[Any], None]]],
                 name: str) -> None:
        with conn:
            lost = receive(conn, handlers, self._stop, bufsize=64)
        if lost is not None:
            log.info("screen lock / suspend no longer watched (%s: %s)", name, lost)

    # --- what the signals mean ---------------------------------------------------------
    def _on_sleep(self, message: Any) -> None:
        self.gate.set("sleep", SLEEPING if message.body[0] else None)

    def _on_session_properties(self, message: Any) -> None:
        _iface, changed, _invalidated = message.body
        if "LockedHint" in changed:
            self.gate.set("locked", LOCKED if changed["LockedHint"][1] else None)

    def _on_screensaver(self, message: Any) -> None:
        self.gate.set("screensaver", LOCKED if message.body[0] else None)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)


def _our_session(conn: Any) -> str | None:
    """The object path of the logind session we run in (see the module docstring)."""
    tries: list[tuple[str, str, tuple]] = []
    if os.environ.get("XDG_SESSION_ID"):
        tries.append(("GetSession", "s", (os.environ["XDG_SESSION_ID"],)))
    tries += [("GetSessionByPID", "u", (os.getpid(),)), ("GetSession", "s", ("auto",))]
    for method, signature, args in tries:
        body = call(conn, LOGIN1, MANAGER_PATH, MANAGER_IFACE, method, signature, args)
        if body:
            return str(body[0])
    return None
