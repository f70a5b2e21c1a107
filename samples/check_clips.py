#!/usr/bin/env python3
"""Check the sample clips: decode with OpenCV, compare against NAME.json, and
run MediaPipe PoseLandmarker (VIDEO mode) on every frame.

Needs opencv-contrib-python, numpy and (for the detection part) mediapipe;
it does not need torch/anny.  Usage::

    python samples/check_clips.py                         # all clips in samples/
    python samples/check_clips.py --model models/pose_landmarker_full.task --json /tmp/report.json
    python samples/check_clips.py --no-mediapipe front_upright_a

Per clip it prints: frames/fps/size checks, the detection rate on frames whose
ground-truth label is not `away` and on `away` frames, the mean visibility of
nose/ears/shoulders on detected frames, and the median pixel distance between
MediaPipe's landmarks and the projected ground-truth keypoints.  In clips
with scripted distractors (a `distractor` field per frame) it also prints the
detection rate and the landmark features per distractor kind.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_BYTES = 2 * 1024 * 1024
# MediaPipe pose landmark indices
LM = {"nose": 0, "ear_l": 7, "ear_r": 8, "shoulder_l": 11, "shoulder_r": 12, "hip_l": 23, "hip_r": 24}


def check_clip(mp4, landmarker_factory=None):
    import cv2
    name = os.path.splitext(os.path.basename(mp4))[0]
    with open(os.path.splitext(mp4)[0] + ".json") as fh:
        gt = json.load(fh)
    rep = {"clip": name, "bytes": os.path.getsize(mp4), "problems": []}
    if rep["bytes"] > MAX_BYTES:
        rep["problems"].append(f"size {rep['bytes']} > 2 MiB")
    cap = cv2.VideoCapture(mp4)
    if not cap.isOpened():
        rep["problems"].append("cv2.VideoCapture cannot open")
        return rep
    fps = cap.get(cv2.CAP_PROP_FPS)
    if abs(fps - gt["fps"]) > 1e-3:
        rep["problems"].append(f"fps {fps} != {gt['fps']}")
    lm = landmarker_factory() if landmarker_factory else None
    frames = gt["frames"]
    det = []
    vis = []
    which = []  # (n poses, index of the pose nearest the subject, its shoulder error px)
    feats = []  # per frame: (neck_ratio, side_angle_2d) from the subject's landmarks
    err = {k: [] for k in LM}
    n = 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        if bgr.shape[:2] != (gt["height"], gt["width"]):
            rep["problems"].append(f"frame size {bgr.shape}")
            break
        if lm is not None and n < len(frames):
            import mediapipe as mp
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            res = lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb),
                                      int(round(frames[n]["t_s"] * 1000)))
            poses = res.pose_landmarks or []
            det.append(len(poses))
            if poses and frames[n]["label"] != "away":
                # which detected pose is the subject? (shoulder midpoint vs ground truth)
                g = (np.array(frames[n]["subject_px"]["shoulder_l"]) + np.array(frames[n]["subject_px"]["shoulder_r"])) / 2
                dist = [float(np.hypot((q[11].x + q[12].x) / 2 * gt["width"] - g[0], (q[11].y + q[12].y) / 2 * gt["height"] - g[1]))
                        for q in poses]
                which.append((len(poses), int(np.argmin(dist)), min(dist)))
            if poses:
                # the subject = the pose whose shoulders are widest apart (closest person)
                def width(p):
                    return abs(p[11].x - p[12].x) + abs(p[11].y - p[12].y)
                p = max(poses, key=width)
                vis.append([p[LM[k]].visibility for k in ("nose", "ear_l", "ear_r", "shoulder_l", "shoulder_r")])
                Wd, Hd = gt["width"], gt["height"]
                pt = {k: np.array([p[i].x * Wd, p[i].y * Hd]) for k, i in LM.items()}
                sh = (pt["shoulder_l"] + pt["shoulder_r"]) / 2
                ear = (pt["ear_l"] + pt["ear_r"]) / 2
                sw = np.linalg.norm(pt["shoulder_l"] - pt["shoulder_r"])
                neck_ratio = (sh[1] - ear[1]) / max(sw, 1e-6)
                # side view: shoulder->ear angle from vertical, on the side facing the camera
                s_ = "l" if p[LM["ear_l"]].visibility + p[LM["shoulder_l"]].visibility >= p[LM["ear_r"]].visibility + p[LM["shoulder_r"]].visibility else "r"
                d = pt["ear_" + s_] - pt["shoulder_" + s_]
                face_dir = np.sign(pt["nose"][0] - pt["ear_" + s_][0]) or 1.0
                side_ang = float(np.degrees(np.arctan2(face_dir * d[0], -d[1])))
                feats.append((n, float(neck_ratio), side_ang))
                if frames[n]["label"] != "away":
                    for k, i in LM.items():
                        g = frames[n]["subject_px"][k]
                        err[k].append(float(np.hypot(p[i].x * gt["width"] - g[0], p[i].y * gt["height"] - g[1])))
            else:
                vis.append(None)
        n += 1
    cap.release()
    if lm is not None:
        lm.close()
    rep["n_frames_decoded"] = n
    if n != gt["n_frames"]:
        rep["problems"].append(f"decoded {n} frames, json says {gt['n_frames']}")
    if det:
        labels = [f["label"] for f in frames[:len(det)]]
        present = [i for i, l in enumerate(labels) if l != "away"]
        away = [i for i, l in enumerate(labels) if l == "away"]
        rep["det_rate_present"] = round(float(np.mean([det[i] > 0 for i in present])), 4) if present else None
        rep["det_rate_away"] = round(float(np.mean([det[i] > 0 for i in away])), 4) if away else None
        rep["n_away_frames"] = len(away)
        two = [i for i, f in enumerate(frames[:len(det)]) if f["people_in_view"] >= 2]
        if two:
            rep["frames_two_people_gt"] = len(two)
            rep["frames_two_poses_detected_among_them"] = int(sum(det[i] >= 2 for i in two))
        rep["frames_two_poses_detected_total"] = int(sum(d >= 2 for d in det))
        multi = [w for w in which if w[0] >= 2]
        if multi:
            rep["subject_is_pose0_when_two"] = round(float(np.mean([w[1] == 0 for w in multi])), 3)
        rep["frames_subject_missed"] = int(sum(w[2] > 60 for w in which))  # nearest pose far from the subject
        v = np.array([x for i, x in enumerate(vis) if x is not None and labels[i] != "away"])
        if len(v):
            rep["mean_visibility"] = {k: round(float(v[:, j].mean()), 3)
                                      for j, k in enumerate(("nose", "ear_l", "ear_r", "shoulder_l", "shoulder_r"))}
        rep["median_px_error"] = {k: (round(float(np.median(e)), 1) if e else None) for k, e in err.items()}
        # head-turn frames (|yaw| > 20 deg) detection and visibility
        # 2-D features from the landmarks (medians per ground-truth group), to see
        # what a simple analyzer would measure: neck_ratio = (shoulder-mid y - ear-mid y)
        # / shoulder width (front views), side_angle = shoulder->ear angle from vertical
        # on the camera side, + toward the face (side views)
        groups = {}
        for (i, nr, sa) in feats:
            f = frames[i]
            if f["label"] == "away":
                continue
            if f.get("distractor"):  # clips with scripted distractors (looking down, drinking, ...)
                g = "distractor:" + f["distractor"]
            else:
                g = "head_turned" if abs(f["head_yaw_deg"]) > 20 else f["label"]
            groups.setdefault(g, []).append((nr, sa, f["head_forward_deg"]))
        rep["landmark_features"] = {
            g: {"n": len(v), "neck_ratio": round(float(np.median([x[0] for x in v])), 3),
                "side_angle_2d_deg": round(float(np.median([x[1] for x in v])), 1),
                "gt_head_forward_deg": round(float(np.median([x[2] for x in v])), 1)}
            for g, v in groups.items()}
        turn = [i for i, f in enumerate(frames[:len(det)]) if abs(f["head_yaw_deg"]) > 20 and f["label"] != "away"]
        if turn:
            rep["det_rate_head_turned"] = round(float(np.mean([det[i] > 0 for i in turn])), 4)
        dk = sorted(set(f.get("distractor") for f in frames[:len(det)] if f.get("distractor")))
        if dk:
            rep["det_rate_distractor"] = {
                k: round(float(np.mean([det[i] > 0 for i, f in enumerate(frames[:len(det)])
                                        if f.get("distractor") == k and f["label"] != "away"])), 4)
                for k in dk}
    return rep


def make_landmarker_factory(model_path):
    from mediapipe.tasks.python import BaseOptions, vision
    opts = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=model_path),
                                        running_mode=vision.RunningMode.VIDEO, num_poses=2)
    return lambda: vision.PoseLandmarker.create_from_options(opts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clips", nargs="*", help="clip names (default: every NAME.mp4 in --dir)")
    ap.add_argument("--dir", default=HERE)
    ap.add_argument("--model", default=os.path.join(HERE, "..", "models", "pose_landmarker_full.task"))
    ap.add_argument("--no-mediapipe", action="store_true")
    ap.add_argument("--json", help="write the report here")
    a = ap.parse_args(argv)
    paths = [os.path.join(a.dir, c + ".mp4") for c in a.clips] if a.clips else sorted(glob.glob(os.path.join(a.dir, "*.mp4")))
    factory = None if a.no_mediapipe else make_landmarker_factory(a.model)
    reports = []
    bad = 0
    for p in paths:
        r = check_clip(p, factory)
        reports.append(r)
        bad += bool(r["problems"])
        print(json.dumps(r), flush=True)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(reports, fh, indent=1)
    print(f"{len(reports) - bad} ok, {bad} with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
