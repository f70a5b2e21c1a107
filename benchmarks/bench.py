#!/usr/bin/env python3
"""How much does posture-cam cost? Run by hand (not a test): prints the figures for README.

    python benchmarks/bench.py                               # samples/front_mixed_e.mp4, ~12 min
    python benchmarks/bench.py --clip my.mp4 --minutes 10    # longer monitor run
    python benchmarks/bench.py --only floor,startup          # some sections only
    python benchmarks/bench.py --model lite                  # another pose model (NAME|PATH)
    python benchmarks/bench.py --only models                 # lite vs full vs heavy (~5 min)

Sections (one run, same frames; all but `models` by default):
  models    each bundled pose model that is present (lite, full, heavy): the bare floor
            below, in interleaved rounds, and its ratio to full; RSS of a bare landmarker
            after 100 frames (its own process); peak RSS of `posture-cam replay --model`
            (/usr/bin/time -f %M).
  floor     bare PoseLandmarker.detect_for_video on pre-decoded RGB mp.Images (the floor),
            vs the whole pipeline (decode, colour conversion, pose, analysis, decision:
            Pipeline.step fed by VideoFileSource(analysis_fps=0)), as a ratio; plus where
            the difference goes.
  replay    `posture-cam replay` throughput (analysed frames/s, multiple of real time).
  startup   `posture-cam --help`, and the time to the first analysed frame (`replay --json`).
  monitor   `posture-cam monitor --source CLIP --loop --realtime` at default settings for
            --minutes: CPU (% of one core, /proc/PID/stat utime+stime) and RSS; from its
            log, how many frames the pose model ran on.
  duty      duty-cycle vs continuous capture on a fake webcam that serves a clip through
            CameraSource (tests/fake_camera.py, frames kept as JPEG and decoded on retrieve
            like a USB webcam's MJPEG): CPU in real time, and the detection delay (true slouch
            start -> slouch-start event, and -> alert) on a simulated clock; the clip is a
            loop of upright then slouched cut from the clip's ground-truth segments.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # fake_camera.py

SECTIONS = ("floor", "replay", "startup", "monitor", "duty", "models")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- helpers -------------------------------------------------------------------------------

def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or model
    import cv2
    import mediapipe
    import numpy
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, mediapipe {mediapipe.__version__}, "
            f"OpenCV {cv2.__version__}, numpy {numpy.__version__}; load avg {load:.2f} at start")


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "posture_cam.cli", *map(str, args)]


def private_env(folder: Path) -> dict[str, str]:
    return {**os.environ, "POSTURE_CAM_CONFIG_DIR": str(folder / "config"),
            "POSTURE_CAM_DATA_DIR": str(folder / "data"),
            "POSTURE_CAM_STATE_DIR": str(folder / "state"), "PYTHONUNBUFFERED": "1"}


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime, all threads


def proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    figures: dict[str, object] = field(default_factory=dict)

    def say(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)


# --- floor vs pipeline -----------------------------------------------------------------------

def floor_frames(clip: Path, max_frames: int) -> tuple[list, list, float]:
    """(BGR frames, the same as ready RGB mp.Images shrunk as PoseEstimator does, fps)."""
    import cv2
    import mediapipe as mp

    from posture_cam.core.settings import Config
    from posture_cam.sources import VideoFileSource

    width_limit = Config().analysis.max_image_width
    with VideoFileSource(clip, analysis_fps=0) as source:
        bgr = [frame.image for _, frame in zip(range(max_frames), source.frames())]
    rgb_images = []
    for image in bgr:
        if image.shape[1] > width_limit:
            scale = width_limit / image.shape[1]
            image = cv2.resize(image, (width_limit, round(image.shape[0] * scale)),
                               interpolation=cv2.INTER_AREA)
        rgb_images.append(mp.Image(image_format=mp.ImageFormat.SRGB,
                                   data=cv2.cvtColor(image, cv2.COLOR_BGR2RGB)))
    return bgr, rgb_images, VideoFileSource(clip, 0).fps


def landmarker_options(model: Path):  # noqa: ANN201 - PoseLandmarkerOptions
    """The same options PoseEstimator's tracker uses (pose.py)."""
    from mediapipe.tasks.python import BaseOptions, vision

    return vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=vision.RunningMode.VIDEO, num_poses=1,
        min_pose_detection_confidence=0.5, min_pose_presence_confidence=0.5,
        min_tracking_confidence=0.5)


