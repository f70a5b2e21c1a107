#!/usr/bin/env python3
"""Render synthetic webcam clips of a seated person with posture ground truth.

Each clip is a scripted posture timeline applied to an `anny` parametric body
(MakeHuman-based, Apache-2.0), drawn by a small painter's-algorithm rasteriser
(numpy + OpenCV) at webcam-like viewpoints, and written as ``NAME.mp4`` plus
``NAME.json`` (per-frame angles computed from the posed 3-D skeleton, never
from the pixels).  See ``samples/README.md`` for the definitions.

Dependencies (optional extra ``[samples]`` of the project, never imported by
the runtime package): ``torch==2.13.0`` (CPU build), ``anny``, ``numpy`` and
``opencv-contrib-python``.

Examples::

    python samples/generate.py --list
    python samples/generate.py --jobs 2                  # every clip -> samples/
    python samples/generate.py --only front_slumped_d --out /tmp/clips
    python samples/generate.py --only side_slumped_a --png /tmp/png --at 5,30

The output is deterministic: every clip has a fixed seed (listed by --list)
that drives the sway, camera jitter, noise and scene details, so the same
command rebuilds the same clips (bit-identical JSON; identical video frames).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np

W, H = 640, 480
FPS = 10.0
THRESHOLDS = {
    "head_forward_deg": 12.0,
    "trunk_forward_deg": 12.0,
    "shoulder_protraction_deg": 10.0,
}
NEAR = 0.05  # camera near plane (m)

# --------------------------------------------------------------------------
# Subjects (appearance + phenotype).  Letters match the clip-name suffixes.
# gender: 0 = male, 1 = female; age: 0.667 = young adult, 1.0 = old.
# --------------------------------------------------------------------------
SUBJECTS = {
    "a": dict(
        desc="man, average build, light skin, short brown hair, blue shirt",
        phenotype=dict(gender=0.0, age=0.72, muscle=0.55, weight=0.5, height=0.55,
                       proportions=0.5, african=0.05, asian=0.1, caucasian=0.85),
        skin="light", hair=(70, 50, 35), hair_style="short",
        shirt=(55, 95, 170), sleeves="long", trousers=(50, 50, 60),
        base=dict(neck_flex=4.0, thor_flex=2.0),
    ),
    "b": dict(
        desc="woman, slim, short, dark skin, long black hair, burgundy top",
        phenotype=dict(gender=1.0, age=0.70, muscle=0.4, weight=0.3, height=0.3,
                       proportions=0.5, african=0.9, asian=0.05, caucasian=0.05),
        skin="dark", hair=(25, 20, 20), hair_style="long",
        shirt=(140, 35, 60), sleeves="long", trousers=(35, 35, 45),
        base=dict(neck_flex=2.0, thor_flex=0.0),
    ),
    "c": dict(
        desc="man, heavy, tall, medium-brown skin, black hair, grey T-shirt",
        phenotype=dict(gender=0.0, age=0.8, muscle=0.5, weight=0.9, height=0.85,
                       proportions=0.5, african=0.2, asian=0.3, caucasian=0.5),
        skin="brown", hair=(30, 25, 22), hair_style="short",
        shirt=(120, 124, 128), sleeves="short", trousers=(70, 60, 45),
        base=dict(neck_flex=6.0, thor_flex=3.0),
    ),
    "d": dict(
        desc="older woman, heavier, pale skin, grey bob hair, green sweater",
        phenotype=dict(gender=1.0, age=0.95, muscle=0.35, weight=0.75, height=0.45,
                       proportions=0.5, african=0.0, asian=0.0, caucasian=1.0),
        skin="pale", hair=(150, 148, 145), hair_style="bob",
        shirt=(50, 120, 75), sleeves="long", trousers=(60, 55, 70),
        base=dict(neck_flex=7.0, thor_flex=4.0),
    ),
    "e": dict(
        desc="young man, slim, short, light-tan (East-Asian) skin, black hair, mustard shirt",
        phenotype=dict(gender=0.0, age=0.66, muscle=0.45, weight=0.25, height=0.25,
                       proportions=0.5, african=0.0, asian=0.9, caucasian=0.1),
        skin="tan", hair=(20, 18, 18), hair_style="short",
        shirt=(200, 160, 50), sleeves="long", trousers=(40, 45, 70),
        base=dict(neck_flex=3.0, thor_flex=1.0),
    ),
    "f": dict(
        desc="woman, average build, olive skin, brown hair in a bob, light-blue shirt",
        phenotype=dict(gender=1.0, age=0.75, muscle=0.5, weight=0.5, height=0.6,
                       proportions=0.5, african=0.2, asian=0.2, caucasian=0.6),
        skin="olive", hair=(85, 55, 35), hair_style="bob",
        shirt=(120, 160, 200), sleeves="long", trousers=(40, 40, 40),
        base=dict(neck_flex=4.0, thor_flex=2.0),
    ),
    # passer-by (second person): teenager-sized, shorter, different look
    "p": dict(
        desc="passer-by: young woman, short, slim, orange top",
        phenotype=dict(gender=0.8, age=0.62, muscle=0.5, weight=0.35, height=0.25,
                       proportions=0.5, african=0.3, asian=0.3, caucasian=0.4),
        skin="medium", hair=(60, 35, 20), hair_style="short",
        shirt=(230, 120, 40), sleeves="long", trousers=(60, 70, 110),
        base=dict(),
    ),
}

SKIN_TONES = {  # sRGB albedo
    "pale": (236, 205, 188),
    "light": (226, 184, 155),
    "olive": (200, 156, 118),
    "medium": (190, 140, 100),
    "tan": (214, 170, 128),
    "brown": (150, 100, 68),
    "dark": (100, 66, 46),
}

# --------------------------------------------------------------------------
# Postures.  Every value in degrees unless noted.  A posture is the subject's
# `base` + these values; the timeline blends between postures.
#   hip_flex    rotation of the whole upper body at the pelvis (spine05), + forward
#   lumbar_flex lumbar flexion (spine04+spine03), + forward
#   thor_flex   thoracic flexion (spine02+spine01), + forward
#   neck_flex   lower-neck flexion (neck01+neck02), + forward
#   gaze_pitch  world pitch of the head, + looking down; neck03/head compensate
#   protraction shoulder-girdle protraction (clavicle + shoulder01 about vertical)
#   lat_lean    lateral trunk bend, + toward the subject's left
#   twist       trunk axial rotation, + toward the subject's left
#   head_yaw    head rotation about the neck, + toward the subject's left
#   head_roll   head tilt, + toward the left shoulder
#   stand       0 seated .. 1 standing (legs)
#   arms_desk   1 hands on the keyboard .. 0 arms hanging
#   root_dx     sideways translation of the whole body (m, + = subject's left)
#   root_yaw    rotation of the whole body about the vertical (deg)
# Distractor parameters (all 0 by default; a clip that never sets them is
# posed exactly as before they existed):
#   shrug       shoulder-girdle elevation (clavicles), + up
#   eyes_pitch  eyeball rotation, + looking down (lids and face do not follow)
#   arms_up     0 .. 1 both arms raised overhead (stretch)
#   phone       0 .. 1 right hand holds a phone in front of the chest
#   drink       0 .. 1 right hand holds a cup at the mouth
# --------------------------------------------------------------------------
PARAMS = ["hip_flex", "lumbar_flex", "thor_flex", "neck_flex", "gaze_pitch",
          "protraction", "lat_lean", "twist", "head_yaw", "head_roll",
          "stand", "arms_desk", "root_dx", "root_yaw",
          "shrug", "eyes_pitch", "arms_up", "phone", "drink", "arms_wide"]
DEFAULT = dict(hip_flex=0.0, lumbar_flex=0.0, thor_flex=0.0, neck_flex=0.0,
               gaze_pitch=6.0, protraction=0.0, lat_lean=0.0, twist=0.0,
               head_yaw=0.0, head_roll=0.0, stand=0.0, arms_desk=1.0,
               root_dx=0.0, root_yaw=0.0,
               shrug=0.0, eyes_pitch=0.0, arms_up=0.0, phone=0.0, drink=0.0, arms_wide=0.0)
POSTURES = {
    "upright": {},
    "shift": dict(lat_lean=6.0, twist=5.0, hip_flex=3.0, head_roll=-3.0),
    "forward_head": dict(neck_flex=40.0, thor_flex=6.0, gaze_pitch=3.0),
    "rounded_shoulders": dict(protraction=24.0, thor_flex=6.0, neck_flex=10.0, gaze_pitch=3.0),
    "trunk_lean": dict(hip_flex=21.0, neck_flex=-4.0, gaze_pitch=5.0),
    "slumped": dict(hip_flex=-16.0, lumbar_flex=16.0, thor_flex=22.0, neck_flex=18.0,
                    protraction=9.0, gaze_pitch=6.0),
    "look_left": dict(head_yaw=37.0, twist=4.0, gaze_pitch=2.0),
    "look_right": dict(head_yaw=-33.0, twist=-4.0, gaze_pitch=2.0),
    # away sequence (whole-body motion)
    "stand_up": dict(stand=1.0, arms_desk=0.0, hip_flex=18.0),
    "standing": dict(stand=1.0, arms_desk=0.0),
    "walk_out": dict(stand=1.0, arms_desk=0.0),      # root_dx/root_yaw set per clip
    "out": dict(stand=1.0, arms_desk=0.0),
    "walk_in": dict(stand=1.0, arms_desk=0.0),
    "turn_to_desk": dict(stand=1.0, arms_desk=0.0),
    "sit_down": dict(hip_flex=10.0),
    # distractors: everyday desk movements that are NOT slouches
    "look_down_keyboard": dict(neck_flex=14.0, thor_flex=2.0, gaze_pitch=30.0, eyes_pitch=15.0),
    "look_down_phone": dict(phone=1.0, neck_flex=20.0, thor_flex=3.0, gaze_pitch=36.0, eyes_pitch=12.0),
    "drink": dict(drink=1.0, neck_flex=-4.0, gaze_pitch=-16.0, eyes_pitch=-4.0),
    "tilt_left": dict(head_roll=15.0),
    "tilt_right": dict(head_roll=-15.0),
    "turn_to_screen": dict(head_yaw=45.0, twist=15.0, gaze_pitch=2.0),
    "stretch": dict(arms_up=1.0, shrug=10.0, hip_flex=-7.0, lumbar_flex=-4.0, thor_flex=-8.0,
                    neck_flex=-6.0, gaze_pitch=-24.0),
    # exercises of the break routine (posture-cam exercise); see EXERCISES
    "chin_tuck": dict(neck_flex=-40.0, gaze_pitch=8.0),
    "chin_tuck_partial": dict(neck_flex=-12.0, gaze_pitch=3.0),
    "shoulder_squeeze": dict(protraction=-22.0, shrug=-10.0, thor_flex=-4.0),
    "chest_opener": dict(arms_wide=1.0, protraction=-12.0, thor_flex=-4.0, gaze_pitch=-2.0),
    "stand_reach": dict(stand=1.0, arms_desk=0.0, arms_up=1.0),
}
SLOUCH_KINDS = {"forward_head", "rounded_shoulders", "trunk_lean", "slumped"}
# Gestures: short oscillations added on top of the timeline (clip key
# "gestures": [(t0, dur, kind, scale), ...]); each param gets
# scale * amp * wave(2 pi (t - t0) / period), "bump" = (1 - cos) / 2 (0..1..0),
# "sin" = sine, with a 0.3-s fade in and out.
GESTURES = {
    "nod": dict(period=0.8, waves={"gaze_pitch": (9.0, "bump"), "neck_flex": (3.0, "bump")}),
    "shoulder_roll": dict(period=3.0, waves={"shrug": (30.0, "bump"), "protraction": (-12.0, "sin")}),
}
# Scripted postures / gestures that are never labelled `slouched` (distractors:
# the skeleton may exceed the thresholds, e.g. looking down, but the person is
# not slouching).  Their spans are listed in the clip JSON under "distractors".
DISTRACTOR_KINDS = {"look_down_keyboard", "look_down_phone", "drink", "nod", "tilt_left", "tilt_right",
                    "turn_to_screen", "stretch", "shoulder_roll"}


def glance_entries(glances, kind="look_down_keyboard", t_in=0.5, t_out=0.6):
    """Timeline entries for brief looks: [(t0, hold_s), ...] -> look (t_in) .. back (t_out)."""
    out = []
    for t0, hold in glances:
        out += [(t0, kind, t_in, {}), (t0 + t_in + hold, "upright", t_out, {})]
    return out


def away_entries(t0, t_back, side=1.0, dist=1.9):
    """Timeline entries: stand up at t0, walk out sideways, come back at t_back."""
    yo, yi = 85.0 * side, -85.0 * side
    return [
        (t0, "stand_up", 1.6, {}),
        (t0 + 1.6, "standing", 0.6, {}),
        (t0 + 2.2, "walk_out", 2.6, dict(root_dx=dist * side, root_yaw=yo)),
        (t_back - 0.6, "out", 0.5, dict(root_dx=dist * side, root_yaw=yi)),
        (t_back, "walk_in", 2.6, dict(root_dx=0.0, root_yaw=yi)),
        (t_back + 2.6, "turn_to_desk", 0.7, dict(root_dx=0.0, root_yaw=0.0)),
        (t_back + 3.3, "sit_down", 1.6, {}),
        (t_back + 4.9, "upright", 1.0, {}),
    ]


# Exercise clips: a move repeated after EXERCISE_NEUTRAL_S s of upright sitting (the
# neutral pose the counter calibrates on). Each rep is (kind, t_in, hold, t_out, rest);
# its ground truth is the scripted span, "full" unless the kind ends in "_partial".
EXERCISE_NEUTRAL_S = 8.0
EXERCISES = {
    # move name (as the CLI spells it) -> posture kind, seconds in / held / out / rest
    "chin-tuck": ("chin_tuck", 0.8, 1.0, 0.8, 0.8),
    "shoulder-squeeze": ("shoulder_squeeze", 1.0, 3.0, 1.0, 0.8),
    "chest-opener": ("chest_opener", 1.6, 15.0, 1.6, 0.0),
    "stand-reach": ("stand_reach", 2.2, 2.0, 2.4, 1.6),
}


def exercise_entries(move, n_reps, partial_after=None):
    """Timeline entries and per-rep truth for n_reps of a move (+ one partial rep after
    rep number partial_after, which must not be counted)."""
    kind, t_in, hold, t_out, rest = EXERCISES[move]
    t = EXERCISE_NEUTRAL_S
    entries, reps = [(0, "upright", 0, {})], []
    plan = [kind] * n_reps
    if partial_after is not None:
        plan.insert(partial_after, kind + "_partial")
    for k in plan:
        if k == "stand_reach":
            entries += [(t, "stand_up", t_in * 0.6, {}), (t + t_in * 0.6, "stand_reach", t_in * 0.4, {}),
                        (t + t_in + hold, "standing", t_out * 0.4, {}),
                        (t + t_in + hold + t_out * 0.4, "sit_down", t_out * 0.6, {}),
                        (t + t_in + hold + t_out, "upright", rest * 0.5, {})]
        else:
            entries += [(t, k, t_in, {}), (t + t_in + hold, "upright", t_out, {})]
        reps.append(dict(start_s=round(t, 2), end_s=round(t + t_in + hold + t_out, 2),
                         held_from_s=round(t + t_in, 2), held_to_s=round(t + t_in + hold, 2),
                         full=not k.endswith("_partial")))
        t += t_in + hold + t_out + rest
    return entries, dict(move=move, reps=reps, true_reps=sum(r["full"] for r in reps),
                         true_hold_s=round(sum(r["held_to_s"] - r["held_from_s"] for r in reps if r["full"]), 2),
                         neutral_s=[0.0, EXERCISE_NEUTRAL_S]), t + 2.0


def exercise_clip(move, subject, seed, n_reps, camera, scene, partial_after=None):
    entries, truth, duration = exercise_entries(move, n_reps, partial_after)
    return dict(subject=subject, seed=seed, duration=round(duration, 1), exercise=truth,
                desc=f"{EXERCISE_NEUTRAL_S:.0f} s upright, then {truth['true_reps']} x {move}"
                     + (" (+1 partial rep, not counted)" if partial_after is not None else ""),
                camera=camera, scene=scene, timeline=entries)


def _tl(*items):
    """Build a timeline from (t, kind, trans) / (t, kind, trans, overrides) and lists."""
    out = []
    for it in items:
        if isinstance(it, list):
            out.extend(it)
        elif len(it) == 3:
            out.append((it[0], it[1], it[2], {}))
        else:
            out.append(it)
    return out


# --------------------------------------------------------------------------
# Clips
# camera: view front|side, dist (front: eye->camera; side: body->camera, m),
# height (camera height relative to the eyes, m), hfov (deg), yaw (deg: the
# camera sits at dist * (sin yaw, -cos yaw) in (x, y) from the eyes / body
# centre; 0 = in front, +90 = on the subject's left, -90 = on the right),
# aim_down (m, moves the look-at point; front views look at eyes - 0.15 m)
# --------------------------------------------------------------------------
CLIPS = {
    "front_upright_a": dict(
        subject="a", seed=1, duration=40.0, desc="upright with sway and one brief 2-s shift in the chair; no slouch",
        camera=dict(view="front", dist=0.78, height=0.06, hfov=66.0, yaw=3.0, aim_down=-0.08),
        scene=dict(wall=(196, 190, 178), features=["door", "poster"], light=(-0.5, -0.6, 0.8), key=0.85, amb=0.35),
        timeline=_tl((0, "upright", 0), (21.0, "shift", 0.8), (23.0, "upright", 0.8)),
    ),
    "front_forward_head_a": dict(
        subject="a", seed=2, duration=48.0, desc="10 s upright, ~25 s forward head (text neck), upright",
        camera=dict(view="front", dist=0.62, height=0.04, hfov=65.0, yaw=-4.0),
        scene=dict(wall=(200, 200, 196), features=["shelf", "window"], light=(0.5, -0.7, 0.7), key=0.9, amb=0.33),
        timeline=_tl((0, "upright", 0), (10.0, "forward_head", 2.0), (36.0, "upright", 2.0)),
    ),
    "front_rounded_shoulders_b": dict(
        subject="b", seed=3, duration=48.0, desc="upright, ~25 s rounded (protracted) shoulders, upright",
        camera=dict(view="front", dist=0.6, height=0.06, hfov=62.0, yaw=5.0),
        scene=dict(wall=(180, 196, 200), features=["door", "shelf"], light=(-0.3, -0.8, 0.6), key=0.9, amb=0.35),
        timeline=_tl((0, "upright", 0), (10.0, "rounded_shoulders", 2.0), (36.0, "upright", 2.0)),
    ),
    "front_trunk_lean_c": dict(
        subject="c", seed=4, duration=48.0, desc="upright, ~25 s trunk leaning toward the screen, upright",
        camera=dict(view="front", dist=0.8, height=0.03, hfov=68.0, yaw=-2.0, aim_down=-0.06),
        scene=dict(wall=(210, 200, 170), features=["window", "poster"], light=(0.6, -0.5, 0.7), key=0.85, amb=0.35),
        timeline=_tl((0, "upright", 0), (10.0, "trunk_lean", 2.0), (36.0, "upright", 2.0)),
    ),
    "front_slumped_d": dict(
        subject="d", seed=5, duration=48.0, desc="upright, ~25 s slumped (pelvis back, thoracic flexion, head forward), upright",
        camera=dict(view="front", dist=0.68, height=0.07, hfov=65.0, yaw=4.0),
        scene=dict(wall=(190, 180, 200), features=["shelf", "poster"], light=(-0.6, -0.6, 0.6), key=0.8, amb=0.38),
        timeline=_tl((0, "upright", 0), (10.0, "slumped", 2.0), (36.0, "upright", 2.0)),
    ),
    "front_head_turn_a": dict(
        subject="a", seed=6, duration=46.0, desc="upright; looks at a second screen on the left ~10 s, back, right ~8 s, back; no slouch",
        camera=dict(view="front", dist=0.66, height=0.05, hfov=65.0, yaw=0.0),
        scene=dict(wall=(205, 195, 185), features=["door", "window"], light=(0.4, -0.7, 0.7), key=0.85, amb=0.35),
        timeline=_tl((0, "upright", 0), (11.0, "look_left", 1.2), (22.0, "upright", 1.2),
                     (29.0, "look_right", 1.2), (38.0, "upright", 1.2)),
    ),
    "front_away_b": dict(
        subject="b", seed=7, duration=46.0, desc="upright, stands up and walks out of frame (~15 s away), returns and sits",
        camera=dict(view="front", dist=0.7, height=0.05, hfov=65.0, yaw=-3.0),
        scene=dict(wall=(185, 200, 185), features=["door", "poster"], light=(-0.5, -0.7, 0.6), key=0.85, amb=0.36),
        timeline=_tl((0, "upright", 0), away_entries(11.0, 30.0, side=1.0)),
    ),
    "front_second_person_c": dict(
        subject="c", seed=8, duration=42.0, desc="upright while a second, smaller person walks past behind twice; no slouch",
        camera=dict(view="front", dist=0.72, height=0.05, hfov=66.0, yaw=2.0),
        scene=dict(wall=(200, 190, 175), features=["shelf", "door"], light=(0.5, -0.6, 0.7), key=0.85, amb=0.36,
                   room_depth=3.6),
        timeline=_tl((0, "upright", 0)),
        passers=[dict(t0=13.0, dur=5.0, side=1.0, y=1.0), dict(t0=28.0, dur=4.5, side=-1.0, y=1.9)],
    ),
    "front_mixed_e": dict(
        subject="e", seed=9, duration=90.0,
        desc="upright, forward head, upright, head turn left, trunk lean, away (stands, leaves, returns), upright",
        camera=dict(view="front", dist=0.66, height=0.02, hfov=64.0, yaw=-5.0),
        scene=dict(wall=(175, 185, 195), features=["window", "shelf"], light=(-0.4, -0.7, 0.6), key=0.85, amb=0.36),
        timeline=_tl((0, "upright", 0), (10.0, "forward_head", 2.0), (25.0, "upright", 2.0),
                     (33.0, "look_left", 1.2), (40.0, "upright", 1.2),
                     (46.0, "trunk_lean", 2.0), (58.0, "upright", 2.0),
                     away_entries(63.0, 76.0, side=-1.0), ),
    ),
    "front_low_dim_f": dict(
        subject="f", seed=10, duration=48.0,
        desc="laptop camera below eye level, dim evening light; upright, slumped, upright, forward head",
        camera=dict(view="front", dist=0.62, height=-0.25, hfov=70.0, yaw=2.0, aim_down=0.06),
        scene=dict(wall=(170, 160, 150), features=["door", "poster"], light=(0.7, -0.3, 0.4), key=0.5, amb=0.2,
                   dim=True),
        timeline=_tl((0, "upright", 0), (10.0, "slumped", 2.0), (24.0, "upright", 2.0),
                     (32.0, "forward_head", 2.0)),
    ),
    "side_upright_b": dict(
        subject="b", seed=11, duration=36.0, desc="side view (camera on the subject's left); upright with sway",
        camera=dict(view="side", dist=1.5, height=-0.25, hfov=65.0, yaw=90.0),
        scene=dict(wall=(195, 195, 185), features=["door", "window"], light=(0.7, -0.5, 0.6), key=0.85, amb=0.36),
        timeline=_tl((0, "upright", 0), (20.0, "shift", 1.0), (22.5, "upright", 1.0)),
    ),
    "side_forward_head_c": dict(
        subject="c", seed=12, duration=48.0, desc="side view (camera on the subject's right); upright, ~25 s forward head, upright",
        camera=dict(view="side", dist=1.7, height=-0.2, hfov=65.0, yaw=-80.0),
        scene=dict(wall=(200, 192, 180), features=["shelf", "poster"], light=(-0.6, -0.5, 0.6), key=0.85, amb=0.36),
        timeline=_tl((0, "upright", 0), (10.0, "forward_head", 2.0), (36.0, "upright", 2.0)),
    ),
    "side_slumped_a": dict(
        subject="a", seed=13, duration=48.0, desc="side view (camera on the subject's left); upright, ~25 s slumped, upright",
        camera=dict(view="side", dist=1.4, height=-0.3, hfov=65.0, yaw=100.0),
        scene=dict(wall=(185, 190, 200), features=["window", "door"], light=(0.6, -0.6, 0.6), key=0.85, amb=0.36),
        timeline=_tl((0, "upright", 0), (10.0, "slumped", 2.0), (36.0, "upright", 2.0)),
    ),
    # ---- distractors: desk movements that are not slouches (never `slouched`;
    # their spans are listed under "distractors" in the JSON)
    "front_glance_keyboard_a": dict(
        subject="a", seed=14, duration=62.0,
        desc="upright; six brief glances down at the keyboard (2-4 s) and one ~8-s look down; never slouched",
        camera=dict(view="front", dist=0.70, height=0.05, hfov=65.0, yaw=-3.0),
        scene=dict(wall=(195, 200, 190), features=["door", "shelf"], light=(0.5, -0.6, 0.7), key=0.85, amb=0.35),
        timeline=_tl((0, "upright", 0),
                     glance_entries([(11.5, 1.6), (17.0, 2.4), (23.0, 1.0), (28.0, 2.0)]),
                     (34.0, "look_down_keyboard", 0.8), (41.5, "upright", 0.8),
                     glance_entries([(46.0, 1.4), (51.5, 2.6)])),
    ),
    "front_phone_b": dict(
        subject="b", seed=15, duration=50.0,
        desc="upright; picks up a phone and looks down at it ~6 s (twice), drinks from a cup once; never slouched",
        camera=dict(view="front", dist=0.68, height=0.04, hfov=64.0, yaw=4.0),
        scene=dict(wall=(200, 195, 205), features=["window", "poster"], light=(-0.5, -0.6, 0.7), key=0.85, amb=0.35),
        timeline=_tl((0, "upright", 0), (12.0, "look_down_phone", 1.2), (19.2, "upright", 1.2),
                     (25.0, "drink", 1.4), (28.6, "upright", 1.4),
                     (34.0, "look_down_phone", 1.2), (41.2, "upright", 1.2)),
    ),
    "front_talk_turn_c": dict(
        subject="c", seed=16, duration=60.0,
        desc="upright; talking with nods, 15-deg head tilts left and right (2 s), turns head and upper body to a "
             "second screen on the left ~10 s; never slouched",
        camera=dict(view="front", dist=0.75, height=0.05, hfov=66.0, yaw=2.0, aim_down=-0.04),
        scene=dict(wall=(185, 195, 205), features=["shelf", "window"], light=(0.6, -0.6, 0.6), key=0.85, amb=0.36),
        timeline=_tl((0, "upright", 0), (17.5, "tilt_left", 0.6), (20.1, "upright", 0.6),
                     (31.0, "turn_to_screen", 1.2), (42.2, "upright", 1.2),
                     (48.0, "tilt_right", 0.6), (50.6, "upright", 0.6)),
        gestures=[(12.0, 4.0, "nod", 1.0), (23.0, 5.0, "nod", 0.8), (53.0, 3.0, "nod", 1.2)],
    ),
    "front_stretch_d": dict(
        subject="d", seed=17, duration=48.0,
        desc="upright; stretches (arms overhead, leaning back, head back) ~5 s twice, one double shoulder roll; "
             "never slouched",
        camera=dict(view="front", dist=0.66, height=0.07, hfov=70.0, yaw=-3.0, aim_down=-0.07),
        scene=dict(wall=(205, 200, 185), features=["door", "window"], light=(-0.4, -0.7, 0.7), key=0.85, amb=0.36),
        timeline=_tl((0, "upright", 0), (12.0, "stretch", 1.6), (18.6, "upright", 1.6),
                     (32.0, "stretch", 1.6), (38.6, "upright", 1.6)),
        gestures=[(24.0, 6.0, "shoulder_roll", 1.0)],
    ),
    "front_glance_low_f": dict(
        subject="f", seed=18, duration=56.0,
        desc="laptop camera 22 cm below eye level; upright; six brief keyboard glances and one ~8-s look down; "
             "never slouched",
        camera=dict(view="front", dist=0.55, height=-0.22, hfov=68.0, yaw=-2.0, aim_down=0.06),
        scene=dict(wall=(190, 185, 170), features=["shelf", "poster"], light=(0.5, -0.5, 0.6), key=0.8, amb=0.34),
        timeline=_tl((0, "upright", 0),
                     glance_entries([(11.5, 1.8), (17.0, 1.2), (22.0, 2.6), (28.0, 1.5)]),
                     (33.0, "look_down_keyboard", 0.8), (40.6, "upright", 0.8),
                     glance_entries([(45.0, 2.0), (50.0, 1.4)])),
    ),
    # ---- close framing (laptop webcam near the face); a normal slouch clip
    "front_closeup_forward_head_e": dict(
        subject="e", seed=19, duration=48.0,
        desc="laptop webcam ~0.42 m from the face, shoulders at the bottom edge; upright, ~25 s forward head, upright",
        camera=dict(view="front", dist=0.42, height=-0.03, hfov=56.0, yaw=2.0, aim_down=0.15),
        scene=dict(wall=(200, 190, 180), features=["poster", "door"], light=(0.4, -0.7, 0.6), key=0.85, amb=0.35),
        timeline=_tl((0, "upright", 0), (10.0, "forward_head", 2.0), (36.0, "upright", 2.0)),
    ),
}
# ---- exercise clips (the break routine): two bodies, one move per clip, front view
_EX_CAM = {"a": dict(view="front", dist=0.85, height=0.05, hfov=68.0, yaw=-3.0, aim_down=0.12),
           "b": dict(view="front", dist=0.82, height=0.04, hfov=68.0, yaw=4.0, aim_down=0.12)}
_EX_SCENE = {"a": dict(wall=(198, 196, 186), features=["door", "poster"], light=(-0.5, -0.6, 0.8), key=0.85, amb=0.35),
             "b": dict(wall=(186, 198, 200), features=["shelf", "window"], light=(0.5, -0.6, 0.7), key=0.85, amb=0.36)}
for _sub, _seed in (("a", 20), ("b", 24)):
    CLIPS[f"front_ex_chin_tuck_{_sub}"] = exercise_clip("chin-tuck", _sub, _seed, 8, _EX_CAM[_sub], _EX_SCENE[_sub],
                                                        partial_after=4)
    CLIPS[f"front_ex_shoulder_squeeze_{_sub}"] = exercise_clip("shoulder-squeeze", _sub, _seed + 1, 6,
                                                               _EX_CAM[_sub], _EX_SCENE[_sub])
    CLIPS[f"front_ex_chest_opener_{_sub}"] = exercise_clip("chest-opener", _sub, _seed + 2, 1,
                                                           _EX_CAM[_sub], _EX_SCENE[_sub])
    CLIPS[f"front_ex_stand_reach_{_sub}"] = exercise_clip("stand-reach", _sub, _seed + 3, 2,
                                                          _EX_CAM[_sub], _EX_SCENE[_sub])
# a chin tuck is seen from the side only (from the front it is a head ~3 cm further away)
CLIPS["side_ex_chin_tuck_a"] = exercise_clip(
    "chin-tuck", "a", 28, 8, dict(view="side", dist=1.4, height=-0.2, hfov=65.0, yaw=95.0),
    dict(wall=(190, 195, 200), features=["window", "door"], light=(0.6, -0.6, 0.6), key=0.85,
         amb=0.36), partial_after=4)
CLIPS["side_ex_chin_tuck_b"] = exercise_clip(
    "chin-tuck", "b", 29, 8, dict(view="side", dist=1.5, height=-0.25, hfov=65.0, yaw=-85.0),
    dict(wall=(200, 195, 185), features=["shelf", "poster"], light=(-0.6, -0.5, 0.6), key=0.85,
         amb=0.36), partial_after=4)
CALIBRATION_S = (0.0, 8.0)


# --------------------------------------------------------------------------
# Small geometry helpers
# --------------------------------------------------------------------------
def rx(deg):
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def ry(deg):
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rz(deg):
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def rot_between(a, b):
    """Smallest rotation taking direction a to direction b."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    s = float(np.linalg.norm(v))
    if s < 1e-9:
        return np.eye(3)
    k = v / s
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    ang = math.atan2(s, c)
    return np.eye(3) + math.sin(ang) * K + (1 - math.cos(ang)) * K @ K


