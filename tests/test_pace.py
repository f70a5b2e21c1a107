"""Adaptive analysis rate: calm while steady and upright, full rate as soon as it moves."""

from types import SimpleNamespace

import pytest

from posture_cam.core.analyzer import PostureSample
from posture_cam.core.decision import State
from posture_cam.core.geometry import View
from posture_cam.core.pace import CALM_AFTER_S, AdaptivePace
from posture_cam.core.readings import Readings

pytestmark = pytest.mark.unit


def result(t, head=0.1, state=State.UPRIGHT, over=False):
    sample = PostureSample(t, True, 1, View.FRONT, Readings(head=head), Readings(head=head), 1.0)
    return SimpleNamespace(sample=sample, state=state, over_threshold=over)


def rates(pace, results):
    return [pace.after(r) for r in results]


def test_steady_upright_sitting_slows_down_after_a_while():
    pace = AdaptivePace(fps=2.0, calm_fps=1.0)
    got = rates(pace, [result(t / 2) for t in range(2 * int(CALM_AFTER_S) + 10)])
    assert got[0] == 2.0 and got[-1] == 1.0
    assert got.index(1.0) == 2 * CALM_AFTER_S


@pytest.mark.parametrize("change", [
    dict(head=0.45), dict(head=0.8), dict(state=State.SLOUCHING), dict(over=True)],
    ids=["a reading moves", "near a threshold", "slouching", "a frame over a threshold"])
def test_anything_happening_brings_the_full_rate_back_at_once(change):
    pace = AdaptivePace(fps=2.0, calm_fps=1.0)
    rates(pace, [result(t / 2) for t in range(40)])
    assert pace.after(result(20.5, **{"head": 0.1, **change})) == 2.0


def test_the_calm_rate_never_exceeds_the_full_rate():
    assert AdaptivePace(fps=0.5, calm_fps=1.0).calm_fps == 0.5