def floor_run(options, rgb_images: list, fps: float) -> tuple[float, float]:  # noqa: ANN001
    """(wall s, process CPU s) of one bare detect_for_video pass over the frames."""
    from mediapipe.tasks.python import vision

    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        landmarker.detect_for_video(rgb_images[0], 0)  # graph warm-up, not timed
        wall, cpu = time.perf_counter(), time.process_time()
        for i, image in enumerate(rgb_images):
            landmarker.detect_for_video(image, int(1000 + i * 1000 / fps))
        return time.perf_counter() - wall, time.process_time() - cpu


def bench_floor(report: Report, clip: Path, calibration: Path, max_frames: int,
                rounds: int, model: Path) -> None:
    import mediapipe as mp

    from posture_cam.storage import load_baseline
    from posture_cam.core.pipeline import build_pipeline
    from posture_cam.core.settings import config_from_mapping
    from posture_cam.core.stillness import changed_share, thumbnail
    from posture_cam.pose import PoseEstimator
    from posture_cam.sources import VideoFileSource

    # Per *analysed* frame: the still-picture gate (core/stillness.py) would otherwise skip
    # the model on most of these consecutive frames; its own cost is measured below.
    config = config_from_mapping({"analysis": {"reuse_still_s": 0}})
    width_limit = config.analysis.max_image_width
    bgr, rgb_images, fps = floor_frames(clip, max_frames)
    n = len(rgb_images)
    baseline = load_baseline(calibration)
    options = landmarker_options(model)

    def pipeline_run() -> tuple[float, float]:
        with PoseEstimator(model, max_image_width=width_limit) as estimator:
            estimator.detect(bgr[0], -1.0)  # graph warm-up, not timed
            pipeline = build_pipeline(estimator, baseline, config)
            wall, cpu = time.perf_counter(), time.process_time()
            with VideoFileSource(clip, analysis_fps=0) as source:
                for _, frame in zip(range(n), source.frames()):
                    pipeline.step(frame)
            return time.perf_counter() - wall, time.process_time() - cpu

    floor_wall, floor_cpu, pipe_wall, pipe_cpu = [], [], [], []
    for _ in range(rounds):  # interleaved, so that a noisy neighbour hits both alike
        w, c = floor_run(options, rgb_images, fps)
        floor_wall.append(w / n * 1e3)
        floor_cpu.append(c / n * 1e3)
        w, c = pipeline_run()
        pipe_wall.append(w / n * 1e3)
        pipe_cpu.append(c / n * 1e3)

    # Where the difference goes: each stage outside the model, alone (CPU time per frame).
    with PoseEstimator(model, max_image_width=width_limit) as estimator:
        cpu = time.process_time()
        with VideoFileSource(clip, analysis_fps=0) as source:
            for _, _frame in zip(range(n), source.frames()):
                pass
        decode_ms = (time.process_time() - cpu) / n * 1e3
        cpu = time.process_time()
        for image in bgr:
            mp.Image(image_format=mp.ImageFormat.SRGB, data=estimator._prepare(image))
        prepare_ms = (time.process_time() - cpu) / n * 1e3
        pose_frames = [estimator.detect(image, i / fps) for i, image in enumerate(bgr)]
        pipeline = build_pipeline(estimator, baseline, config)
        cpu = time.process_time()
        for pose_frame in pose_frames:
            pipeline.step_pose(pose_frame)
        after_ms = (time.process_time() - cpu) / n * 1e3
        cpu = time.process_time()
        reference = thumbnail(bgr[0])
        everything = (slice(None), slice(None))
        for image in bgr:
            changed_share(reference, thumbnail(image), everything)
        gate_ms = (time.process_time() - cpu) / n * 1e3

    # On a shared machine noise only ever adds time: the best round is the best estimate.
    floor_ms, pipe_ms = min(floor_cpu), min(pipe_cpu)
    report.figures["floor"] = {
        "frames": n, "rounds": rounds, "floor_cpu_ms": floor_ms, "pipeline_cpu_ms": pipe_ms,
        "floor_wall_ms": min(floor_wall), "pipeline_wall_ms": min(pipe_wall),
        "ratio_cpu": pipe_ms / floor_ms, "ratio_wall": min(pipe_wall) / min(floor_wall),
        "decode_ms": decode_ms, "prepare_ms": prepare_ms, "analysis_decision_ms": after_ms,
        "still_gate_ms": gate_ms}
    report.say(f"[floor] {n} frames of {clip.name} ({bgr[0].shape[1]}x{bgr[0].shape[0]}), "
               f"{model.name}, best of {rounds} interleaved rounds (CPU ms/frame; wall in "
               "brackets)")
    report.say(f"  bare detect_for_video   {floor_ms:6.2f} ({min(floor_wall):.2f})   rounds: "
               + ", ".join(f"{c:.1f} ({w:.1f})" for c, w in zip(floor_cpu, floor_wall)))
    report.say(f"  whole pipeline (step)   {pipe_ms:6.2f} ({min(pipe_wall):.2f})   rounds: "
               + ", ".join(f"{c:.1f} ({w:.1f})" for c, w in zip(pipe_cpu, pipe_wall)))
    report.say(f"  ratio pipeline/floor    {pipe_ms / floor_ms:6.3f} "
               f"({min(pipe_wall) / min(floor_wall):.3f})")
    report.say(f"  outside the model, CPU ms/frame: decode {decode_ms:.2f}, resize + BGR->RGB + "
               f"mp.Image {prepare_ms:.2f}, analysis + decision {after_ms:.2f}; the "
               f"still-picture check (every frame, off in the runs above) {gate_ms:.3f}")