def axis_angle(axis, ang):
    k = axis / np.linalg.norm(axis)
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(ang) * K + (1 - math.cos(ang)) * K @ K


def ease(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def srgb_to_lin(c):
    c = np.asarray(c, dtype=np.float64) / 255.0
    return c ** 2.2


def lin_to_srgb8(c):
    return np.clip(255.0 * np.clip(c, 0, None) ** (1 / 2.2), 0, 255)


# --------------------------------------------------------------------------
# Camera
# --------------------------------------------------------------------------
class Camera:
    def __init__(self, pos, target, hfov, roll=0.0):
        self.pos = np.asarray(pos, float)
        f = np.asarray(target, float) - self.pos
        f /= np.linalg.norm(f)
        r = np.cross(f, [0, 0, 1.0])
        r /= np.linalg.norm(r)
        d = np.cross(f, r)
        R = np.stack([r, d, f])  # rows: camera x (right), y (down), z (forward)
        self.R = rz_axis(roll, f) @ R if roll else R
        self.hfov = hfov
        self.f = (W / 2) / math.tan(math.radians(hfov) / 2)
        self.c = np.array([W / 2, H / 2])
        self.pitch = math.degrees(math.asin(np.clip(f[2], -1, 1)))

    def to_cam(self, P):
        return (np.asarray(P) - self.pos) @ self.R.T

    def project(self, P):
        Pc = self.to_cam(P)
        z = Pc[..., 2:3]
        uv = self.f * Pc[..., :2] / np.where(np.abs(z) < 1e-9, 1e-9, z) + self.c
        return uv, Pc[..., 2]


def rz_axis(deg, axis):
    """Roll of the camera frame about its optical axis (applied to the rows)."""
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]])


