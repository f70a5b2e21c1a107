"""Whether the desktop holds notifications back (Do Not Disturb), watched in the background.

    notification server: Inhibited property --Get at start, PropertiesChanged--+
                                                                               +--> inhibited()
    gsettings org.gnome.desktop.notifications show-banners (every 30 s) -------+   (per frame)

Either source saying "quiet" is enough. The `Inhibited` property is new in version 1.3 of
the notification spec: a server without it, and a desktop without `gsettings` or without
GNOME's schema, leave `inhibited()` False, so alerts behave as they always did. A thread
does the waiting and the polling; the monitor's loop only reads two booleans.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections import deque
from typing import Any, Callable, Protocol

from .actions import IFACE, PATH, SERVER
from .dbus_signals import PROPERTIES_IFACE

log = logging.getLogger(__name__)

PROPERTY = "Inhibited"
BANNERS = ("org.gnome.desktop.notifications", "show-banners")
POLL_S = 30.0


class Inhibition(Protocol):
    def inhibited(self) -> bool:
        """True while the desktop's notifications are held back (cheap: once per frame)."""
        ...


class InhibitionWatch:
    """Watches the notification server's `Inhibited` property and GNOME's "show banners"
    switch from a daemon thread (`start`, `close`)."""

    step_s = 0.5  # the longest wait between two looks at the stop flag

    def __init__(self, bus_address: str, gsettings: str | None, poll_s: float = POLL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`bus_address`: the session bus ("" = none); `gsettings`: the program's path
        (None = not installed: GNOME's switch is not read)."""
        self.bus_address = bus_address
        self.gsettings = gsettings
        self.poll_s = poll_s
        self._clock = clock
        self._server_inhibited = False
        self._banners_off = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()  # the first readings are in (tests, and start-up)

    def inhibited(self) -> bool:
        return self._server_inhibited or self._banners_off

    def start(self) -> "InhibitionWatch":
        self._thread = threading.Thread(target=self._run, name="notification-inhibition",
                                        daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    # --- the thread ------------------------------------------------------------------------
    def _run(self) -> None:
        conn = self._open() if self.bus_address else None
        if conn is None:
            self._poll_loop(self._stop.wait)
            return
        from jeepney import MatchRule, message_bus

        rule = MatchRule(type="signal", interface=PROPERTIES_IFACE,
                         member="PropertiesChanged", path=PATH)
        queue: deque = deque()
        with conn, conn.filter(rule, queue=queue, bufsize=16):
            try:  # subscribed before the first Get: no change can slip in between
                conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
                self._server_inhibited = self._get(conn)
                watching = True
            except Exception as exc:  # noqa: BLE001 - no server, or no such property
                log.debug("notification inhibition not watched: %s", exc)
                watching = False
            if watching:
                log.debug("watching the notification server's Inhibited property")
                try:
                    self._poll_loop(lambda timeout_s: self._hear(conn, queue, timeout_s))
                    return
                except Exception as exc:  # noqa: BLE001 - the bus went away: nothing more to hear
                    log.info("notification inhibition no longer watched: %s", exc)
                    self._server_inhibited = False
        self._poll_loop(self._stop.wait)

    def _hear(self, conn: Any, queue: deque, timeout_s: float) -> bool:
        """Waits up to `timeout_s` for a change of the server's properties; True to stop."""
        try:
            self._on_change(conn.recv_until_filtered(queue, timeout=timeout_s).body)
        except TimeoutError:
            pass
        return self._stop.is_set()

    def _poll_loop(self, wait: Callable[[float], bool]) -> None:
        """Reads GNOME's switch now and every `poll_s`; between reads, `wait` (which may
        handle a signal) for at most `step_s`, so `close` is quick."""
        next_poll_s = self._clock()
        while not self._stop.is_set():
            if self.gsettings is not None and self._clock() >= next_poll_s:
                self._banners_off = self._read_banners_off()
                next_poll_s = self._clock() + self.poll_s
            self.ready.set()
            if wait(self.step_s):
                return

    def _open(self) -> Any:
        try:
            from jeepney.io.blocking import open_dbus_connection
        except ImportError:
            return None
        try:
            return open_dbus_connection(bus=self.bus_address)
        except Exception as exc:  # noqa: BLE001 - no bus to talk to
            log.debug("notification inhibition not watched: %s", exc)
            return None

    @staticmethod
    def _get(conn: Any) -> bool:
        from .dbus_signals import get_property

        value = get_property(conn, SERVER, PATH, IFACE, PROPERTY)
        if value is None:
            raise LookupError(f"the notification server has no {PROPERTY} property")
        return bool(value)

    def _on_change(self, body: tuple) -> None:
        interface, changed, _invalidated = body
        if interface == IFACE and PROPERTY in changed:
            self._server_inhibited = bool(changed[PROPERTY][1])

    def _read_banners_off(self) -> bool:
        assert self.gsettings is not None
        try:
            done = subprocess.run([self.gsettings, "get", *BANNERS], capture_output=True,
                                  text=True, timeout=5, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.debug("gsettings not read: %s", exc)
            return False
        if done.returncode != 0:  # not GNOME: no such schema
            log.debug("gsettings: %s", done.stderr.strip())
            self.gsettings = None  # the schema will not appear while we run
            return False
        return done.stdout.strip() == "false"
