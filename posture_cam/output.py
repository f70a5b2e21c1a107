"""Sinks that print what the pipeline found: a human timeline, or JSON lines for tools."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable, TextIO

from .core.decision import State
from .core.events import Event, EventKind
from .core.messages import compose
from .core.errors import UserError
from .core.pipeline import StepResult
from .storage import why

_EVENT_TEXT = {
    EventKind.SLOUCH_START: "slouch started",
    EventKind.SLOUCH_END: "slouch ended",
    EventKind.ALERT: "ALERT",
    EventKind.AWAY_START: "away",
    EventKind.AWAY_END: "back",
    EventKind.BREAK_DUE: "BREAK REMINDER",
    EventKind.BREAK_TAKEN: "break taken",
    EventKind.RECALIBRATE: "RECALIBRATE",
}


def clock_text(t_s: float) -> str:
    minutes, seconds = divmod(max(0.0, t_s), 60)
    return f"{int(minutes):02d}:{seconds:04.1f}"


def describe(event: Event) -> str:
    text = _EVENT_TEXT[event.kind]
    if event.kind in (EventKind.ALERT, EventKind.BREAK_DUE, EventKind.RECALIBRATE):
        return f"{text}: {compose(event, event.repeat)[1]}"
    details = []
    if event.posture is not None:
        details.append(f"{event.posture.value.replace('_', ' ')}, worst "
                       f"{event.worst:.0%} of its threshold")
    if event.duration_s:
        details.append(f"after {event.duration_s:.0f} s")
    return f"{text} ({'; '.join(details)})" if details else text


class JsonLinesSink:
    """One JSON object per analysed frame and one per event, in time order."""

    def __init__(self, out: TextIO, owns_stream: bool = False) -> None:
        self.out = out
        self.owns_stream = owns_stream

    def handle(self, result: StepResult) -> None:
        try:
            for record in result.records():
                self.out.write(json.dumps(record) + "\n")
        except OSError as exc:
            raise UserError(f"cannot write {getattr(self.out, 'name', 'the output')}: "
                            f"{why(exc)}") from None

    def close(self) -> None:
        self.out.flush()
        if self.owns_stream:
            self.out.close()


@dataclass
class ReplayTally:
    frames: int = 0
    seen: int = 0
    slouched: int = 0
    alerts: int = 0
    breaks_due: int = 0
    last_t_s: float = 0.0
    first_t_s: float | None = None
    events: list[Event] = field(default_factory=list)

    def add(self, result: StepResult) -> None:
        self.frames += 1
        self.first_t_s = result.sample.t_s if self.first_t_s is None else self.first_t_s
        self.last_t_s = result.sample.t_s
        self.seen += result.sample.person_seen
        self.slouched += result.state in (State.SLOUCHING, State.ALERTED)
        for event in result.events:
            self.events.append(event)
            self.alerts += event.kind is EventKind.ALERT
            self.breaks_due += event.kind is EventKind.BREAK_DUE

    def text(self) -> str:
        if not self.frames:
            return "no frames analysed"
        span = self.last_t_s - (self.first_t_s or 0.0)
        share = lambda n: f"{100 * n / self.frames:.0f}%"  # noqa: E731
        return (f"analysed {self.frames} frames over {span:.1f} s: person seen {share(self.seen)},"
                f" slouched {share(self.slouched)}, {self.alerts} alert(s),"
                f" {self.breaks_due} break reminder(s)")


class TimelineSink:
    """Prints events in time order and a one-line summary at the end.

    Some events are dated back (a slouch ends when the user sat up, `recovery_s` before
    it is certain), so lines wait `horizon_s` of frame time and go out sorted. Alerts and
    reminders say whether they reached the user: connect `skipped` and `released` to the
    Alerter's `on_skipped` / `on_released`, and put this sink before the Alerter."""

    def __init__(self, out: TextIO, horizon_s: float = 0.0) -> None:
        self.out = out
        self.horizon_s = horizon_s
        self.summary = ReplayTally()
        self._waiting: list[tuple[float, int, Event | None, str]] = []
        self._order = 0
        self.not_shown = 0
        self.shown_late = 0
        self.interrupted: Callable[[], str] = lambda: ""  # the signal that stopped the run

    def released(self, event: Event) -> None:
        self.shown_late += 1
        self._add(event, " (held back earlier, shown now)")

    def skipped(self, event: Event, why: str) -> None:
        self.not_shown += 1
        for i, (t_s, order, waiting, note) in enumerate(self._waiting):
            if waiting is event:
                self._waiting[i] = (t_s, order, waiting, f" (not shown: {why})")

    def handle(self, result: StepResult) -> None:
        self.summary.add(result)
        # Earlier frames' lines first: the Alerter has had its say on them by now.
        self._print_until(result.sample.t_s - self.horizon_s)
        for event in result.events:
            self._add(event, "")

    def close(self) -> None:
        self._print_until(float("inf"))
        held = "" if not self.not_shown else (
            f"; {self.not_shown} not shown at once (rate limit or snooze)"
            + (f", {self.shown_late} of them shown later" if self.shown_late else ""))
        self.out.write(self.summary.text() + held + "\n")
        if self.interrupted():
            self.out.write(f"cut short by {self.interrupted()}: the video was not analysed "
                           "to its end\n")
        self.out.flush()

    def note(self, t_s: float, text: str) -> None:
        """A line that is no event (a calibration profile chosen), in time order with them."""
        self._order += 1
        self._waiting.append((t_s, self._order, None, text))

    def _add(self, event: Event, note: str) -> None:
        self._order += 1
        self._waiting.append((event.t_s, self._order, event, note))

    def _print_until(self, t_s: float) -> None:
        self._waiting.sort(key=lambda w: (w[0], w[1]))
        while self._waiting and self._waiting[0][0] <= t_s:
            at, _, event, note = self._waiting.pop(0)
            text = note if event is None else f"{describe(event)}{note}"
            self.out.write(f"{clock_text(at)}  {text}\n")