def clip_poly_near(Pc):
    """Sutherland-Hodgman clip of a camera-space polygon against z > NEAR."""
    out = []
    n = len(Pc)
    for i in range(n):
        a, b = Pc[i], Pc[(i + 1) % n]
        ina, inb = a[2] > NEAR, b[2] > NEAR
        if ina:
            out.append(a)
        if ina != inb:
            t = (NEAR - a[2]) / (b[2] - a[2])
            out.append(a + t * (b - a))
    return np.array(out)


# --------------------------------------------------------------------------
# Body model
# --------------------------------------------------------------------------
_MODEL = None


def get_model():
    global _MODEL
    if _MODEL is None:
        import torch
        import anny
        torch.set_num_threads(1)
        _MODEL = anny.Anny(phenotypes="all")
        _MODEL.eval()
    return _MODEL


HANG_POLE = np.array([0.35, 0.25, -1.0])
CURL_SIGN = 1.0
CUP_R = 0.04  # cup radius (m)


def cup_axis(w):
    """Cup axis (body frame): upright on the desk, tilted 35 deg toward the face at the mouth."""
    a = math.radians(35.0 * w)
    return np.array([0.0, math.sin(a), math.cos(a)])


def _outward(V, F):
    """Orient triangles of a convex prop so their normals point away from its centre."""
    c = V.mean(0)
    F = F.copy()
    for i, (a, b, d) in enumerate(F):
        nrm = np.cross(V[b] - V[a], V[d] - V[a])
        if nrm @ (V[[a, b, d]].mean(0) - c) < 0:
            F[i] = (a, d, b)
    return F


def prop_box(c, ex, ey, ez, size, col, face_cols=None, seg=(1, 1, 1)):
    """Box centred at c with axes ex, ey, ez and size (sx, sy, sz), each face split
    into a grid (seg per axis; small triangles keep the painter's sort right);
    face_cols maps a face (0..2 = +x,+y,+z; 3..5 = -x,-y,-z) to a colour."""
    ax = [np.asarray(ex, float), np.asarray(ey, float), np.asarray(ez, float)]
    V, F, cols = [], [], []
    for k in range(6):
        a = k % 3
        sgn = 1.0 if k < 3 else -1.0
        b, d = (a + 1) % 3, (a + 2) % 3
        cc = (face_cols or {}).get(k, col)
        nb, nd = seg[b], seg[d]
        base = len(V)
        for ib in range(nb + 1):
            for jd in range(nd + 1):
                u, v = ib / nb - 0.5, jd / nd - 0.5
                V.append(c + sgn * size[a] / 2 * ax[a] + u * size[b] * ax[b] + v * size[d] * ax[d])
        for ib in range(nb):
            for jd in range(nd):
                q0 = base + ib * (nd + 1) + jd
                q1, q2, q3 = q0 + nd + 1, q0 + nd + 2, q0 + 1
                F += [(q0, q1, q2), (q0, q2, q3)]
                cols += [cc, cc]
    V = np.array(V)
    F = np.array(F)
    # orient each triangle outward (away from the box centre)
    Fo = F.copy()
    cen = np.asarray(c, float)
    for i, (p0, p1, p2) in enumerate(F):
        nrm = np.cross(V[p1] - V[p0], V[p2] - V[p0])
        if nrm @ (V[[p0, p1, p2]].mean(0) - cen) < 0:
            Fo[i] = (p0, p2, p1)
    return V, Fo, np.array(cols, float)


