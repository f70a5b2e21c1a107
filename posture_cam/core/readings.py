"""One number per kind of slouch: the value that travels from the analyzer to the report.

    Readings(head, trunk, shoulders, slump)

The analyzer fills one in the units that suit each view (degrees from the side, a
distance-free index from the front, see analyzer.py); dividing by the thresholds of that
view gives the *severity* (1.0 = exactly at the threshold), which is what the decision,
the history and the report use, so they never need to know about units or views.
Adding a kind of slouch means adding a field here and its words in messages.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Callable, Iterator

from .events import Posture

NAN = float("nan")


@dataclass(frozen=True)
class Readings:
    """Changes from the calibrated posture; NaN where the camera cannot see that kind."""

    head: float = NAN  # head pushed forward / dropped
    trunk: float = NAN  # leaning toward the screen
    shoulders: float = NAN  # shoulders rounded
    slump: float = NAN  # slid down in the chair, or reclined

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def of(cls, values: Callable[[str], float]) -> "Readings":
        return cls(**{name: float(values(name)) for name in cls.names()})

    def values(self) -> tuple[float, ...]:
        return tuple(getattr(self, name) for name in self.names())

    def items(self) -> Iterator[tuple[Posture, float]]:
        for name in self.names():
            yield POSTURE_OF[name], getattr(self, name)

    def map(self, fn: Callable[[float], float]) -> "Readings":
        return Readings(*(fn(v) for v in self.values()))

    def combine(self, other: "Readings", fn: Callable[[float, float], float]) -> "Readings":
        return Readings(*(fn(a, b) for a, b in zip(self.values(), other.values())))

    def over(self, thresholds: "Readings") -> "Readings":
        """Severity: each reading as a fraction of its threshold (NaN stays NaN)."""
        return self.combine(thresholds, lambda v, t: v / t if t > 0 else NAN)

    def worst(self) -> tuple[Posture, float]:
        """The kind furthest over (or nearest to) its threshold, and that severity (0 if none)."""
        best: tuple[Posture, float] = (Posture.HEAD_FORWARD, 0.0)
        for posture, value in self.items():
            if math.isfinite(value) and value > best[1]:
                best = (posture, value)
        return best

    def all_under(self, limit: float) -> bool:
        """Every measurable severity under `limit` (unmeasurable kinds do not hold a slouch)."""
        return all(not math.isfinite(v) or v < limit for v in self.values())

    def to_dict(self, digits: int = 3) -> dict[str, float | None]:
        return {name: (round(v, digits) if math.isfinite(v) else None)
                for name, v in zip(self.names(), self.values())}


POSTURE_OF = {"head": Posture.HEAD_FORWARD, "trunk": Posture.TRUNK_FORWARD,
              "shoulders": Posture.SHOULDERS_ROUNDED, "slump": Posture.SLUMPED}
assert set(POSTURE_OF) == set(Readings.names())
