"""Which events become notifications: rate limit, snooze, tip rotation, one log line each.

The decision stage already spaces posture alerts by `slouch.cooldown_s`; this gate adds a
floor across all kinds (`notify.min_interval_s`), so a posture alert and a break reminder
never arrive back to back, and honours a snooze set from another terminal.
"""

from __future__ import annotations

import logging
from typing import Callable

from .control import SnoozeWatch
from .events import Event, EventKind
from .messages import compose
from .notify import Notifier

log = logging.getLogger(__name__)

NOTIFYING_KINDS = (EventKind.ALERT, EventKind.BREAK_DUE)


class Alerter:
    def __init__(self, notifier: Notifier, min_interval_s: float = 120.0,
                 snooze: SnoozeWatch | None = None,
                 on_sent: Callable[[Event, str, str], None] | None = None) -> None:
        self.notifier = notifier
        self.min_interval_s = min_interval_s
        self.snooze = snooze
        self.on_sent = on_sent
        self._last_sent_t: float | None = None
        self._rotation = {kind: 0 for kind in NOTIFYING_KINDS}
        self.sent = 0
        self.suppressed = 0

    def handle_event(self, event: Event) -> bool:
        """Notifies for an alert or break reminder unless snoozed or too soon; True if sent."""
        if event.kind not in NOTIFYING_KINDS:
            return False
        if self.snooze is not None and self.snooze.snoozed():
            log.info("%s at %.0f s not shown: snoozed", event.kind.value, event.t_s)
            self.suppressed += 1
            return False
        if (self._last_sent_t is not None
                and event.t_s - self._last_sent_t < self.min_interval_s):
            log.info("%s at %.0f s not shown: %.0f s after the previous notification",
                     event.kind.value, event.t_s, event.t_s - self._last_sent_t)
            self.suppressed += 1
            return False
        title, body = compose(event, self._rotation[event.kind])
        self._rotation[event.kind] += 1
        self.notifier.notify(title, body)
        log.info("%s: %s", title, body)
        self._last_sent_t = event.t_s
        self.sent += 1
        if self.on_sent is not None:
            self.on_sent(event, title, body)
        return True
