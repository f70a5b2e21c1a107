"""Working hours: "is this moment inside them?" and "when do they start again?", pure.

    [schedule] days = ["mon", "tue", "wed", "thu", "fri"], start = "09:00", end = "18:00"

A moment is inside when its local weekday is one of `days` and its local clock time is in
[start, end). Times are "HH:MM" (24:00 = midnight at the end of the day). The monitor asks
with wall-clock epoch seconds it was given, never reads a clock here, so a replayed clip
can be placed at 17:58 and a test sees exactly what happens at 18:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import UserError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_clock(key: str, text: str) -> int:
    """"HH:MM" -> minutes after midnight (0 .. 1440); a one-line error naming `key`."""
    hours, sep, minutes = text.partition(":")
    if (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2
            and 1 <= len(hours) <= 2):
        value = int(hours) * 60 + int(minutes)
        if int(minutes) < 60 and value <= 24 * 60:
            return value
    raise UserError(f"config key '{key}' = {text!r} must be a time like \"09:00\" "
                    f"(00:00 - 24:00)")


@dataclass(frozen=True)
class Schedule:
    """Working days (0 = Monday) and [start, end) in minutes after local midnight."""

    days: frozenset[int]
    start_min: int
    end_min: int

    @classmethod
    def from_settings(cls, days: tuple[str, ...], start: str, end: str) -> "Schedule":
        start_min = parse_clock("schedule.start", start)
        end_min = parse_clock("schedule.end", end)
        if end_min <= start_min:
            raise UserError(f"config key 'schedule.end' = {end!r} must be after "
                            f"schedule.start = {start!r}")
        unknown = [d for d in days if d not in DAY_NAMES]
        if unknown:
            raise UserError(f"config key 'schedule.days' has unknown day {unknown[0]!r} "
                            f"(valid: {', '.join(DAY_NAMES)})")
        return cls(frozenset(DAY_NAMES.index(d) for d in days), start_min, end_min)

    @property
    def always(self) -> bool:
        return len(self.days) == 7 and self.start_min == 0 and self.end_min == 24 * 60

    def is_working(self, epoch_s: float) -> bool:
        moment = datetime.fromtimestamp(epoch_s)
        minute = moment.hour * 60 + moment.minute
        return moment.weekday() in self.days and self.start_min <= minute < self.end_min

    def next_start(self, epoch_s: float) -> float | None:
        """Epoch seconds at which working hours next begin (now if inside); None if never."""
        if self.is_working(epoch_s):
            return epoch_s
        if not self.days:
            return None
        moment = datetime.fromtimestamp(epoch_s)
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        for offset in range(8):
            day = midnight + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            # via a naive local time, so a DST change is honoured
            start = (day + timedelta(minutes=self.start_min)).timestamp()
            if start > epoch_s:
                return start
        return None

    def words(self) -> str:
        """"mon-fri 09:00-18:00", "always"."""
        if self.always:
            return "always"
        names = [DAY_NAMES[i] for i in sorted(self.days)]
        run = ",".join(names)
        indexes = sorted(self.days)
        if len(indexes) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
            run = f"{names[0]}-{names[-1]}"
        return f"{run or 'no days'} {_clock(self.start_min)}-{_clock(self.end_min)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
