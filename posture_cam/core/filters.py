"""The one-euro filter: smooths landmark jitter at rest without lagging real movement.

Casiez, Roussel & Vogel, "1€ Filter", CHI 2012. The cut-off frequency rises with the
signal's speed, so a still posture is heavily smoothed while a real change comes through
within a frame or two. Time is passed in, so replaying a video gives the same output.
"""

from __future__ import annotations

import math


def _alpha(cutoff_hz: float, dt_s: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    def __init__(self, min_cutoff_hz: float = 0.3, beta: float = 0.05,
                 derivative_cutoff_hz: float = 1.0) -> None:
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.derivative_cutoff_hz = derivative_cutoff_hz
        self.reset()

    def reset(self) -> None:
        self._value: float | None = None
        self._derivative = 0.0
        self._t_s: float | None = None

    def __call__(self, value: float, t_s: float) -> float:
        """Filtered value; NaN passes through without disturbing the state."""
        if math.isnan(value):
            return value
        if self._value is None or self._t_s is None or t_s <= self._t_s:
            self._value, self._t_s, self._derivative = value, t_s, 0.0
            return value
        dt = t_s - self._t_s
        derivative = (value - self._value) / dt
        a_d = _alpha(self.derivative_cutoff_hz, dt)
        self._derivative = a_d * derivative + (1 - a_d) * self._derivative
        cutoff = self.min_cutoff_hz + self.beta * abs(self._derivative)
        a = _alpha(cutoff, dt)
        self._value = a * value + (1 - a) * self._value
        self._t_s = t_s
        return self._value