def prop_cylinder(c, up, r, h, nseg, col, top_col):
    """Closed cylinder (cup) centred at c, axis up; the top cap has top_col."""
    up = up / np.linalg.norm(up)
    e1 = np.cross(up, [1.0, 0, 0] if abs(up[0]) < 0.9 else [0, 1.0, 0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(up, e1)
    ang = 2 * np.pi * np.arange(nseg) / nseg
    ring = np.cos(ang)[:, None] * e1 + np.sin(ang)[:, None] * e2
    V = np.concatenate([c - h / 2 * up + r * ring, c + h / 2 * up + r * ring,
                        [c - h / 2 * up, c + h / 2 * up]])
    F, cols = [], []
    for i in range(nseg):
        j = (i + 1) % nseg
        F += [(i, j, nseg + j), (i, nseg + j, nseg + i), (2 * nseg, j, i), (2 * nseg + 1, nseg + i, nseg + j)]
        cols += [col, col, col, top_col]
    return V, _outward(V, np.array(F)), np.array(cols, float)


class Body:
    """One posed anny body: posture params -> vertices, joints, ground-truth points."""

    def __init__(self, spec):
        import torch
        from anny.face_segmentation import get_face_segmentation_mask
        self.torch = torch
        self.m = m = get_model()
        self.spec = spec
        self.labels = list(m.bone_labels)
        self.idx = {n: i for i, n in enumerate(self.labels)}
        self.U = m.reference_bone_orientations.detach().numpy().astype(np.float64)
        with torch.no_grad():
            out = m(phenotype_kwargs={k: float(v) for k, v in spec["phenotype"].items()})
        self.pheno_kwargs = {k: float(v) for k, v in spec["phenotype"].items()}
        self.rest_v = out["vertices"][0].numpy().copy()
        self.rest_W = out["bone_poses"][0].numpy().copy()
        self.faces = m.faces.numpy().astype(np.int64)
        F = self.faces
        seg = {}
        for lab in ["head", "hand.R", "hand.L", "eye_back.L", "eye_front.L", "eye_back.R", "eye_front.R",
                    "eye_cavity.R", "eye_cavity.L", "mouth_cavity", "foot.L", "foot.R", "tongue"]:
            seg[lab] = get_face_segmentation_mask(m, [lab]).numpy()
        self.seg = seg
        V = self.rest_v
        # reference points on the rest mesh
        eyeL = V[np.unique(F[seg["eye_front.L"]])].mean(0)
        eyeR = V[np.unique(F[seg["eye_front.R"]])].mean(0)
        self.eye_mid_rest = (eyeL + eyeR) / 2
        mouth = V[np.unique(F[seg["mouth_cavity"]])]
        front_m = mouth[mouth[:, 1] < mouth[:, 1].min() + 0.008]
        self.mouth_rest = front_m.mean(0)  # the mouth slit
        head_vid = np.unique(F[seg["head"]])
        self.head_vid = head_vid
        hv = V[head_vid]
        ez, ey = self.eye_mid_rest[2], self.eye_mid_rest[1]
        # ears: most lateral head vertices in the ear band, averaged (ear centre)
        self.ear_rest = {}
        for side, sgn in (("L", 1.0), ("R", -1.0)):
            band = (np.abs(hv[:, 2] - (ez - 0.03)) < 0.028) & (hv[:, 1] > ey + 0.06) & (hv[:, 1] < ey + 0.15) & (sgn * hv[:, 0] > 0)
            cand = hv[band]
            xm = (sgn * cand[:, 0]).max()
            sel = cand[sgn * cand[:, 0] > xm - 0.012]
            self.ear_rest[side] = sel.mean(0)
        # nose tip: frontmost head vertex between eyes and mouth
        band = (hv[:, 2] < ez) & (hv[:, 2] > self.mouth_rest[2]) & (np.abs(hv[:, 0]) < 0.02)
        self.nose_rest = hv[band][np.argmin(hv[band][:, 1])]
        self._build_materials()
        # leg length / limb lengths at rest
        J = self.rest_W[:, :3, 3]
        self.l_upper = {s: np.linalg.norm(J[self.idx[f"lowerarm01.{s}"]] - J[self.idx[f"upperarm01.{s}"]]) for s in "LR"}
        self.l_fore = {s: np.linalg.norm(J[self.idx[f"wrist.{s}"]] - J[self.idx[f"lowerarm01.{s}"]]) for s in "LR"}
        fb = [i for i, n in enumerate(self.labels) if n.startswith(("foot", "toe"))]
        dom = self.dom_bone
        self.foot_vid = np.where(np.isin(dom, fb))[0]
        self.base = dict(DEFAULT)
        for k, v in spec.get("base", {}).items():
            self.base[k] = self.base[k] + v
        self.desk_targets = None  # set by the scene (body frame)
        self.hand_len = {s: np.linalg.norm((J[self.idx[f"finger2-1.{s}"]] + J[self.idx[f"finger5-1.{s}"]]) / 2
                                           - J[self.idx[f"wrist.{s}"]]) for s in "LR"}
        # finger-curl axes (rest frame): knuckle line for the fingers, the
        # index direction for the thumb; signs chosen so + curls toward the palm
        self.curl_axis = {}
        for s, sg in (("L", 1.0), ("R", -1.0)):
            w = J[self.idx[f"wrist.{s}"]]
            i2, i5 = J[self.idx[f"finger2-1.{s}"]], J[self.idx[f"finger5-1.{s}"]]
            k = (i5 - i2) / np.linalg.norm(i5 - i2)
            hd = (i2 + i5) / 2 - w
            hd = hd / np.linalg.norm(hd)
            self.curl_axis[s] = (sg * k * CURL_SIGN, sg * hd * CURL_SIGN)

    # ---------------- materials
    def _build_materials(self):
        m, V, F, seg = self.m, self.rest_v, self.faces, self.seg
        spec = self.spec
        vb = m.vertex_bone_indices.numpy()
        vw = m.vertex_bone_weights.numpy()
        dom = vb[np.arange(len(vb)), vw.argmax(1)]
        self.dom_bone = dom
        # materials are decided per face, from the face centroid (rest pose)
        # and the face's dominant bone (majority of its vertices)
        fd = dom[F]
        fdom = fd[:, 0].copy()
        agree = fd[:, 1] == fd[:, 2]
        fdom[agree] = fd[agree, 1]
        name = np.array(self.labels)[fdom]
        V = V[F].mean(1)  # face centroids (shadowing the vertex array on purpose)
        J = self.rest_W[:, :3, 3]
        neck_z = J[self.idx["neck01"], 2]
        ez = self.eye_mid_rest[2]
        ey = self.eye_mid_rest[1]
        nv = len(V)
        mat = np.full(nv, "shirt", dtype=object)
        is_leg = np.array([n.startswith(("upperleg", "lowerleg", "pelvis")) for n in name])
        is_foot = np.array([n.startswith(("foot", "toe")) for n in name])
        is_arm_low = np.array([n.startswith(("lowerarm", "wrist", "finger", "metacarpal")) for n in name])
        is_hand = np.array([n.startswith(("wrist", "finger", "metacarpal")) for n in name])
        is_head = np.array([n.startswith(("neck", "head", "eye")) for n in name])
        is_uarm = np.array([n.startswith("upperarm") for n in name])
        waist_z = 0.0  # untucked shirt down to the hip joints
        mat[(V[:, 2] < waist_z) | is_leg] = "trousers"
        mat[is_foot] = "shoe"
        # neckline: skin above a crew/V neck line
        front = -(V[:, 1] - J[self.idx["neck01"], 1])
        neckline = neck_z - 0.03 - 0.03 * np.clip(front / 0.08, 0, 1) * np.exp(-(V[:, 0] / 0.05) ** 2)
        mat[(is_head | (V[:, 2] > neckline)) & ~is_uarm & (np.abs(V[:, 0]) < 0.12)] = "skin"
        mat[is_head] = "skin"
        if spec["sleeves"] == "short":
            mat[is_arm_low] = "skin"
            for s in "LR":
                S = J[self.idx[f"upperarm01.{s}"]]
                E = J[self.idx[f"lowerarm01.{s}"]]
                t = (V - S) @ (E - S) / ((E - S) @ (E - S))
                side = V[:, 0] > 0 if s == "L" else V[:, 0] < 0
                mat[is_uarm & side & (t > 0.42)] = "skin"
        mat[is_hand] = "skin"
        # hair painted on the scalp: hairline height as a function of the depth
        # along the head (0 = eyes, 1 = back of the head)
        style = spec["hair_style"]
        if style != "none":
            hv_y = V[self.head_vid, 1]
            nd = (V[:, 1] - ey) / (hv_y.max() - ey)
            nape = {"short": -0.085, "bob": -0.10, "long": -0.17}[style]
            side = {"short": 0.022, "bob": -0.005, "long": -0.005}[style]
            hairline = np.interp(nd, [0.0, 0.22, 0.42, 0.55, 0.68, 1.0],
                                 [ez + 0.052, ez + 0.05, ez + side, ez + side, ez + nape, ez + nape])
            hair = is_head & (V[:, 2] > hairline)
            # keep the ears and the face as skin
            for s in "LR":
                hair &= np.linalg.norm(V - self.ear_rest[s], axis=1) > 0.026
            hair &= ~((nd < 0.35) & (V[:, 2] < ez + 0.035))
            mat[hair] = "hair"
        # eyebrows
        for sx in (0.033, -0.033):
            b = is_head & (np.abs(V[:, 0] - sx) < 0.021) & (V[:, 2] > ez + 0.016) & (V[:, 2] < ez + 0.027) & (V[:, 1] < ey + 0.02)
            mat[b] = "brow"
        # lips
        mz = self.mouth_rest[2]
        lips = is_head & (np.abs(V[:, 0]) < 0.021 - 60 * (V[:, 2] - mz) ** 2) & (np.abs(V[:, 2] - mz) < 0.008) & (V[:, 1] < self.mouth_rest[1] + 0.01)
        mat[lips] = "lips"
        # segmentation overrides
        face_mat = mat
        for lab in ("eye_back.L", "eye_back.R"):
            face_mat[seg[lab]] = "sclera"
        for lab in ("eye_front.L", "eye_front.R"):
            face_mat[seg[lab]] = "iris"
        for lab in ("eye_cavity.L", "eye_cavity.R"):
            face_mat[seg[lab]] = "lid"
        face_mat[seg["mouth_cavity"] | seg["tongue"]] = "mouth"
        skin = np.array(SKIN_TONES[spec["skin"]], float)
        cols = {
            "skin": skin,
            "shirt": np.array(spec["shirt"], float),
            "trousers": np.array(spec["trousers"], float),
            "shoe": np.array((35, 30, 30), float),
            "hair": np.array(spec["hair"], float),
            "brow": np.array(spec["hair"], float) * 0.6 + skin * 0.1,
            "lips": skin * np.array([0.86, 0.68, 0.68]),
            "sclera": np.array((225, 220, 215), float),
            "iris": np.array((45, 32, 25), float),
            "lid": skin * 0.55,
            "mouth": np.array((90, 30, 35), float),
        }
        self.face_mat = face_mat
        self.albedo = np.stack([srgb_to_lin(cols[k]) for k in face_mat])
        # eyes (sclera/iris) are double-sided spheres; avoid culling glitches by drawing them last
        self.face_priority = np.isin(face_mat, ["iris"]).astype(np.float64)

    # ---------------- posing
    def local_rotations(self, p):
        """Posture params -> {bone: 3x3 local-ref rotation} (arms excluded)."""
        D = {}
        # trunk
        D["spine05"] = rx(p["hip_flex"])
        D["spine04"] = rx(p["lumbar_flex"] * 0.5)
        D["spine03"] = rz(p["twist"] * 0.5) @ ry(p["lat_lean"] * 0.5) @ rx(p["lumbar_flex"] * 0.5)
        D["spine02"] = rz(p["twist"] * 0.5) @ ry(p["lat_lean"] * 0.5) @ rx(p["thor_flex"] * 0.55)
        D["spine01"] = rx(p["thor_flex"] * 0.45)
        # neck: lower neck flexes, upper neck + head compensate so the gaze pitch is kept
        D["neck01"] = rz(p["head_yaw"] * 0.2) @ rx(p["neck_flex"] * 0.6)
        D["neck02"] = rz(p["head_yaw"] * 0.25) @ rx(p["neck_flex"] * 0.4)
        chain = p["hip_flex"] + p["lumbar_flex"] + p["thor_flex"] + p["neck_flex"]
        comp = p["gaze_pitch"] - chain
        D["neck03"] = rz(p["head_yaw"] * 0.25) @ rx(comp * 0.35)
        D["head"] = rz(p["head_yaw"] * 0.3) @ ry(p["head_roll"]) @ rx(comp * 0.65)
        # shoulder girdle protraction (L: -z, R: +z) with a little elevation
        pr = p["protraction"]
        D["clavicle.L"] = rz(-pr * 0.6) @ ry(-pr * 0.05)
        D["clavicle.R"] = rz(pr * 0.6) @ ry(pr * 0.05)
        D["shoulder01.L"] = rz(-pr * 0.4)
        D["shoulder01.R"] = rz(pr * 0.4)
        # legs: seated (hip and knee at ~90 deg) .. standing, plus walking swing
        st = p["stand"]
        sw = p.get("_swing", 0.0)
        ph = p.get("_phase", 0.0)
        for s, sg in (("L", 1.0), ("R", -1.0)):
            hip = -88.0 * (1 - st) + sw * 24.0 * math.sin(ph + (0 if s == "L" else math.pi))
            knee = 86.0 * (1 - st) + sw * 30.0 * max(0.0, math.sin(ph + (0.6 if s == "L" else 0.6 + math.pi)))
            D[f"upperleg01.{s}"] = rz(sg * 6.0 * (1 - st)) @ rx(hip)
            D[f"lowerleg01.{s}"] = rx(knee)
            D[f"foot.{s}"] = rx(2.0 * (1 - st))
        # distractor parameters: only touch the rig when they are in use, so
        # clips that never set them are posed exactly as before
        el = p.get("shrug", 0.0) + 20.0 * p.get("arms_up", 0.0)
        if el:
            D["clavicle.L"] = ry(-el * 0.8) @ D["clavicle.L"]
            D["clavicle.R"] = ry(el * 0.8) @ D["clavicle.R"]
            D["shoulder01.L"] = ry(-el * 0.2) @ D["shoulder01.L"]
            D["shoulder01.R"] = ry(el * 0.2) @ D["shoulder01.R"]
        ep = p.get("eyes_pitch", 0.0)
        if ep:
            D["eye.L"] = rx(ep)
            D["eye.R"] = rx(ep)
        grip = max(35.0 * p.get("phone", 0.0), 75.0 * p.get("drink", 0.0))
        if grip > 0:
            D.update(self.finger_curl("R", grip))
        return D

    def finger_curl(self, s, deg):
        """Local rotations curling the fingers of hand s by deg per joint (thumb less)."""
        J = self.rest_W[:, :3, 3]
        out = {}
        for f in range(1, 6):
            for j in range(1, 4):
                bone = f"finger{f}-{j}.{s}"
                if bone not in self.idx:
                    continue
                if f == 1:
                    out[bone] = axis_angle(self.curl_axis[s][1], math.radians(0.35 * deg))
                else:
                    out[bone] = axis_angle(self.curl_axis[s][0], math.radians(deg * (0.6 if j == 1 else 1.0)))
        return out

    def _forward(self, D):
        torch = self.torch
        pose = {}
        for k, R in D.items():
            M = np.eye(4)
            M[:3, :3] = R
            pose[k] = torch.from_numpy(M[None])
        with torch.no_grad():
            out = self.m(pose_parameters=pose, phenotype_kwargs=self.pheno_kwargs)
        return out["vertices"][0].numpy(), out["bone_poses"][0].numpy()

    def G(self, Wp, name):
        i = self.idx[name]
        return Wp[i, :3, :3] @ self.U[i].T

    def pose(self, p):
        """Return (vertices, bone_poses) in the body frame for posture params p."""
        D = self.local_rotations(p)
        Dfull = dict(D)
        # pass 1: arms at rest; read shoulder frames and arm joint positions
        _, W1 = self._forward(D)
        J = W1[:, :3, 3]
        for s, sg in (("L", 1.0), ("R", -1.0)):
            S = J[self.idx[f"upperarm01.{s}"]]
            E0 = J[self.idx[f"lowerarm01.{s}"]]
            W0 = J[self.idx[f"wrist.{s}"]]
            l1, l2 = np.linalg.norm(E0 - S), np.linalg.norm(W0 - E0)
            # target wrist: desk (keyboard) or hanging by the side (with walking swing)
            sw = p.get("_swing", 0.0) * math.sin(p.get("_phase", 0.0) + (math.pi if s == "L" else 0.0))
            hang = S + np.array([sg * 0.06, -0.05 - 0.25 * sw, -(l1 + l2) * 0.96])
            if self.desk_targets is not None:
                desk = self.desk_targets[s]
            else:
                desk = S + np.array([sg * -0.02, -0.45, -0.25])
            a = float(p["arms_desk"])
            T = (1 - a) * hang + a * desk
            pole = np.array([sg * 0.5, 0.3, -1.0]) if a > 0.5 else np.array([sg * 0.2, 0.6, -0.2])
            special = None
            if p.get("arms_up", 0.0) > 0 or p.get("arms_wide", 0.0) > 0 or (s == "R" and (p.get("phone", 0.0) > 0 or p.get("drink", 0.0) > 0)):
                # distractor arm pose: blend the wrist target, elbow pole and palm
                # direction toward it (only evaluated when in use)
                special = self.special_arm(p, s, sg, S, W1, l1, l2)
                w_sp = special["w"]
                T = (1 - w_sp) * T + w_sp * special["T"]
                pole = (1 - w_sp) * pole + w_sp * special["pole"]
            d = T - S
            dist = np.linalg.norm(d)
            dist_c = np.clip(dist, abs(l1 - l2) + 1e-3, l1 + l2 - 1e-3)
            u = d / dist
            ca = (l1 * l1 - l2 * l2 + dist_c * dist_c) / (2 * dist_c)
            hgt = math.sqrt(max(l1 * l1 - ca * ca, 0.0))
            pp = pole - np.dot(pole, u) * u
            pp /= np.linalg.norm(pp)
            E = S + ca * u + hgt * pp
            Wt = S + dist_c * u
            Gp = self.G(W1, f"shoulder01.{s}")
            Gua = self.G(W1, f"upperarm01.{s}")
            Gua2 = self.G(W1, f"upperarm02.{s}")
            Gla = self.G(W1, f"lowerarm01.{s}")
            R1 = rot_between(E0 - S, E - S)
            Dua = Gp.T @ R1 @ Gua
            # forearm: swing onto the target, then twist (split over lowerarm01/02)
            # so that the palm faces down on the keyboard / inward when hanging
            i2 = J[self.idx[f"finger2-1.{s}"]]
            i5 = J[self.idx[f"finger5-1.{s}"]]
            palm0 = -sg * np.cross(i2 - W0, i5 - W0)
            f0 = R1 @ (W0 - E0)
            fs = Wt - E
            fs = fs / np.linalg.norm(fs)
            Rmin = rot_between(f0, fs)
            n1 = Rmin @ R1 @ palm0
            nstar = a * np.array([-sg * 0.3, 0.0, -1.0]) + (1 - a) * np.array([-sg, 0.15, 0.0])
            if special is not None:
                nstar = (1 - w_sp) * nstar + w_sp * special["palm"]
            n1p = n1 - (n1 @ fs) * fs
            nsp = nstar - (nstar @ fs) * fs
            theta = math.atan2(np.cross(n1p, nsp) @ fs, n1p @ nsp)
            Rh = axis_angle(fs, theta / 2)
            Gla_new = Rh @ Rmin @ R1 @ Gla
            Dla = (R1 @ Gua2).T @ Gla_new
            Dla2 = Gla_new.T @ Rh @ Gla_new
            Dfull[f"upperarm01.{s}"] = Dua
            Dfull[f"lowerarm01.{s}"] = Dla
            Dfull[f"lowerarm02.{s}"] = Dla2
            if special is not None and special.get("hand") is not None:
                # wrist bend toward the wanted hand direction (capped at 70 deg)
                h2 = Rh @ Rh @ Rmin @ R1 @ ((i2 + i5) / 2 - W0)
                hd = special["hand"]
                v = np.cross(h2, hd)
                sv = np.linalg.norm(v)
                if sv > 1e-9:
                    ang = math.atan2(sv, float(h2 @ hd))
                    ang = min(ang, math.radians(70.0)) * w_sp
                    Rw = axis_angle(v, ang)
                    Gla2 = Rh @ Gla_new
                    Dfull[f"wrist.{s}"] = Gla2.T @ Rw @ Gla2
        V, Wp = self._forward(Dfull)
        return V, Wp

    def special_arm(self, p, s, sg, S, W1, l1, l2):
        """Wrist target, elbow pole, palm normal and hand direction (body frame) of
        the distractor arm poses: arms overhead, phone in front of the chest, cup at the mouth."""
        wu = float(p.get("arms_up", 0.0))
        wph = float(p.get("phone", 0.0)) if s == "R" else 0.0
        wdr = float(p.get("drink", 0.0)) if s == "R" else 0.0
        ww = float(p.get("arms_wide", 0.0))
        if ww > max(wu, wph, wdr):
            # chest opener ("goal post"): elbow out at shoulder height and 20 deg back,
            # forearm up, palm forward
            T = S + np.array([sg * 0.94 * l1, 0.34 * l1 + 0.1 * l2, 0.99 * l2])
            return dict(w=ww, T=T, pole=np.array([sg * 1.0, 0.3, -1.0]), palm=np.array([0.0, -1.0, 0.0]), hand=None)
        if wu >= max(wph, wdr):
            return dict(w=wu, T=S + np.array([sg * 0.10, -0.04, 0.93 * (l1 + l2)]),
                        pole=np.array([sg * 1.0, 0.3, 0.0]), palm=np.array([-sg, -0.3, 0.0]), hand=None)
        if wph >= wdr:
            hd = np.array([-sg * 0.1, -0.66, 0.75])
            return dict(w=wph, T=S + np.array([-sg * 0.12, -0.25, -0.07]),
                        pole=np.array([sg * 0.4, 0.4, -1.0]), palm=np.array([0.0, 0.75, 0.66]),
                        hand=hd / np.linalg.norm(hd))
        # drink: cup in front of the mouth (tilted toward the face, see props),
        # the hand on its outer side pointing up, palm medial, elbow down
        M = self.rigid_point(W1, "head", self.mouth_rest)
        ax = cup_axis(1.0)
        C = M + np.array([0.0, -0.012, 0.0]) - 0.05 * ax  # rim centre at the lips
        n = np.array([-sg, 0.0, 0.0])
        hd = np.array([-sg * 0.1, -0.15, 0.98])
        hd /= np.linalg.norm(hd)
        palm_c = C - n * (CUP_R + 0.018)
        T = palm_c - hd * 0.55 * self.hand_len[s]
        return dict(w=wdr, T=T, pole=np.array([sg * 0.5, -0.6, -1.0]), palm=n, hand=hd)

    # ---------------- props held in the right hand (phone, cup)
    def props(self, Wp, p):
        """Meshes (vertices in the body frame, faces, per-face sRGB colour) of the props in use."""
        out = []
        wph, wdr = p.get("phone", 0.0), p.get("drink", 0.0)
        if wph <= 0 and wdr <= 0:
            return out
        J = Wp[:, :3, 3]
        s, sg = "R", -1.0
        W = J[self.idx[f"wrist.{s}"]]
        i2, i5 = J[self.idx[f"finger2-1.{s}"]], J[self.idx[f"finger5-1.{s}"]]
        mid = (i2 + i5) / 2
        hd = (mid - W) / np.linalg.norm(mid - W)
        n = -sg * np.cross(i2 - W, i5 - W)
        n = n / np.linalg.norm(n)
        P = W + 0.55 * (mid - W) + 0.012 * n
        if wph >= wdr:
            ax = hd - (hd @ n) * n
            ax /= np.linalg.norm(ax)
            c = P + 0.012 * n + 0.05 * ax
            out.append(prop_box(c, ax, np.cross(n, ax), n, (0.15, 0.072, 0.009),
                                (38, 38, 44), {2: (70, 95, 130)}, seg=(8, 4, 1)))
        else:
            c = P + (CUP_R + 0.006) * n
            out.append(prop_cylinder(c, cup_axis(wdr), CUP_R, 0.10, 12, (200, 45, 45), (70, 40, 25)))
        return out

    # ---------------- ground-truth points (body frame)
    def rigid_point(self, Wp, bone, p_rest):
        i = self.idx[bone]
        T = Wp[i] @ np.linalg.inv(self.rest_W[i])
        return T[:3, :3] @ p_rest + T[:3, 3]

    def keypoints(self, Wp):
        J = Wp[:, :3, 3]
        kp = {
            "nose": self.rigid_point(Wp, "head", self.nose_rest),
            "ear_l": self.rigid_point(Wp, "head", self.ear_rest["L"]),
            "ear_r": self.rigid_point(Wp, "head", self.ear_rest["R"]),
            "eye_l": None, "eye_r": None,
            "shoulder_l": J[self.idx["upperarm01.L"]].copy(),
            "shoulder_r": J[self.idx["upperarm01.R"]].copy(),
            "hip_l": J[self.idx["upperleg01.L"]].copy(),
            "hip_r": J[self.idx["upperleg01.R"]].copy(),
            "neck_base": J[self.idx["neck01"]].copy(),
        }
        kp.pop("eye_l"), kp.pop("eye_r")
        return kp


def angles_from_skeleton(body, Wp, kp):
    """Ground-truth angles (deg) in the body (pelvis/chair) frame: forward = -y, up = +z, left = +x."""
    fwd = np.array([0.0, -1.0, 0.0])
    up = np.array([0.0, 0.0, 1.0])
    sh = (kp["shoulder_l"] + kp["shoulder_r"]) / 2
    ear = (kp["ear_l"] + kp["ear_r"]) / 2
    hip = (kp["hip_l"] + kp["hip_r"]) / 2
    v = ear - sh
    head_fwd = math.degrees(math.atan2(v @ fwd, v @ up))
    v = sh - hip
    trunk_fwd = math.degrees(math.atan2(v @ fwd, v @ up))
    Gt = body.G(Wp, "spine01")
    lat, tf = Gt @ np.array([1.0, 0, 0]), Gt @ fwd
    pro = []
    for s, sg in (("l", 1.0), ("r", -1.0)):
        d = kp[f"shoulder_{s}"] - kp["neck_base"]
        pro.append(math.degrees(math.atan2(d @ tf, d @ (sg * lat))))
    Gh = body.G(Wp, "head")
    hf = Gh @ fwd
    yaw = math.degrees(math.atan2(hf @ np.array([1.0, 0, 0]), hf @ fwd))
    pitch = math.degrees(math.atan2(-(hf @ up), math.hypot(hf[0], hf[1])))
    return dict(head_forward_deg=head_fwd, trunk_forward_deg=trunk_fwd,
                shoulder_protraction_deg=float(np.mean(pro)), head_yaw_deg=yaw, head_pitch_deg=pitch)


# --------------------------------------------------------------------------
# Rasteriser
# --------------------------------------------------------------------------
class Light:
    def __init__(self, direction, key, amb):
        d = np.asarray(direction, float)
        self.d = d / np.linalg.norm(d)
        self.key = key
        self.amb = amb


def occluded_mask(cam, P, occluders):
    """True where the segment camera->P crosses one of the occluder quads."""
    occ = np.zeros(len(P), bool)
    C = cam.pos
    for (o, u, v) in occluders:
        n = np.cross(u, v)
        dP = P - C
        den = dP @ n
        with np.errstate(divide="ignore", invalid="ignore"):
            s = ((o - C) @ n) / den
        ok = (s > 0) & (s < 0.995)
        X = C + s[:, None] * dP
        a = ((X - o) @ u) / (u @ u)
        b = ((X - o) @ v) / (v @ v)
        occ |= ok & (a >= 0) & (a <= 1) & (b >= 0) & (b <= 1)
    return occ


def draw_mesh(img, cam, light, Vw, faces, albedo, occluders=(), priority=None, mask=None, depth=None):
    """Painter's-algorithm rasterisation of a triangle mesh (flat Lambert shading).

    Triangles whose three vertices are all hidden behind an occluder quad are
    skipped (a conservative cull); exact per-pixel occlusion is done by the caller
    with the `depth` image (flat per-triangle camera depth) if given."""
    v0, v1, v2 = Vw[faces[:, 0]], Vw[faces[:, 1]], Vw[faces[:, 2]]
    n = np.cross(v1 - v0, v2 - v0)
    nn = np.linalg.norm(n, axis=1, keepdims=True)
    n = n / np.maximum(nn, 1e-12)
    cen = (v0 + v1 + v2) / 3
    view = cam.pos - cen
    front = np.einsum("ij,ij->i", n, view) > 0
    uv, z = cam.project(Vw)
    zf = z[faces]
    ok = front & (zf.min(1) > NEAR)
    uvf = uv[faces]
    ok &= (uvf[:, :, 0].max(1) >= 0) & (uvf[:, :, 0].min(1) < W) & (uvf[:, :, 1].max(1) >= 0) & (uvf[:, :, 1].min(1) < H)
    if occluders:
        idx = np.where(ok)[0]
        vid = np.unique(faces[idx])
        vocc = np.zeros(len(Vw), bool)
        vocc[vid] = occluded_mask(cam, Vw[vid], occluders)
        occ = vocc[faces[idx]].all(1)
        ok[idx[occ]] = False
    idx = np.where(ok)[0]
    if len(idx) == 0:
        return 0
    # shading (linear light): ambient + key (Lambert) + soft camera-side fill
    nd = n[idx] @ light.d
    vd = view[idx] / np.linalg.norm(view[idx], axis=1, keepdims=True)
    fill = np.einsum("ij,ij->i", n[idx], vd)
    sh = light.amb + light.key * np.clip(nd, 0, None) + 0.18 * light.key * np.clip(fill, 0, None)
    # slight wrap for a softer terminator
    sh += 0.08 * light.key * np.clip(nd + 0.3, 0, None)
    col = lin_to_srgb8(albedo[idx] * sh[:, None])
    zmean = zf[idx].mean(1)
    if priority is not None:
        zmean = zmean - priority[idx] * 0.004
    order = np.argsort(-zmean, kind="stable")
    pts = np.round(uvf[idx][order] * 16).astype(np.int32)
    cols = col[order][:, ::-1].astype(np.int32).tolist()  # BGR
    import cv2
    fill_poly = cv2.fillConvexPoly
    if depth is None:
        for p, c in zip(pts, cols):
            fill_poly(img, p, c, cv2.LINE_8, 4)
    else:
        for p, c, dz in zip(pts, cols, depth_vals(zf[idx][order])):
            fill_poly(img, p, c, cv2.LINE_8, 4)
            fill_poly(depth, p, dz, cv2.LINE_8, 4)
    if mask is not None:
        cv2.fillPoly(mask, list(pts), 255, cv2.LINE_8, 4)
    return len(idx)


def depth_vals(zf):
    return zf.mean(1).astype(np.float64).tolist()


def occluder_depth_map(cam, occluders):
    """Per-pixel camera depth of the nearest occluder quad (inf where none)."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    d = np.stack([(xx + 0.5 - cam.c[0]) / cam.f, (yy + 0.5 - cam.c[1]) / cam.f, np.ones_like(xx)], -1)
    r = d @ cam.R  # world ray directions with unit camera-z component
    out = np.full((H, W), np.inf)
    C = cam.pos
    for (o, u, v) in occluders:
        n = np.cross(u, v)
        den = r @ n
        with np.errstate(divide="ignore", invalid="ignore"):
            t = ((o - C) @ n) / den
        X = C + t[..., None] * r
        a = ((X - o) @ u) / (u @ u)
        b = ((X - o) @ v) / (v @ v)
        hit = (t > NEAR) & (a >= 0) & (a <= 1) & (b >= 0) & (b <= 1)
        out = np.where(hit & (t < out), t, out)
    return out.astype(np.float32)


def box_quads(x0, x1, y0, y1, z0, z1):
    """Six outward-facing quads (corner lists) of an axis-aligned box."""
    c = lambda x, y, z: np.array([x, y, z], float)
    return [
        [c(x0, y0, z1), c(x1, y0, z1), c(x1, y1, z1), c(x0, y1, z1)],  # top
        [c(x0, y1, z0), c(x1, y1, z0), c(x1, y0, z0), c(x0, y0, z0)],  # bottom
        [c(x0, y0, z0), c(x1, y0, z0), c(x1, y0, z1), c(x0, y0, z1)],  # -y
        [c(x1, y1, z0), c(x0, y1, z0), c(x0, y1, z1), c(x1, y1, z1)],  # +y
        [c(x0, y1, z0), c(x0, y0, z0), c(x0, y0, z1), c(x0, y1, z1)],  # -x
        [c(x1, y0, z0), c(x1, y1, z0), c(x1, y1, z1), c(x1, y0, z1)],  # +x
    ]


def quad_normal(q):
    n = np.cross(q[1] - q[0], q[3] - q[0])
    return n / np.linalg.norm(n)


def draw_polys(img, cam, light, polys, mask=None, cull=True, sort=True, shade=True):
    """polys: list of (corners[list of 3-D points], srgb colour). Flat shaded, painter-sorted."""
    import cv2
    items = []
    for q, col in polys:
        q = [np.asarray(p, float) for p in q]
        n = quad_normal(q)
        cen = np.mean(q, axis=0)
        if cull and np.dot(n, cam.pos - cen) <= 0:
            continue
        Pc = clip_poly_near(cam.to_cam(np.array(q)))
        if len(Pc) < 3:
            continue
        uv = cam.f * Pc[:, :2] / Pc[:, 2:3] + cam.c
        if shade:
            s = light.amb + light.key * max(0.0, float(n @ light.d)) + 0.1 * light.key
            c = lin_to_srgb8(srgb_to_lin(col) * s)
        else:
            c = np.asarray(col, float)
        items.append((float(np.linalg.norm(cen - cam.pos)), uv, c))
    if sort:
        items.sort(key=lambda t: -t[0])
    for _, uv, c in items:
        pts = np.round(uv * 16).astype(np.int32)
        cv2.fillPoly(img, [pts], tuple(int(x) for x in c[::-1]), cv2.LINE_AA, 4)
        if mask is not None:
            cv2.fillPoly(mask, [pts], 255, cv2.LINE_8, 4)


# --------------------------------------------------------------------------
# Scene
# --------------------------------------------------------------------------
class Scene:
    def __init__(self, clip, body, rng):
        self.clip = clip
        self.body = body
        self.rng = rng
        cs = clip["camera"]
        sc = clip["scene"]
        self.view = cs["view"]
        # seated upright reference pose (body frame)
        p0 = dict(body.base)
        V0, W0 = body.pose(p0)
        J0 = W0[:, :3, 3]
        # feet on the floor
        self.root_z = -V0[body.foot_vid, 2].min()
        # typing pose: upper arms ~25 deg forward of vertical, forearms horizontal;
        # the desk top sits just under the wrists, its front edge near the belly
        idx = body.idx
        S = (J0[idx["upperarm01.L"]] + J0[idx["upperarm01.R"]]) / 2
        sh_w = np.linalg.norm(J0[idx["upperarm01.L"]] - J0[idx["upperarm01.R"]])
        l1, l2 = body.l_upper["L"], body.l_fore["L"]
        a25 = math.radians(25.0)
        wrist_y = S[1] - l1 * math.sin(a25) - 0.92 * l2
        wrist_z = S[2] - l1 * math.cos(a25) + 0.02
        self.desk_z_body = wrist_z - 0.045
        spine_ids = [idx[n] for n in ("spine01", "spine02", "spine03", "spine04", "spine05")]
        is_torso = np.isin(body.dom_bone, spine_ids)
        torso = V0[is_torso & (V0[:, 2] > self.desk_z_body - 0.1) & (V0[:, 2] < self.desk_z_body + 0.1)]
        belly_y = torso[:, 1].min()
        self.desk_front_y = min(belly_y - 0.03, wrist_y + 0.16)
        body.desk_targets = {
            "L": np.array([0.42 * sh_w, wrist_y, wrist_z]),
            "R": np.array([-0.42 * sh_w, wrist_y, wrist_z]),
        }
        V0, W0 = body.pose(p0)
        self.V0, self.W0 = V0, W0
        self.eye_mid0 = body.rigid_point(W0, "head", body.eye_mid_rest) + np.array([0, 0, self.root_z])
        # chair under the thighs/pelvis
        pel = V0[np.isin(body.dom_bone, [idx[n] for n in ("upperleg01.L", "upperleg01.R", "pelvis.L", "pelvis.R", "spine05", "upperleg02.L", "upperleg02.R")])]
        seat_z = pel[:, 2].min() + self.root_z + 0.01
        back_y = V0[is_torso & (V0[:, 2] > 0.05) & (V0[:, 2] < 0.35)][:, 1].max() + 0.03
        self.seat_z = seat_z
        # --- camera
        hf = cs["hfov"] + rng.uniform(-0.5, 0.5)
        roll = rng.uniform(-1.5, 1.5)
        if self.view == "front":
            yaw = math.radians(cs["yaw"])
            e = self.eye_mid0
            pos = e + np.array([cs["dist"] * math.sin(yaw), -cs["dist"] * math.cos(yaw), cs["height"]])
            target = e + np.array([0, 0, -0.15 + cs.get("aim_down", 0.0)])
            self.cam_info = dict(distance_m=cs["dist"], height_rel_eyes_m=cs["height"], hfov_deg=hf, yaw_deg=cs["yaw"])
        else:
            yaw = math.radians(cs["yaw"])
            # side: camera around the body centre (between hips and eyes)
            centre = np.array([0.0, -0.05, (self.root_z + self.eye_mid0[2]) / 2 - 0.05])
            pos = np.array([cs["dist"] * math.sin(yaw), -cs["dist"] * math.cos(yaw), self.eye_mid0[2] + cs["height"]])
            pos[:2] += centre[:2]
            target = centre
            self.cam_info = dict(distance_m=cs["dist"], height_rel_eyes_m=cs["height"], hfov_deg=hf, yaw_deg=cs["yaw"])
        self.cam = Camera(pos, target, hf, roll)
        self.cam_info.update(position_m=[round(float(x), 4) for x in pos], look_at_m=[round(float(x), 4) for x in target],
                             pitch_deg=round(self.cam.pitch, 2), roll_deg=round(roll, 2), fx_px=round(self.cam.f, 2),
                             cx_px=W / 2, cy_px=H / 2, hfov_deg=round(hf, 2))
        ld = np.array(sc["light"], float)
        self.light = Light(ld, sc["key"], sc["amb"])
        # --- static geometry
        desk_z = self.desk_z_body + self.root_z
        self.desk_z = desk_z
        dfy = self.desk_front_y
        desk_col = np.array(rng.choice([(150, 110, 75), (200, 185, 160), (235, 235, 230), (110, 85, 60)]), float)
        furn = []
        furn += [(q, desk_col) for q in box_quads(-0.75, 0.75, dfy - 0.8, dfy, desk_z - 0.03, desk_z)]
        for lx in (-0.72, 0.69):
            furn += [(q, desk_col * 0.7) for q in box_quads(lx, lx + 0.03, dfy - 0.78, dfy - 0.5, 0.0, desk_z - 0.03)]
        # keyboard and monitor
        kb_y = dfy - 0.06
        furn += [(q, (45, 45, 48)) for q in box_quads(-0.22, 0.22, kb_y - 0.16, kb_y, desk_z, desk_z + 0.02)]
        mon_y = dfy - 0.62
        mon_z0 = desk_z + 0.12
        mon_h = max(0.33, self.eye_mid0[2] - 0.03 - mon_z0)
        furn += [(q, (30, 30, 32)) for q in box_quads(-0.3, 0.3, mon_y - 0.04, mon_y, mon_z0, mon_z0 + mon_h)]
        furn += [(q, (40, 40, 42)) for q in box_quads(-0.04, 0.04, mon_y + 0.02, mon_y + 0.08, desk_z, mon_z0)]
        # chair
        chair_col = np.array(rng.choice([(40, 40, 45), (30, 45, 80), (70, 70, 75)]), float)
        furn += [(q, chair_col) for q in box_quads(-0.25, 0.25, back_y - 0.47, back_y, seat_z - 0.08, seat_z)]
        furn += [(q, chair_col * 0.9) for q in box_quads(-0.23, 0.23, back_y, back_y + 0.06, seat_z + 0.12, seat_z + 0.66)]
        furn += [(q, (60, 60, 62)) for q in box_quads(-0.025, 0.025, back_y - 0.26, back_y - 0.21, 0.06, seat_z - 0.08)]
        furn += [(q, (60, 60, 62)) for q in box_quads(-0.3, 0.3, back_y - 0.26, back_y - 0.21, 0.04, 0.07)]
        self.furniture = furn
        # occluders for the subject: desk top, monitor front/back, chair backrest front
        self.occ_subject = [
            (np.array([-0.75, dfy - 0.8, desk_z]), np.array([1.5, 0, 0]), np.array([0, 0.8, 0])),
            (np.array([-0.3, mon_y - 0.04, mon_z0]), np.array([0.6, 0, 0]), np.array([0, 0, mon_h])),
        ]
        self.occ_passer = self.occ_subject + [
            (np.array([-0.23, back_y, seat_z + 0.12]), np.array([0.46, 0, 0]), np.array([0, 0, 0.54])),
            (np.array([-0.25, back_y - 0.47, seat_z]), np.array([0.5, 0, 0]), np.array([0, 0.47, 0])),
        ]
        # room: box around everything
        depth = sc.get("room_depth", 2.8)
        if self.view == "front":
            self.room = (-2.2, 2.2, -2.0, depth, 0.0, 2.6)
            self.back_wall = "+y"
        else:
            side = 1 if pos[0] > 0 else -1
            if side > 0:
                self.room = (-1.9, pos[0] + 0.6, -2.4, 2.4, 0.0, 2.6)
                self.back_wall = "-x"
            else:
                self.room = (pos[0] - 0.6, 1.9, -2.4, 2.4, 0.0, 2.6)
                self.back_wall = "+x"
        self.bg = self._render_background(sc)
        self.furn_img = np.zeros((H, W, 3), np.uint8)
        self.furn_mask = np.zeros((H, W), np.uint8)
        draw_polys(self.furn_img, self.cam, self.light, self.furniture, mask=self.furn_mask)
        self.furn_sel = self.furn_mask > 0
        self.occ_depth = occluder_depth_map(self.cam, self.occ_subject)

    def _render_background(self, sc):
        img = np.zeros((H, W, 3), np.uint8)
        x0, x1, y0, y1, z0, z1 = self.room
        wall = np.array(sc["wall"], float)
        rng = self.rng
        floor = np.array(rng.choice([(120, 95, 70), (150, 140, 130), (90, 80, 75), (170, 150, 120)]), float)
        ceil = np.array((230, 230, 228), float)
        c = lambda x, y, z: np.array([x, y, z], float)
        quads = [
            ([c(x0, y1, z0), c(x1, y1, z0), c(x1, y1, z1), c(x0, y1, z1)][::-1], wall),            # +y wall (faces -y)
            ([c(x0, y0, z0), c(x1, y0, z0), c(x1, y0, z1), c(x0, y0, z1)], wall * 0.97),           # -y wall
            ([c(x0, y0, z0), c(x0, y1, z0), c(x0, y1, z1), c(x0, y0, z1)][::-1], wall * 0.93),     # -x wall
            ([c(x1, y0, z0), c(x1, y1, z0), c(x1, y1, z1), c(x1, y0, z1)], wall * 0.93),           # +x wall
            ([c(x0, y0, z0), c(x1, y0, z0), c(x1, y1, z0), c(x0, y1, z0)], floor),                 # floor (faces +z)
            ([c(x0, y0, z1), c(x1, y0, z1), c(x1, y1, z1), c(x0, y1, z1)][::-1], ceil),            # ceiling
        ]
        draw_polys(img, self.cam, self.light, quads, cull=False, sort=False)
        # wall features on the wall facing the camera
        feats = []
        eps = 0.01
        if self.back_wall == "+y":
            def wp(u, z):  # u along +x
                return c(u, y1 - eps, z)
            u_range = (x0 + 0.4, x1 - 0.4)
        elif self.back_wall == "-x":
            def wp(u, z):  # u along +y
                return c(x0 + eps, u, z)
            u_range = (y0 + 0.4, y1 - 0.4)
        else:
            def wp(u, z):
                return c(x1 - eps, -u, z)
            u_range = (-(y1 - 0.4), -(y0 + 0.4))
        slots = list(np.linspace(u_range[0] + 0.5, u_range[1] - 0.5, 3))
        rng.shuffle(slots)
        for name, u in zip(sc["features"], slots):
            u += rng.uniform(-0.25, 0.25)
            if name == "door":
                col = np.array(rng.choice([(120, 85, 55), (235, 232, 225), (90, 70, 55)]), float)
                feats.append(([wp(u - 0.5, 0), wp(u + 0.5, 0), wp(u + 0.5, 2.12), wp(u - 0.5, 2.12)], col * 0.8))
                feats.append(([wp(u - 0.45, 0), wp(u + 0.45, 0), wp(u + 0.45, 2.06), wp(u - 0.45, 2.06)], col))
                feats.append(([wp(u + 0.33, 1.0), wp(u + 0.39, 1.0), wp(u + 0.39, 1.04), wp(u + 0.33, 1.04)], (200, 200, 190)))
            elif name == "window":
                feats.append(([wp(u - 0.6, 0.9), wp(u + 0.6, 0.9), wp(u + 0.6, 2.2), wp(u - 0.6, 2.2)], (235, 235, 232)))
                glass = np.array(rng.choice([(185, 215, 240), (200, 220, 235), (170, 200, 230)]), float)
                for a, b in ((-0.55, -0.03), (0.03, 0.55)):
                    for zz0, zz1 in ((0.95, 1.52), (1.58, 2.15)):
                        feats.append(([wp(u + a, zz0), wp(u + b, zz0), wp(u + b, zz1), wp(u + a, zz1)], glass))
            elif name == "shelf":
                wood = np.array(rng.choice([(140, 100, 65), (220, 215, 205), (70, 55, 45)]), float)
                feats.append(([wp(u - 0.45, 0), wp(u + 0.45, 0), wp(u + 0.45, 1.9), wp(u - 0.45, 1.9)], wood))
                for k in range(5):
                    zb = 0.08 + k * 0.38
                    feats.append(([wp(u - 0.41, zb + 0.02), wp(u + 0.41, zb + 0.02), wp(u + 0.41, zb + 0.34), wp(u - 0.41, zb + 0.34)], wood * 0.55))
                    xx = u - 0.4
                    while xx < u + 0.36 and k > 0:
                        bw = rng.uniform(0.03, 0.07)
                        bh = rng.uniform(0.18, 0.3)
                        bc = np.array(rng.choice([(150, 40, 40), (40, 70, 130), (200, 180, 60), (50, 110, 70), (220, 220, 210), (90, 60, 120)]), float)
                        if rng.uniform() < 0.85:
                            feats.append(([wp(xx, zb + 0.02), wp(xx + bw, zb + 0.02), wp(xx + bw, zb + 0.02 + bh), wp(xx, zb + 0.02 + bh)], bc))
                        xx += bw + 0.005
            elif name == "poster":
                pc = np.array(rng.choice([(60, 90, 140), (180, 80, 60), (70, 120, 90)]), float)
                feats.append(([wp(u - 0.35, 1.15), wp(u + 0.35, 1.15), wp(u + 0.35, 2.0), wp(u - 0.35, 2.0)], (240, 240, 235)))
                feats.append(([wp(u - 0.31, 1.19), wp(u + 0.31, 1.19), wp(u + 0.31, 1.96), wp(u - 0.31, 1.96)], pc))
                feats.append(([wp(u - 0.2, 1.4), wp(u + 0.1, 1.4), wp(u + 0.1, 1.75), wp(u - 0.2, 1.75)], pc * 1.4))
        draw_polys(img, self.cam, self.light, feats, cull=False, sort=False)
        # soft light fall-off across the image
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        ld = self.light.d
        gx = -ld[0] * np.sign(self.cam.R[0, 0] + 1e-6)
        g = 1.0 + 0.12 * gx * (xx - W / 2) / W - 0.06 * (yy - H / 2) / H
        img = np.clip(img.astype(np.float32) * g[..., None], 0, 255).astype(np.uint8)
        return img


# --------------------------------------------------------------------------
# Timeline evaluation
# --------------------------------------------------------------------------
def posture_target(base, kind, overrides):
    p = dict(base)
    for k, v in POSTURES[kind].items():
        if k in ("stand", "arms_desk", "root_dx", "root_yaw"):
            p[k] = v
        else:
            p[k] = base[k] + v
    for k, v in overrides.items():
        p[k] = v
    return p


def eval_timeline(timeline, base, times):
    """Per-frame params (dict of arrays) and the scripted kind per frame."""
    n = len(times)
    vals = {k: np.zeros(n) for k in PARAMS}
    kinds = []
    entries = sorted(timeline, key=lambda e: e[0])
    targets = [posture_target(base, e[1], e[3]) for e in entries]
    for fi, t in enumerate(times):
        cur = dict(targets[0])
        kind = entries[0][1]
        for (t0, k, tr, _), tgt in zip(entries[1:], targets[1:]):
            if t < t0:
                break
            a = float(ease((t - t0) / tr)) if tr > 0 else 1.0
            cur = {q: cur[q] + (tgt[q] - cur[q]) * a for q in PARAMS}
            kind = k
        for q in PARAMS:
            vals[q][fi] = cur[q]
        kinds.append(kind)
    return vals, kinds


def add_sway(vals, times, rng, scale=1.0):
    """Slow natural sway: sums of sinusoids with random phases (deg)."""
    amp = dict(hip_flex=1.4, thor_flex=0.9, neck_flex=1.6, gaze_pitch=2.0, lat_lean=1.3,
               twist=1.8, head_yaw=3.0, head_roll=1.8, protraction=1.2)
    for k, a in amp.items():
        s = np.zeros_like(times)
        for _ in range(2):
            per = rng.uniform(5.0, 16.0)
            ph = rng.uniform(0, 2 * np.pi)
            s += math.sqrt(0.5) * np.sin(2 * np.pi * times / per + ph)
        vals[k] = vals[k] + scale * a * s
    # breathing
    vals["thor_flex"] = vals["thor_flex"] + 0.5 * np.sin(2 * np.pi * times / rng.uniform(3.5, 4.5) + rng.uniform(0, 6.3))
    return vals


def apply_gestures(gestures, vals, kinds, times):
    """Add the clip's gestures (nods, shoulder rolls) on top of the timeline values."""
    for (t0, dur, kind, scale) in gestures:
        g = GESTURES[kind]
        rel = times - t0
        inside = (rel >= 0) & (rel < dur)
        env = ease(rel / 0.3) * ease((dur - rel) / 0.3) * inside
        ph = 2 * np.pi * rel / g["period"]
        for k, (amp, wave) in g["waves"].items():
            w = (1 - np.cos(ph)) / 2 if wave == "bump" else np.sin(ph)
            vals[k] = vals[k] + scale * amp * w * env
        for i in np.where(inside)[0]:
            kinds[i] = kind
    return vals, kinds


def distractor_spans(clip):
    """Scripted spans of the clip's distractor movements: a timeline posture in
    DISTRACTOR_KINDS from the start of its transition in to the end of the
    transition out of it (or to the next distractor), and each gesture."""
    spans = []
    entries = sorted(clip["timeline"], key=lambda e: e[0])
    for i, e in enumerate(entries):
        if e[1] not in DISTRACTOR_KINDS:
            continue
        if i + 1 < len(entries):
            nxt = entries[i + 1]
            end = nxt[0] if nxt[1] in DISTRACTOR_KINDS else nxt[0] + nxt[2]
        else:
            end = clip["duration"]
        spans.append((float(e[0]), float(min(end, clip["duration"])), e[1]))
    for (t0, dur, kind, _) in clip.get("gestures", []):
        spans.append((float(t0), float(t0 + dur), kind))
    return sorted(spans)


def distractor_per_frame(spans, times):
    """Kind of the distractor span each frame lies in (None outside; later spans win)."""
    out = [None] * len(times)
    for (a, b, kind) in spans:
        for i, t in enumerate(times):
            if a - 1e-9 <= t < b - 1e-9:
                out[i] = kind
    return out


# --------------------------------------------------------------------------
# Passer-by
# --------------------------------------------------------------------------
def passer_params(ev, t):
    """Position/yaw/phase of a passer-by at time t, or None when not walking."""
    t0, dur = ev["t0"], ev["dur"]
    if t < t0 or t > t0 + dur:
        return None
    a = (t - t0) / dur
    span = ev.get("span", 2.6)
    x = -ev["side"] * span + 2 * ev["side"] * span * a
    speed = 2 * span / dur
    phase = 2 * np.pi * (2 * span * a) / 1.3
    return dict(x=x, y=ev["y"], yaw=90.0 * ev["side"], phase=phase, speed=speed)


# --------------------------------------------------------------------------
# Clip rendering
# --------------------------------------------------------------------------
CRF = 25


class VideoOut:
    """H.264 (yuv420p, CRF 23) through the ffmpeg binary shipped by imageio-ffmpeg;
    falls back to OpenCV's MPEG-4 Part 2 ('mp4v', larger files) without it."""

    def __init__(self, path):
        self.path = path
        try:
            import imageio_ffmpeg
        except ImportError:
            imageio_ffmpeg = None
        if imageio_ffmpeg is not None:
            self.gen = imageio_ffmpeg.write_frames(
                path, (W, H), fps=FPS, codec="libx264", quality=None, pix_fmt_in="bgr24",
                pix_fmt_out="yuv420p", macro_block_size=16, ffmpeg_log_level="error",
                output_params=["-crf", str(CRF), "-preset", "medium", "-threads", "1",
                               "-g", "50", "-movflags", "+faststart", "-fflags", "+bitexact",
                               "-map_metadata", "-1"])
            self.gen.send(None)
            self.cv = None
            self.codec = "h264"
        else:
            import cv2
            print("imageio-ffmpeg not installed: writing mp4v (larger files)", file=sys.stderr)
            self.gen = None
            self.cv = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), FPS, (W, H))
            if not self.cv.isOpened():
                raise RuntimeError("cannot open video writer for " + path)
            self.codec = "mp4v"

    def write(self, frame_bgr):
        if self.gen is not None:
            self.gen.send(np.ascontiguousarray(frame_bgr))
        else:
            self.cv.write(frame_bgr)

    def close(self):
        if self.gen is not None:
            self.gen.close()
        else:
            self.cv.release()


