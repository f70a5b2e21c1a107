"""Soak: 100,000 frames through the real model and pipeline, memory flat, no crash.

The input is a small looped clip (160x120): an upright person for a tenth of the loop,
an empty room for the rest. MediaPipe costs the same per frame at any size (it scales
to its 224/256-pixel inputs), an empty room skips the landmark model (~8 ms instead of
~19 ms on the reference machine), and two pipelines run side by side in one process
(each with its own PoseLandmarker, as cheap as one on a 2-core machine). That is how
100,000 analysed frames fit in ~10 minutes with the real model in the loop.
Set POSTURE_CAM_SOAK_FRAMES / POSTURE_CAM_SOAK_THREADS to change the run.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import sample

from posture_cam import monitor
from posture_cam.alerts import Alerter
from posture_cam.core.pipeline import build_pipeline
from posture_cam.core.settings import Config
from posture_cam.notify import RecordingNotifier
from posture_cam.output import JsonLinesSink
from posture_cam.wiring import baseline_from_video
from posture_cam.pose import PoseEstimator
from posture_cam.sources import LoopingSource

pytestmark = pytest.mark.model

FRAMES = int(os.environ.get("POSTURE_CAM_SOAK_FRAMES", "100000"))
THREADS = int(os.environ.get("POSTURE_CAM_SOAK_THREADS", "2"))
WARMUP_FRAMES = min(10_000, FRAMES // 10)
SIZE = (160, 120)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def soak_clip(path: Path, person: Path, loop_frames: int = 100) -> Path:
    """A person for the first tenth of the loop, then an empty room with a moving lamp."""
    capture = cv2.VideoCapture(str(person))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, SIZE)
    for i in range(loop_frames):
        ok, image = capture.read() if i < loop_frames // 10 else (False, None)
        if ok:
            image = cv2.resize(image, SIZE, interpolation=cv2.INTER_AREA)
        else:
            image = np.full((SIZE[1], SIZE[0], 3), 80, np.uint8)
            cv2.circle(image, (10 + (i * 3) % (SIZE[0] - 20), 30), 6, (230, 230, 230), -1)
        writer.write(image)
    writer.release()
    capture.release()
    return path


class Counter:
    """A sink shared by the pipelines: counts frames, samples RSS, stops at the end."""

    def __init__(self, total: int, stop: monitor.StopFlag) -> None:
        self.total, self.stop = total, stop
        self.frames = 0
        self.people = 0
        self.rss: list[tuple[int, float]] = []
        self._lock = threading.Lock()

    def handle(self, result) -> None:
        with self._lock:
            self.frames += 1
            self.people += result.sample.person_seen
            if self.frames % 5_000 == 0 or self.frames == WARMUP_FRAMES:
                self.rss.append((self.frames, rss_mb()))
            if self.frames >= self.total:
                self.stop.event.set()

    def close(self) -> None:
        pass


@pytest.mark.slow
def test_100k_frames_through_the_real_pipeline_keep_memory_flat(tmp_path):
    clip = soak_clip(tmp_path / "soak.mp4", sample("front_upright_a"))
    config = Config()
    with PoseEstimator() as estimator:
        baseline = baseline_from_video(sample("front_upright_a"), estimator, config, 6.0)
    stop = monitor.StopFlag()
    counter = Counter(FRAMES, stop)
    errors: list[BaseException] = []

    def one_pipeline() -> None:
        try:
            with PoseEstimator(max_image_width=config.analysis.max_image_width) as estimator, \
                    open(os.devnull, "w") as devnull:
                pipeline = build_pipeline(estimator, baseline, config)
                sinks = [Alerter(RecordingNotifier(), config.notify.min_interval_s),
                         JsonLinesSink(devnull), counter]
                monitor.run(lambda: LoopingSource(clip, analysis_fps=0), pipeline, sinks, stop)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
            stop.event.set()

    started = time.monotonic()
    workers = [threading.Thread(target=one_pipeline) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    minutes = (time.monotonic() - started) / 60

    assert not errors, errors
    assert counter.frames >= FRAMES
    assert 0.05 < counter.people / counter.frames < 0.2, "the person was seen in their tenth"
    warm = next(mb for n, mb in counter.rss if n >= WARMUP_FRAMES)
    end = counter.rss[-1][1]
    print(f"\nsoak: {counter.frames} frames in {minutes:.1f} min with {THREADS} pipelines; "
          f"RSS {warm:.0f} MB after {WARMUP_FRAMES} frames -> {end:.0f} MB at the end; "
          f"samples: {[round(mb) for _, mb in counter.rss]}")
    assert end - warm < 20 and end < warm * 1.10, counter.rss
