"""What the decision stages tell the rest of the program: small immutable events."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class EventKind(str, enum.Enum):
    SLOUCH_START = "slouch_start"
    SLOUCH_END = "slouch_end"
    ALERT = "alert"
    AWAY_START = "away_start"
    AWAY_END = "away_end"
    BREAK_DUE = "break_due"
    BREAK_TAKEN = "break_taken"
    RECALIBRATE = "recalibrate"  # the calibration no longer fits what the camera sees
    # Recorded, never decided: an ALERT the user was not shown because the desktop's
    # notifications were inhibited (Do Not Disturb; alerts.py holds it, history.py records it).
    ALERT_HELD = "alert_held"


class Posture(str, enum.Enum):
    """Which kind of slouch it is (the reading furthest over its threshold)."""

    HEAD_FORWARD = "head_forward"
    TRUNK_FORWARD = "trunk_forward"
    SHOULDERS_ROUNDED = "shoulders_rounded"
    SLUMPED = "slumped"  # slid down in the chair, or reclined against the backrest


@dataclass(frozen=True)
class Event:
    kind: EventKind
    t_s: float  # when it happened (for *_END and BREAK_TAKEN: when the span ended)
    duration_s: float = 0.0  # length of the slouch, absence or sitting span it reports
    posture: Posture | None = None
    worst: float = float("nan")  # the slouch's worst reading, as a fraction of its threshold
    repeat: int = 0  # 0 for a first alert/reminder, 1 and up for repeats of an ignored one
    detail: str = ""  # words for the user: what was seen (e.g. why to recalibrate)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"event": self.kind.value, "t_s": round(self.t_s, 3)}
        if self.duration_s:
            data["duration_s"] = round(self.duration_s, 3)
        if self.posture is not None:
            data["posture"] = self.posture.value
            data["worst"] = round(self.worst, 3)
        if self.kind in (EventKind.ALERT, EventKind.BREAK_DUE):
            data["repeat"] = self.repeat
        if self.detail:
            data["detail"] = self.detail
        return data
