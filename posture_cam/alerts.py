"""Which events become notifications: rate limit, snooze, tip rotation, one log line each.

The decision stage already spaces posture alerts by `slouch.cooldown_s`, and the sitting
timer repeats an ignored reminder only every `breaks.repeat_min`. This gate adds a floor
across all kinds (`notify.min_interval_s`), so a posture alert and a break reminder never
arrive back to back, and honours a snooze set from another terminal. Per event:

    inhibited (Do Not       -> a posture alert is held: not shown, and recorded as held
      Disturb, inhibition.py)  (`was_held`); a break reminder or recalibration request
                               waits, and is shown when the inhibition ends if still due
    snoozed                 -> not shown (the user asked for quiet), one log line
    < min_interval_s after  -> held back, and shown once the interval is over if it still
      the previous one         applies (still slouching / still at the desk); else dropped
    otherwise               -> shown with the next tip of its kind, one log line
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from .control import SnoozeWatch
from .core.decision import State
from .core.events import Event, EventKind
from .core.messages import compose, duration_text
from .notify import Notifier

if TYPE_CHECKING:
    from .core.pipeline import StepResult

log = logging.getLogger(__name__)

NOTIFYING_KINDS = (EventKind.ALERT, EventKind.BREAK_DUE, EventKind.RECALIBRATE)
_NAME = {EventKind.ALERT: "posture alert", EventKind.BREAK_DUE: "break reminder",
         EventKind.RECALIBRATE: "recalibration request"}


class Alerter:
    """A sink of the monitor loop (`handle` once per analysed frame, `close` at the end)."""

    def __init__(self, notifier: Notifier, min_interval_s: float = 120.0,
                 snooze: SnoozeWatch | None = None,
                 on_sent: Callable[[Event, str, str], None] | None = None,
                 on_skipped: Callable[[Event, str], None] | None = None,
                 on_released: Callable[[Event], None] | None = None,
                 inhibited: Callable[[], bool] | None = None) -> None:
        """`on_skipped(event, why)` and `on_released(event)` let a timeline show what
        reached the user: a held event that is shown later is released as a new Event at
        its new time (and is sent, like every shown one). `inhibited()` says whether the
        desktop holds notifications back now (asked once per frame)."""
        self.notifier = notifier
        self.min_interval_s = min_interval_s
        self.snooze = snooze
        self.on_sent = on_sent
        self.on_skipped = on_skipped
        self.on_released = on_released
        self._last_sent_t: float | None = None
        self._rotation = {kind: 0 for kind in NOTIFYING_KINDS}
        self._held: Event | None = None
        self._was_snoozed = False
        self.inhibited = inhibited
        self._was_inhibited = False
        self._held_while_inhibited: list[Event] = []
        self.sent = 0
        self.suppressed = 0

    def handle(self, result: StepResult) -> None:
        self._note_snooze_change()
        self._note_inhibition_change()
        self._held_while_inhibited = []
        for event in result.events:
            if event.kind is EventKind.BREAK_TAKEN:
                log.info("break taken: %s %s; the sitting clock starts again",
                         f"{event.detail} of" if event.detail else "away for",
                         duration_text(event.duration_s))
            if self._held is not None and event.kind is _CANCELLED_BY.get(self._held.kind):
                self._drop_held("it no longer applies")
            self.handle_event(event)
        self._release_held(result.sample.t_s, result.state)

    def close(self) -> None:
        if self._held is not None:
            self._drop_held("the monitor stopped")

    def handle_event(self, event: Event) -> bool:
        """Notifies for an alert or break reminder unless inhibited, snoozed or too soon;
        True if sent."""
        if event.kind not in NOTIFYING_KINDS:
            return False
        if self._was_inhibited:
            self._skipped(event, "the desktop's notifications are inhibited (Do Not Disturb)")
            if event.kind is EventKind.ALERT:
                log.info("posture alert held: notifications are inhibited")
                self.suppressed += 1
                self._held_while_inhibited.append(event)
            else:
                log.info("%s waits: notifications are inhibited", _NAME[event.kind])
                self._hold(event)
            return False
        if self._snoozed():
            log.info("%s not shown: snoozed", _NAME[event.kind])
            self.suppressed += 1
            self._skipped(event, "snoozed")
            return False
        if self._too_soon(event.t_s):
            assert self._last_sent_t is not None
            log.info("%s held back: %.0f s after the previous notification",
                     _NAME[event.kind], event.t_s - self._last_sent_t)
            self._skipped(event, f"{event.t_s - self._last_sent_t:.0f} s after the previous "
                                 "notification, under notify.min_interval_s")
            self._hold(event)
            return False
        return self._send(event)

    def was_held(self, event: Event) -> bool:
        """Whether `event`, from the frame just handled, is a posture alert held because
        the desktop's notifications are inhibited (the history records it as held)."""
        return any(held is event for held in self._held_while_inhibited)

    def _hold(self, event: Event) -> None:
        # One held at a time, by rank: a posture alert comes again after the cool-down,
        # a reminder only after `breaks.repeat_min`, a recalibration request never.
        if self._held is None or _RANK[event.kind] >= _RANK[self._held.kind]:
            self._held = event

    def _send(self, event: Event) -> bool:
        title, body = compose(event, self._rotation[event.kind])
        self._rotation[event.kind] += 1
        self.notifier.notify(title, body)
        log.info("%s: %s", title, body)
        self._last_sent_t = event.t_s
        self.sent += 1
        if self.on_sent is not None:
            self.on_sent(event, title, body)
        return True

    def _skipped(self, event: Event, why: str) -> None:
        if self.on_skipped is not None:
            self.on_skipped(event, why)

    def _too_soon(self, t_s: float) -> bool:
        return self._last_sent_t is not None and t_s - self._last_sent_t < self.min_interval_s

    def _release_held(self, t_s: float, state: State) -> None:
        held = self._held
        if held is None or self._too_soon(t_s):
            return
        if self._was_inhibited:
            if held.kind is EventKind.ALERT:  # held back, then Do Not Disturb began
                self._drop_held("notifications are inhibited")
            return  # a reminder waits for the end of the inhibition
        self._held = None
        if self._snoozed():
            self.suppressed += 1
            log.info("held %s not shown: snoozed", _NAME[held.kind])
            return
        still_applies = (state in (State.SLOUCHING, State.ALERTED)
                         if held.kind is EventKind.ALERT else state is not State.AWAY)
        if not still_applies:
            self.suppressed += 1
            log.info("held %s dropped: it no longer applies", _NAME[held.kind])
            return
        released = dataclasses.replace(held, t_s=t_s,
                                       duration_s=held.duration_s + (t_s - held.t_s))
        self._send(released)
        if self.on_released is not None:
            self.on_released(released)

    def _drop_held(self, why: str) -> None:
        assert self._held is not None
        log.info("held %s dropped: %s", _NAME[self._held.kind], why)
        self._held = None
        self.suppressed += 1

    def _snoozed(self) -> bool:
        return self.snooze is not None and self.snooze.snoozed()

    def _note_snooze_change(self) -> None:
        """One log line when a snooze starts or ends (read once per frame: one stat())."""
        snoozed = self._snoozed()
        if snoozed == self._was_snoozed:
            return
        self._was_snoozed = snoozed
        if snoozed:
            assert self.snooze is not None
            until = datetime.fromtimestamp(self.snooze.until_epoch_s)
            log.info("alerts snoozed until %s", f"{until:%H:%M}")
        else:
            log.info("alerts resumed")

    def _note_inhibition_change(self) -> None:
        """One log line when the desktop starts or stops holding notifications back."""
        inhibited = self.inhibited is not None and self.inhibited()
        if inhibited == self._was_inhibited:
            return
        self._was_inhibited = inhibited
        if inhibited:
            log.info("desktop notifications inhibited (Do Not Disturb): posture alerts are "
                     "held, break reminders wait")
        else:
            log.info("desktop notifications allowed again: alerts resume")


_RANK = {EventKind.ALERT: 0, EventKind.RECALIBRATE: 1, EventKind.BREAK_DUE: 2}
# A held notification is dropped when what it reports is over.
_CANCELLED_BY = {EventKind.ALERT: EventKind.SLOUCH_END, EventKind.BREAK_DUE: EventKind.BREAK_TAKEN}