def in_view(cam, pts):
    uv, z = cam.project(pts)
    return (z > NEAR) & (uv[:, 0] >= 0) & (uv[:, 0] < W) & (uv[:, 1] >= 0) & (uv[:, 1] < H), uv


KP_VIEW = ["nose", "ear_l", "ear_r", "shoulder_l", "shoulder_r"]


def render_clip(name, out_dir, png_dir=None, at=None, quiet=False):
    import cv2
    cv2.setNumThreads(1)
    clip = CLIPS[name]
    seed = clip["seed"]
    rng = np.random.default_rng(seed)
    t_start = time.time()
    subj = SUBJECTS[clip["subject"]]
    body = Body(subj)
    scene = Scene(clip, body, rng)
    n = int(round(clip["duration"] * FPS))
    times = np.arange(n) / FPS
    vals, kinds = eval_timeline(clip["timeline"], body.base, times)
    vals = add_sway(vals, times, np.random.default_rng(seed + 1000))
    if clip.get("gestures"):
        vals, kinds = apply_gestures(clip["gestures"], vals, kinds, times)
    spans = distractor_spans(clip)
    dkind = distractor_per_frame(spans, times) if spans else None
    # walking: swing amplitude from the sideways speed, phase from the distance walked
    dx = np.abs(np.diff(vals["root_dx"], prepend=vals["root_dx"][0]))
    speed = dx * FPS
    dist = np.cumsum(dx)
    swing = np.clip(speed / 0.5, 0, 1) * vals["stand"]
    phase = 2 * np.pi * dist / 1.2
    # the head does not sway while away/standing
    for k in ("head_yaw", "head_roll"):
        vals[k] = vals[k] * (1 - vals["stand"])
    passers = clip.get("passers", [])
    pbody = Body(SUBJECTS["p"]) if passers else None
    frames_gt = []
    frame_sel = None
    if at is not None:
        frame_sel = set(int(round(a * FPS)) for a in at)
    writer = None
    if out_dir is not None and frame_sel is None:
        os.makedirs(out_dir, exist_ok=True)
        writer = VideoOut(os.path.join(out_dir, name + ".mp4"))
    # webcam realism
    nrng = np.random.default_rng(seed + 2000)
    dim = clip["scene"].get("dim", False)
    noise_sigma = 3.0 if dim else 2.0
    exp_per = [nrng.uniform(7, 15), nrng.uniform(19, 31)]
    exp_ph = [nrng.uniform(0, 6.3), nrng.uniform(0, 6.3)]
    exp_amp = 0.035
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    vign = 1.0 - 0.22 * (((xx - W / 2) / (W / 2)) ** 2 + ((yy - H / 2) / (H / 2)) ** 2) / 2
    vign = vign[..., None]
    tint = np.array([1.0 + nrng.uniform(-0.03, 0.03), 1.0, 1.0 + nrng.uniform(-0.03, 0.03)], np.float32)  # BGR
    gain_base = 0.78 if dim else 1.0
    render_time = 0.0
    for i in range(n):
        t = times[i]
        p = {k: float(vals[k][i]) for k in PARAMS}
        p["_swing"] = float(swing[i])
        p["_phase"] = float(phase[i])
        need_img = frame_sel is None or i in frame_sel
        t0 = time.time()
        Vb, Wp = body.pose(p)
        # feet on the floor
        root_z = -Vb[body.foot_vid, 2].min()
        Rw = rz(p["root_yaw"])
        tw = np.array([p["root_dx"], 0.0, root_z])
        Vw = Vb @ Rw.T + tw
        kp = body.keypoints(Wp)
        ang = angles_from_skeleton(body, Wp, kp)
        kpw = {k: Rw @ v + tw for k, v in kp.items()}
        vis, uv = in_view(scene.cam, np.array([kpw[k] for k in KP_VIEW]))
        subj_in = int(vis.sum()) >= 3
        # passer-by
        pb_state = None
        for ev in passers:
            st = passer_params(ev, t)
            if st is not None:
                pb_state = st
        people = 1 if subj_in else 0
        img = None
        if need_img:
            img = scene.bg.copy()
        passer_in = False
        if pb_state is not None:
            pp = dict(pbody.base, stand=1.0, arms_desk=0.0, _swing=1.0, _phase=pb_state["phase"])
            Vp, Wpp = pbody.pose(pp)
            rz_ = -Vp[pbody.foot_vid, 2].min()
            Rp = rz(pb_state["yaw"])
            tp = np.array([pb_state["x"], pb_state["y"], rz_])
            Vpw = Vp @ Rp.T + tp
            kpp = pbody.keypoints(Wpp)
            kppw = np.array([Rp @ kpp[k] + tp for k in KP_VIEW])
            visp, uvp = in_view(scene.cam, kppw)
            # occluded by furniture or by the subject?
            occ = occluded_mask(scene.cam, kppw, scene.occ_passer)
            visp &= ~occ
            if need_img:
                draw_mesh(img, scene.cam, scene.light, Vpw, pbody.faces, pbody.albedo, scene.occ_passer, pbody.face_priority)
            pb_uv = uvp
            pb_vis = visp
        if need_img:
            img[scene.furn_sel] = scene.furn_img[scene.furn_sel]
        smask = np.zeros((H, W), np.uint8) if pb_state is not None else None
        if need_img or smask is not None:
            if img is None:
                img = scene.bg.copy()
            pre = img.copy()
            zbuf = np.full((H, W), np.inf, np.float32)
            props = body.props(Wp, p)
            if props:
                # props held in the hand join the body mesh (same painter's sort and desk test)
                Vd, Fd, Ad, Pd = [Vw], [body.faces], [body.albedo], [body.face_priority]
                off = len(Vw)
                for (Vpr, Fpr, Cpr) in props:
                    Vd.append(Vpr @ Rw.T + tw)
                    Fd.append(Fpr + off)
                    Ad.append(srgb_to_lin(Cpr))
                    Pd.append(np.zeros(len(Fpr)))
                    off += len(Vpr)
                draw_mesh(img, scene.cam, scene.light, np.concatenate(Vd), np.concatenate(Fd), np.concatenate(Ad),
                          scene.occ_subject, np.concatenate(Pd), mask=smask, depth=zbuf)
            else:
                draw_mesh(img, scene.cam, scene.light, Vw, body.faces, body.albedo, scene.occ_subject, body.face_priority,
                          mask=smask, depth=zbuf)
            hidden = zbuf > scene.occ_depth  # body pixel behind the desk top / monitor
            img[hidden] = pre[hidden]
            if smask is not None:
                smask[hidden] = 0
        if pb_state is not None:
            u = np.clip(np.round(pb_uv).astype(int), [0, 0], [W - 1, H - 1])
            pb_vis = pb_vis & (smask[u[:, 1], u[:, 0]] == 0)
            passer_in = int(pb_vis.sum()) >= 3
            people += int(passer_in)
        if need_img:
            # webcam realism: exposure drift, vignetting, tint, blur, sensor noise
            g = gain_base * (1 + exp_amp * sum(math.sin(2 * math.pi * t / pe + ph) for pe, ph in zip(exp_per, exp_ph)) / 2)
            f = img.astype(np.float32) * (g * vign * tint)
            f = cv2.GaussianBlur(f, (0, 0), 0.75)
            f += nrng.normal(0.0, noise_sigma, f.shape).astype(np.float32)
            frame = np.clip(f, 0, 255).astype(np.uint8)
            if writer is not None:
                writer.write(frame)
            if png_dir is not None and (frame_sel is None or i in frame_sel):
                os.makedirs(png_dir, exist_ok=True)
                cv2.imwrite(os.path.join(png_dir, f"{name}_{t:05.1f}s.png"), frame)
        render_time += time.time() - t0
        fr = {"i": i, "t_s": round(float(t), 2), "label": None, "scripted": kinds[i]}
        if dkind is not None:
            fr["distractor"] = dkind[i]
        fr["people_in_view"] = people
        fr["subject_in_view"] = bool(subj_in)
        for k in ("head_forward_deg", "trunk_forward_deg", "shoulder_protraction_deg", "head_yaw_deg", "head_pitch_deg"):
            fr[k] = round(float(ang[k]), 2)
        fr["subject_px"] = {k: [round(float(uv[j, 0]), 1), round(float(uv[j, 1]), 1)] for j, k in enumerate(KP_VIEW)}
        for k in ("hip_l", "hip_r"):
            u2, _ = scene.cam.project(kpw[k][None])
            fr["subject_px"][k] = [round(float(u2[0, 0]), 1), round(float(u2[0, 1]), 1)]
        if pb_state is not None:
            fr["passer_in_view"] = bool(passer_in)
            fr["passer_px"] = {k: [round(float(pb_uv[j, 0]), 1), round(float(pb_uv[j, 1]), 1)] for j, k in enumerate(KP_VIEW)}
        frames_gt.append(fr)
        if not quiet and (i % 50 == 0):
            print(f"[{name}] frame {i}/{n} ({render_time / (i + 1):.2f} s/frame)", flush=True)
    if writer is not None:
        writer.close()
    gt = finalize_gt(name, clip, subj, body, scene, frames_gt, times)
    timing = {"seconds_total": round(time.time() - t_start, 1), "seconds_per_frame": round(render_time / n, 3)}
    if out_dir is not None and frame_sel is None:
        with open(os.path.join(out_dir, name + ".json"), "w") as fh:
            json.dump(gt, fh, indent=None, separators=(",", ":"))
            fh.write("\n")
    return gt, timing


