"""The break routine's rep counters and routine state machine, on scripted progress values."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from posture_cam.core.exercises import MOVES, RETURN, MoveId, Neutral, RepCounter, RepState
from posture_cam.core.geometry import View
from posture_cam.core.routine import Routine

pytestmark = pytest.mark.unit

NAN = float("nan")


def feed(counter: RepCounter, values, step_s: float = 0.1, t0_s: float = 0.0) -> float:
    t = t0_s
    for value in values:
        counter.update(t, value)
        t += step_s
    return t


def rep(peak: float = 1.3, frames_up: int = 10, frames_rest: int = 8) -> list[float]:
    return [0.2] * frames_rest + [0.5, 0.9] + [peak] * frames_up + [0.9, 0.5] + [0.1] * frames_rest


def test_a_rep_counts_once_it_reaches_the_full_range_and_comes_back():
    counter = RepCounter(MOVES["stand-reach"])
    feed(counter, rep() * 3)
    assert counter.reps == 3
    assert counter.state is RepState.REST


def test_a_partial_rep_never_counts():
    counter = RepCounter(MOVES["stand-reach"])
    feed(counter, rep(peak=0.95) * 4)
    assert counter.reps == 0


def test_wobble_inside_the_range_is_one_rep_not_many():
    counter = RepCounter(MOVES["stand-reach"])
    wobble = [0.2, 1.1, RETURN + 0.05, 1.2, RETURN + 0.1, 1.1, 0.1]
    feed(counter, wobble)
    assert counter.reps == 1


def test_a_hold_move_counts_only_reps_held_long_enough():
    counter = RepCounter(MOVES["shoulder-squeeze"])  # 3 s holds
    t = feed(counter, rep(frames_up=35))  # 3.5 s held (+ transitions)
    assert counter.reps == 1
    feed(counter, rep(frames_up=12), t0_s=t)  # 1.2 s: let go too soon
    assert counter.reps == 1
    assert counter.partial == 1


def test_leaving_the_frame_briefly_keeps_the_rep_but_long_drops_it():
    counter = RepCounter(MOVES["stand-reach"])
    feed(counter, [0.1, 1.5] + [NAN] * 20 + [1.5, 0.1])  # 2 s unseen while up
    assert counter.reps == 1
    counter = RepCounter(MOVES["stand-reach"])
    feed(counter, [0.1, 1.5] + [NAN] * 40 + [0.1])  # 4 s unseen: dropped
    assert counter.reps == 0
    assert counter.partial == 1


def test_the_chest_opener_is_done_after_15_s_in_all_even_with_a_pause():
    counter = RepCounter(MOVES["chest-opener"])
    t = feed(counter, [0.0] + [1.0] * 80 + [0.0] * 10)  # 8 s, arms down
    assert not counter.done
    feed(counter, [1.0] * 75, t0_s=t)  # 7.5 s more
    assert counter.done
    assert counter.held_s == pytest.approx(15.0, abs=0.2)


def test_time_is_frame_time_not_wall_clock():
    counter = RepCounter(MOVES["shoulder-squeeze"])
    feed(counter, [0.1, 1.2, 1.2, 1.2, 1.2, 0.1], step_s=1.0)  # 3 s held, 1 frame a second
    assert counter.reps == 1


# --- the routine --------------------------------------------------------------------------

FRONT = Neutral(head_above_shoulders_sw=0.5, head_distance_hw=4.5, shoulder_y_px=380.0,
                shoulder_width_px=150.0, image_width=640, image_height=480,
                shoulders_seen=True)


def run(routine: Routine, values_by_move: dict[MoveId, list[float]], step_s: float = 0.1,
        monkeypatch=None) -> None:
    import posture_cam.core.routine as routine_module

    t = routine.t0_s
    while not routine.finished and t < routine.t0_s + 600:
        spec = routine.current
        queue = values_by_move[spec.move]
        value = queue.pop(0) if queue else 0.0
        monkeypatch.setattr(routine_module, "progress", lambda *a, **k: value)
        routine.update(t, None, None)
        t += step_s


def test_from_the_front_the_chin_tuck_is_skipped_and_said_so(monkeypatch):
    routine = Routine(list(MOVES.values()), FRONT, 0.0)
    run(routine, {MoveId.SHOULDER_SQUEEZE: rep(frames_up=35) * 8,
                  MoveId.CHEST_OPENER: [1.0] * 200, MoveId.STAND_REACH: rep() * 2},
        monkeypatch=monkeypatch)
    results = {r.move: r for r in routine.results}
    assert "cannot see a chin tuck" in results["chin-tuck"].skipped
    assert results["shoulder-squeeze"].reps == 8
    assert results["chest-opener"].completed
    assert results["stand-reach"].reps == 2
    assert routine.completed


def test_a_move_ends_when_its_time_budget_is_up(monkeypatch):
    routine = Routine([MOVES["stand-reach"]], FRONT, 100.0)
    run(routine, {MoveId.STAND_REACH: rep()}, monkeypatch=monkeypatch)  # 1 of 2, then idle
    (result,) = routine.results
    assert result.reps == 1
    assert result.duration_s == pytest.approx(MOVES["stand-reach"].budget_s, abs=0.2)
    assert not routine.completed


def test_close_framing_skips_the_moves_that_need_shoulders_or_elbows():
    head_only = replace(FRONT, shoulders_seen=False)
    routine = Routine(list(MOVES.values()), head_only, 0.0)
    assert routine.finished
    assert all(r.skipped for r in routine.results)
    narrow = replace(FRONT, shoulder_width_px=150.0, shoulder_x_px=150.0)  # 180 px out
    assert "elbows" in narrow.cannot_see(MOVES["chest-opener"])
    assert replace(narrow, shoulder_x_px=320.0).cannot_see(MOVES["chest-opener"]) == ""


def test_a_move_the_camera_never_saw_is_not_seen_rather_than_zero(monkeypatch):
    routine = Routine([MOVES["stand-reach"]], FRONT, 0.0)
    run(routine, {MoveId.STAND_REACH: [NAN] * 1000}, monkeypatch=monkeypatch)
    assert routine.results[0].skipped == "the camera could not see it"


def test_from_the_side_the_chin_tuck_counts_on_the_head_angle():
    from posture_cam.core.exercises import progress
    from posture_cam.core.geometry import Features

    side = replace(FRONT, view=View.SIDE, side_head_deg=20.0, facing=-1.0)
    assert side.cannot_see(MOVES["chin-tuck"]) == ""
    nan_features = Features(*([math.nan] * len(Features.names())))
    tucked = replace(nan_features, side_head_deg=-10.0)  # facing -1: 10 deg toward the front
    from posture_cam.core.exercises import CHIN_TUCK_SIDE_DEG

    assert progress(MoveId.CHIN_TUCK, object(), tucked, side) == pytest.approx(
        10.0 / CHIN_TUCK_SIDE_DEG)


def test_the_cli_offers_exactly_the_routines_moves():
    from posture_cam.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices["exercise"]  # noqa: SLF001
    move = next(a for a in sub._actions if a.dest == "move")  # noqa: SLF001
    assert list(move.choices) == list(MOVES)


def test_user_mistakes_are_one_line_errors(app, tmp_path):
    missing = app("exercise", "--source", tmp_path / "nope.mp4", "--no-window")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "nope.mp4" in missing.stderr
    zero = app("exercise", "--neutral-seconds", "0", "--no-window")
    assert zero.returncode == 1 and "--neutral-seconds" in zero.stderr
