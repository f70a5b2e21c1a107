import pytest
import math

from posture_cam.core.filters import OneEuroFilter

pytestmark = pytest.mark.unit


def test_still_signal_with_jitter_is_smoothed():
    f = OneEuroFilter(min_cutoff_hz=0.3, beta=0.05)
    outputs = [f(10 + (1 if i % 2 else -1), i * 0.5) for i in range(40)]
    assert max(outputs[10:]) - min(outputs[10:]) < 0.8


def test_a_real_step_comes_through_within_a_few_frames():
    f = OneEuroFilter(min_cutoff_hz=0.3, beta=0.05)
    for i in range(10):
        f(0.0, i * 0.5)
    outputs = [f(20.0, 5 + i * 0.5) for i in range(8)]
    assert outputs[-1] > 15


def test_nan_passes_through_without_disturbing_the_state():
    f = OneEuroFilter()
    f(5.0, 0.0)
    assert math.isnan(f(math.nan, 0.5))
    assert f(5.0, 1.0) == 5.0
