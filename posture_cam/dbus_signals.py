"""The D-Bus plumbing the desktop watchers share (jeepney, pure Python): a loop that hands
each matching signal to its handler until told to stop, and a method call / property read
that answers None instead of raising when the other side says no.

Used by the notification buttons (actions.py), the screen lock and suspend watch
(session_watch.py) and Do Not Disturb (inhibition.py).
"""

from __future__ import annotations

import threading
from collections import deque
from contextlib import ExitStack
from typing import Any, Callable, Sequence

PROPERTIES_IFACE = "org.freedesktop.DBus.Properties"

Handler = Callable[[Any], None]  # called with the jeepney Message of a matching signal


def receive(conn: Any, handlers: Sequence[tuple[Any, Handler]], stop: threading.Event,
            bufsize: int = 16) -> Exception | None:
    """Calls the handler of every signal its MatchRule matches until `stop` is set (looked
    at twice a second); returns the exception if the bus went away first."""
    queue: deque = deque()
    with ExitStack() as filters:
        for rule, _ in handlers:
            filters.enter_context(conn.filter(rule, queue=queue, bufsize=bufsize))
        while not stop.is_set():
            try:
                message = conn.recv_until_filtered(queue, timeout=0.5)
            except TimeoutError:
                continue
            except Exception as exc:  # noqa: BLE001 - the bus went away: the caller says so
                return exc
            for rule, handle in handlers:
                if rule.matches(message):
                    handle(message)
    return None


def call(conn: Any, bus_name: str, path: str, iface: str, method: str, signature: str,
         args: tuple) -> Any | None:
    """The reply's body, or None when the call fails (an error reply)."""
    from jeepney import DBusAddress, MessageType, new_method_call

    message = new_method_call(DBusAddress(path, bus_name, iface), method, signature, args)
    reply = conn.send_and_get_reply(message, timeout=5)
    if reply.header.message_type is MessageType.error:
        return None
    return reply.body


def get_property(conn: Any, bus_name: str, path: str, iface: str, name: str) -> Any | None:
    """A property's value, or None when the object or the property does not exist."""
    body = call(conn, bus_name, path, PROPERTIES_IFACE, "Get", "ss", (iface, name))
    return body[0][1] if body else None
