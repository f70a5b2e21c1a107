"""Sinks that print what the pipeline found: a human timeline, or JSON lines for tools."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TextIO

from .core.decision import State
from .core.events import Event, EventKind
from .core.messages import compose
from .core.pipeline import StepResult

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

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def handle(self, result: StepResult) -> None:
        for record in result.records():
            self.out.write(json.dumps(record) + "\n")

    def close(self) -> None:
        self.out.flush()


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
    """Prints events as they happen and a one-line summary at the end."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.summary = ReplayTally()

    def handle(self, result: StepResult) -> None:
        self.summary.add(result)
        for event in result.events:
            self.out.write(f"{clock_text(event.t_s)}  {describe(event)}\n")

    def close(self) -> None:
        self.out.write(self.summary.text() + "\n")
        self.out.flush()