# --- replay and start-up ---------------------------------------------------------------------

def timed_replay(clip: Path, calibration: Path, env: dict[str, str], model: Path,
                 *extra: str) -> tuple[float, float, int]:
    """(seconds to the first JSON line, total seconds, analysed frames) of `replay --json`."""
    start = time.perf_counter()
    proc = subprocess.Popen(cli("replay", clip, "--calibration", calibration, "--json",
                                "--model", model, *extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    assert proc.stdout is not None
    first = None
    frames = 0
    for line in proc.stdout:
        if first is None:
            first = time.perf_counter() - start
        frames += line.startswith('{"type": "frame"')
    stderr = proc.stderr.read() if proc.stderr else ""
    proc.wait()
    if proc.returncode != 0:
        raise SystemExit(f"replay failed with exit status {proc.returncode}: {stderr.strip()}")
    return first or float("nan"), time.perf_counter() - start, frames


def bench_replay(report: Report, clip: Path, calibration: Path, env: dict[str, str],
                 duration_s: float, model: Path) -> None:
    for label, extra in (("default (analysis.fps = 2)", ()),
                         ("every frame", ("--set", "analysis.fps=30"))):
        runs = [timed_replay(clip, calibration, env, model, *extra) for _ in range(2)]
        first, total, frames = min(runs, key=lambda r: r[1])
        steady = frames / max(1e-9, total - first)
        report.figures[f"replay {label}"] = dict(frames=frames, total_s=total, first_s=first,
                                                 steady_fps=steady)
        report.say(f"[replay] {label}: {frames} frames of a {duration_s:.0f}-s clip in "
                   f"{total:.2f} s = {duration_s / total:.0f}x real time "
                   f"(after start-up: {steady:.0f} frames/s, "
                   f"{duration_s * steady / max(frames, 1):.0f}x real time)")


def bench_startup(report: Report, clip: Path, calibration: Path, env: dict[str, str],
                  model: Path) -> None:
    helps = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run(cli("--help"), capture_output=True, env=env, check=True)
        helps.append(time.perf_counter() - t)
    firsts = [timed_replay(clip, calibration, env, model)[0] for _ in range(3)]
    report.figures["startup"] = dict(help_s=median(helps), first_frame_s=median(firsts))
    report.say(f"[startup] `posture-cam --help` {median(helps) * 1e3:.0f} ms; "
               f"first analysed frame of `replay --json` after {median(firsts):.2f} s "
               f"(median of 3: {', '.join(f'{v:.2f}' for v in firsts)})")


# --- monitor CPU and memory ------------------------------------------------------------------

def bench_monitor(report: Report, clip: Path, calibration: Path, env: dict[str, str],
                  minutes: float, model: Path, warmup_s: float = 20.0) -> None:
    proc = subprocess.Popen(cli("monitor", "--source", clip, "--loop", "--realtime",
                                "--no-history", "--calibration", calibration,
                                "--model", model),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    samples: list[tuple[float, float, float]] = []  # (wall, cpu, rss)
    try:
        started = time.monotonic()
        while time.monotonic() - started < warmup_s + minutes * 60:
            time.sleep(5)
            if proc.poll() is not None:
                raise SystemExit(f"monitor exited early with status {proc.returncode}")
            samples.append((time.monotonic() - started, proc_cpu_s(proc.pid),
                            proc_rss_mb(proc.pid)))
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    # the monitor's log file ends with how much the model did (monitor_command.model_runs)
    stopped = [line for path in Path(env["POSTURE_CAM_STATE_DIR"]).glob("monitor.log*")
               for line in path.read_text().splitlines() if "stopped after" in line]
    steady = [s for s in samples if s[0] >= warmup_s]
    (w0, c0, r0), (w1, c1, r1) = steady[0], steady[-1]
    cpu_pct = 100 * (c1 - c0) / (w1 - w0)
    per_window = [100 * (b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(steady, steady[1:])]
    rss = [s[2] for s in steady]
    report.figures["monitor"] = dict(minutes=(w1 - w0) / 60, cpu_pct=cpu_pct,
                                     rss_start_mb=r0, rss_end_mb=r1, rss_max_mb=max(rss),
                                     exit_status=code)
    report.say(f"[monitor] default settings, {(w1 - w0) / 60:.1f} min after a {warmup_s:.0f}-s "
               f"warm-up: CPU {cpu_pct:.1f}% of one core (5-s windows: "
               f"{min(per_window):.1f}..{max(per_window):.1f}%); RSS {r0:.0f} -> {r1:.0f} MB "
               f"(max {max(rss):.0f}); exit status after SIGTERM {code}")
    if stopped:  # "stopped after N analysed frames; pose model runs M, ..."
        report.say("  whole run: " + stopped[-1].split("stopped after ", 1)[1])


# --- duty cycle vs continuous ----------------------------------------------------------------

def long_slouch_clip(clip: Path, out: Path, upright_s: float = 60.0,
                     slouched_s: float = 73.0) -> tuple[Path, float, float]:
    """A loop of `upright_s` sitting upright, then `slouched_s` slouched, cut from `clip`.

    Desk slouches last minutes, longer than the sample clips' 12-15 s ones (which alert
    in no mode: an alert needs 45 s). Uses the clip's first upright and first slouched
    segments from its ground truth, played back and forth. The loop (133 s) is not a
    multiple of the burst interval, so the bursts meet the slouch at varying phases.
    Returns (path, start, end) of the slouch within the loop.
    """
    import cv2

    segments = json.loads(clip.with_suffix(".json").read_text())["segments"]
    upright = next(s for s in segments if s["label"] == "upright")
    slouched = next(s for s in segments if s["label"] == "slouched")
    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()

    def back_and_forth(start_s: float, end_s: float, seconds: float) -> list:
        # Skip the first and last second of a segment: the posture is still changing there.
        part = frames[int((start_s + 1) * fps): int((end_s - 1) * fps)]
        cycle = part + part[::-1]
        return [cycle[i % len(cycle)] for i in range(int(seconds * fps))]

    sequence = (back_and_forth(upright["start_s"], upright["end_s"], upright_s)
                + back_and_forth(slouched["start_s"], slouched["end_s"], slouched_s))
    height, width = sequence[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for image in sequence:
        writer.write(image)
    writer.release()
    return out, upright_s, upright_s + slouched_s


class _Announcements:
    """A sink: analysed frame times, and when slouch starts and alerts are *announced*
    (the slouch-start event itself is stamped with the onset, seconds earlier)."""

    def __init__(self) -> None:
        self.frame_t: list[float] = []
        self.slouch_t: list[float] = []
        self.alert_t: list[float] = []

    def handle(self, result) -> None:  # noqa: ANN001
        from posture_cam.core.events import EventKind

        self.frame_t.append(result.sample.t_s)
        kinds = {e.kind for e in result.events}
        if EventKind.SLOUCH_START in kinds:
            self.slouch_t.append(result.sample.t_s)
        if EventKind.ALERT in kinds:
            self.alert_t.append(result.sample.t_s)

    def close(self) -> None:
        pass


def _camera_run(clip: Path, calibration: Path, duty_cycle: bool, seconds: float,
                simulated: bool, model: Path):
    """The real pipeline on a fake webcam showing `clip`, through CameraSource and
    monitor.run; in real time, or on a simulated clock (same frames, no waiting)."""
    from fake_camera import FakeCamera, FakeClock, StopAt, VideoScene
    from posture_cam import monitor
    from posture_cam.storage import load_baseline
    from posture_cam.core.pipeline import build_pipeline
    from posture_cam.core.settings import Config
    from posture_cam.pose import PoseEstimator
    from posture_cam.sources import CameraSource

    config = Config()
    if simulated:
        clock = FakeClock(0.0)
        sleep, stop = clock.sleep, StopAt(clock, seconds)
    else:
        clock, sleep, stop = time.monotonic, time.sleep, monitor.StopFlag()
    camera = FakeCamera(clock, sleep, fps=config.camera.fps, scene=VideoScene(clip))
    events = _Announcements()
    timer = None if simulated else threading.Timer(seconds, stop.event.set)
    with PoseEstimator(model, max_image_width=config.analysis.max_image_width) as estimator:
        pipeline = build_pipeline(estimator, load_baseline(calibration), config)
        open_source = functools.partial(
            CameraSource, config.camera.index, config.camera.width, config.camera.height,
            config.camera.fps, config.analysis.fps, duty_cycle=duty_cycle,
            burst_every_s=config.camera.burst_every_s, clock=clock, sleep=stop.wait,
            open_capture=camera.open)
        wall, cpu = time.monotonic(), time.process_time()
        if timer:
            timer.start()
        monitor.run(open_source, pipeline, [events], stop, retry_camera=True, clock=clock)
        wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    if timer:
        timer.cancel()
    return camera, events, wall, cpu


def _delays(announced: list[float], starts: list[float], window_s: float) -> list[float]:
    delays = []
    for start in starts:
        hits = [t for t in announced if start <= t < start + window_s]
        if hits:
            delays.append(hits[0] - start)
    return delays


def bench_duty(report: Report, clip: Path, calibration: Path, minutes: float,
               tmp: Path, model: Path) -> None:
    from posture_cam.core.settings import Config

    config = Config()
    loop_clip, slouch_from, slouch_to = long_slouch_clip(clip, tmp / "long_slouch.mp4")
    loop_s = slouch_to
    report.say(f"[duty] fake webcam at {config.camera.fps:g} fps showing a {loop_s:.0f}-s loop "
               f"cut from {clip.name}: upright, then slouched from {slouch_from:.0f} s; "
               f"analysis {config.analysis.fps:g} fps, bursts every "
               f"{config.camera.burst_every_s:g} s")
    for duty_cycle in (False, True):
        label = "duty cycle" if duty_cycle else "continuous"
        camera, events, wall, cpu = _camera_run(loop_clip, calibration, duty_cycle,
                                                minutes * 60, simulated=False, model=model)
        intervals = [b - a for a, b in zip(events.frame_t, events.frame_t[1:])]
        # Detection delay does not depend on waiting, only on which frames are analysed:
        # 20 loops on a simulated clock give a fair mean over the burst phases.
        _, sim, _, _ = _camera_run(loop_clip, calibration, duty_cycle, 20 * loop_s,
                                   simulated=True, model=model)
        starts = [k * loop_s + slouch_from for k in range(20)]
        slouch = _delays(sim.slouch_t, starts, slouch_to - slouch_from)
        alert = _delays(sim.alert_t, starts, slouch_to - slouch_from)
        report.figures[f"duty {label}"] = {
            "cpu_pct": 100 * cpu / wall, "minutes": wall / 60, "frames": len(events.frame_t),
            "mean_interval_s": statistics.fmean(intervals),
            "camera_open_pct": 100 * camera_open_s(camera) / wall,
            "slouches": len(starts), "slouch_detected": len(slouch),
            "slouch_delay_mean_s": statistics.fmean(slouch) if slouch else None,
            "slouch_delay_max_s": max(slouch) if slouch else None,
            "alerted": len(alert), "alert_delay_mean_s": statistics.fmean(alert) if alert else None}
        report.say(f"  {label:10s} CPU {100 * cpu / wall:4.1f}% of one core over "
                   f"{wall / 60:.1f} min; a frame every {statistics.fmean(intervals):.1f} s; "
                   f"camera open {100 * camera_open_s(camera) / wall:.0f}% of the time")
        report.say(f"  {'':10s} slouch noticed in {len(slouch)}/{len(starts)} loops, "
                   + (f"{statistics.fmean(slouch):.1f} s after it began (max {max(slouch):.1f})"
                      if slouch else "never")
                   + "; alerted " + (f"{statistics.fmean(alert):.1f} s after it began "
                                     f"(max {max(alert):.1f}; {len(alert)} alerts, the "
                                     f"{config.slouch.cooldown_s / 60:g}-min cool-down "
                                     "allowing one every few loops)" if alert else "never"))


def camera_open_s(camera) -> float:  # noqa: ANN001
    total, opened_at = 0.0, None
    for t, what in camera.log:
        if what in ("open", "busy"):
            opened_at = t
        elif what == "release" and opened_at is not None:
            total += t - opened_at
            opened_at = None
    return total + (camera.clock() - opened_at if opened_at is not None else 0.0)


# --- model variants --------------------------------------------------------------------------

# Run in a process of its own, so its RSS is the landmarker's alone: argv = model, clip, frames.
_BARE_RSS = """
import sys, cv2, mediapipe as mp
from mediapipe.tasks.python import BaseOptions, vision
options = vision.PoseLandmarkerOptions(
    base_options=BaseOptions(model_asset_path=sys.argv[1]),
    running_mode=vision.RunningMode.VIDEO, num_poses=1)
capture = cv2.VideoCapture(sys.argv[2])
with vision.PoseLandmarker.create_from_options(options) as landmarker:
    for i in range(int(sys.argv[3])):
        ok, bgr = capture.read()
        if not ok:
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, bgr = capture.read()
        image = mp.Image(image_format=mp.ImageFormat.SRGB,
                         data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        landmarker.detect_for_video(image, i * 33)
    status = open("/proc/self/status").read().splitlines()
    print(*(int(l.split()[1]) for l in status if l.startswith(("VmRSS:", "VmHWM:"))))
"""


def peak_rss_mb(command: list[str], env: dict[str, str]) -> float:
    """Peak RSS of a command, by /usr/bin/time -f %M. Not wait4's ru_maxrss of our own
    child: Linux counts the RSS of the forked copy of this (large) process before exec."""
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name, *command],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT,
                       check=True)
        return int(out.read().split()[-1]) / 1024


def bench_models(report: Report, clip: Path, calibration: Path, env: dict[str, str],
                 max_frames: int, rounds: int) -> None:
    from posture_cam.core.settings import MODEL_VARIANTS
    from posture_cam.pose import bundled_model_path

    models = {v: bundled_model_path(v) for v in MODEL_VARIANTS if bundled_model_path(v).exists()}
    _, rgb_images, fps = floor_frames(clip, max_frames)
    n = len(rgb_images)
    options = {v: landmarker_options(path) for v, path in models.items()}
    cpu_ms: dict[str, list[float]] = {v: [] for v in models}
    for _ in range(rounds):  # interleaved, so that a noisy neighbour hits each alike
        for variant in models:
            cpu_ms[variant].append(floor_run(options[variant], rgb_images, fps)[1] / n * 1e3)
    best = {v: min(c) for v, c in cpu_ms.items()}
    report.say(f"[models] bare detect_for_video on {n} frames of {clip.name}, best of {rounds} "
               "interleaved rounds; RSS of a bare landmarker after 100 frames; peak RSS of "
               "`replay` (default settings)")
    for variant, path in models.items():
        rss_kb, hwm_kb = map(int, subprocess.run(
            [sys.executable, "-c", _BARE_RSS, str(path), str(clip), "100"], env=env,
            capture_output=True, text=True, check=True).stdout.split())
        replay_mb = min(peak_rss_mb(cli("replay", clip, "--calibration", calibration,
                                        "--model", path, "--json"), env) for _ in range(2))
        ratio = best[variant] / best["full"] if "full" in best else float("nan")
        report.figures[f"model {variant}"] = {
            "file": path.name, "bytes": path.stat().st_size, "frames": n, "rounds": rounds,
            "floor_cpu_ms": best[variant], "ratio_to_full": ratio,
            "bare_rss_mb": rss_kb / 1024, "bare_peak_rss_mb": hwm_kb / 1024,
            "replay_peak_rss_mb": replay_mb}
        report.say(f"  {variant:5s} {best[variant]:6.2f} ms CPU ({ratio:.2f}x full)   rounds: "
                   + ", ".join(f"{c:.1f}" for c in cpu_ms[variant])
                   + f"; bare RSS {rss_kb / 1024:.0f} MB (peak {hwm_kb / 1024:.0f}); "
                   f"replay peak RSS {replay_mb:.0f} MB")


# --- main ------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", type=Path, default=ROOT / "samples" / "front_mixed_e.mp4")
    parser.add_argument("--calibration", type=Path,
                        help="baseline file (default: calibrate on the clip's first 6 s)")
    parser.add_argument("--minutes", type=float, default=3.0, help="monitor run (default: 3)")
    parser.add_argument("--duty-minutes", type=float, default=2.0,
                        help="each of the duty-cycle and continuous runs (default: 2)")
    parser.add_argument("--frames", type=int, default=400, help="frames for the floor (400)")
    parser.add_argument("--rounds", type=int, default=5, help="floor/pipeline rounds (5)")
    parser.add_argument("--only", default=",".join(s for s in SECTIONS if s != "models"),
                        help=f"comma-separated sections: {','.join(SECTIONS)}")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--model", default="", metavar="NAME|PATH",
                        help="pose model for every section but `models`: lite, full, heavy or "
                             "a .task file (default: full)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if not args.clip.exists():
        parser.error(f"{args.clip} does not exist (render the samples or pass --clip)")

    from posture_cam.pose import resolve_model

    model = resolve_model(args.model).resolve()
    report = Report()
    report.say(f"posture-cam benchmark, {time.strftime('%Y-%m-%d %H:%M')}")
    report.say(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="posture-cam-bench-") as tmp:
        env = private_env(Path(tmp))
        calibration = args.calibration or Path(tmp) / "calibration.json"
        if not args.calibration:
            subprocess.run(cli("calibrate", "--source", args.clip, "--seconds", "6",
                               "--output", calibration, "--model", model),
                           check=True, capture_output=True,
                           env=env, cwd=ROOT)
        from posture_cam.sources import VideoFileSource

        with VideoFileSource(args.clip) as source:
            duration_s = source.duration_s
            report.say(f"clip: {args.clip.name}, {source.width}x{source.height}, "
                       f"{source.fps:g} fps, {duration_s:.0f} s")
        if "floor" in only:
            bench_floor(report, args.clip, calibration, args.frames, args.rounds, model)
        if "replay" in only:
            bench_replay(report, args.clip, calibration, env, duration_s, model)
        if "startup" in only:
            bench_startup(report, args.clip, calibration, env, model)
        if "monitor" in only:
            bench_monitor(report, args.clip, calibration, env, args.minutes, model)
        if "duty" in only:
            bench_duty(report, args.clip, calibration, args.duty_minutes, Path(tmp), model)
        if "models" in only:
            bench_models(report, args.clip, calibration, env, args.frames, args.rounds)
    if args.json:
        args.json.write_text(json.dumps(report.figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