def finalize_gt(name, clip, subj, body, scene, frames, times):
    c0, c1 = CALIBRATION_S
    cal = [f for f in frames if c0 <= f["t_s"] < c1 and f["subject_in_view"]]
    ref = {k: float(np.median([f[k] for f in cal])) for k in THRESHOLDS}
    for f in frames:
        if not f["subject_in_view"]:
            f["label"] = "away"
            continue
        d = {k: f[k] - ref[k] for k in THRESHOLDS}
        slouch = any(d[k] >= THRESHOLDS[k] for k in THRESHOLDS)
        if f.get("distractor"):
            slouch = False  # a scripted distractor (looking down, drinking, ...) is never a slouch
        f["label"] = "slouched" if slouch else "upright"
    # segments (maximal runs of the same label)
    segs = []
    i = 0
    n = len(frames)
    while i < n:
        j = i
        while j + 1 < n and frames[j + 1]["label"] == frames[i]["label"]:
            j += 1
        lab = frames[i]["label"]
        s = {"label": lab, "start_s": frames[i]["t_s"], "end_s": round(frames[j]["t_s"] + 1 / FPS, 2),
             "start_frame": i, "end_frame": j + 1}
        if lab == "slouched":
            ks = [frames[k]["scripted"] for k in range(i, j + 1)]
            ks_sl = [k for k in ks if k in SLOUCH_KINDS] or ks
            s["kind"] = max(set(ks_sl), key=ks_sl.count)
            for k in THRESHOLDS:
                s["max_delta_" + k] = round(max(frames[q][k] - ref[k] for q in range(i, j + 1)), 2)
        segs.append(s)
        i = j + 1
    for f in frames:
        f.pop("subject_in_view")
    ph = {k: round(v, 3) for k, v in subj["phenotype"].items()}
    out = {
        "clip": name,
        "description": clip["desc"],
        "view": clip["camera"]["view"],
        "fps": FPS, "width": W, "height": H,
        "n_frames": len(frames),
        "duration_s": round(len(frames) / FPS, 2),
        "seed": clip["seed"],
        "subject": {"id": clip["subject"], "description": subj["desc"], "phenotype": ph, "skin": subj["skin"],
                    "skin_rgb": list(SKIN_TONES[subj["skin"]]), "shirt": list(subj["shirt"]), "hair_style": subj["hair_style"]},
        "camera": scene.cam_info,
        "calibration_s": [c0, c1],
        "reference": {k: round(v, 2) for k, v in ref.items()},
        "thresholds": THRESHOLDS,
        "frames": frames,
        "segments": segs,
    }
    if clip.get("passers"):
        out["passers"] = [dict(e, description=SUBJECTS["p"]["desc"]) for e in clip["passers"]]
    if clip.get("exercise"):
        out["exercise"] = clip["exercise"]
    spans = distractor_spans(clip)
    if spans:
        ds = []
        for (a, b, kind) in spans:
            idx = [f["i"] for f in frames if a - 1e-9 <= f["t_s"] < b - 1e-9]
            e = {"kind": kind, "start_s": round(a, 2), "end_s": round(b, 2),
                 "start_frame": idx[0], "end_frame": idx[-1] + 1}
            for k in THRESHOLDS:
                e["max_delta_" + k] = round(max(frames[q][k] - ref[k] for q in idx), 2)
            e["max_abs_head_yaw_deg"] = round(max(abs(frames[q]["head_yaw_deg"]) for q in idx), 2)
            e["max_head_pitch_deg"] = round(max(frames[q]["head_pitch_deg"] for q in idx), 2)
            e["min_head_pitch_deg"] = round(min(frames[q]["head_pitch_deg"] for q in idx), 2)
            ds.append(e)
        out["distractors"] = ds
    return out


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------
def _worker(args):
    name, out, png, at = args
    if out is not None and CLIPS[name].get("exercise"):
        out = os.path.join(out, "exercises")  # kept apart: `evaluate` reads samples/*.json
    t = time.time()
    _, timing = render_clip(name, out, png, at, quiet=True)
    return name, time.time() - t, timing["seconds_per_frame"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", action="store_true", help="list the clips and exit")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="render only this clip (repeatable, or comma-separated)")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="output directory (default: the samples/ directory)")
    ap.add_argument("--jobs", type=int, default=1, help="clips rendered in parallel (default 1)")
    ap.add_argument("--png", metavar="DIR", help="also write PNG frames (with --at: only those) into DIR")
    ap.add_argument("--at", metavar="T1,T2", help="with --png: only render the frames at these times (s); no video")
    a = ap.parse_args(argv)
    if a.list:
        for k, c in CLIPS.items():
            print(f"{k:28s} {c['camera']['view']:5s} {c['duration']:5.0f} s  seed {c['seed']:3d}  subject {c['subject']}: {c['desc']}")
        return 0
    names = list(CLIPS)
    if a.only:
        names = [x for o in a.only for x in o.split(",") if x]
        bad = [x for x in names if x not in CLIPS]
        if bad:
            ap.error("unknown clip(s): " + ", ".join(bad) + " (see --list)")
    at = [float(x) for x in a.at.split(",")] if a.at else None
    t0 = time.time()
    jobs = [(nm, a.out if at is None else None, a.png, at) for nm in names]
    if a.jobs > 1 and len(jobs) > 1:
        import multiprocessing as mp
        ctx = mp.get_context("spawn")
        with ctx.Pool(min(a.jobs, len(jobs)), maxtasksperchild=1) as pool:
            for nm, dt, spf in pool.imap_unordered(_worker, jobs):
                print(f"{nm}: {dt:.0f} s ({spf:.2f} s/frame)", flush=True)
    else:
        for j in jobs:
            nm, dt, spf = _worker(j)
            print(f"{nm}: {dt:.0f} s ({spf:.2f} s/frame)", flush=True)
    print(f"total {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
