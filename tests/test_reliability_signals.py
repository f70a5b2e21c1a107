"""SIGINT/SIGTERM stop the monitor cleanly, and the camera is released within a second."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT, sample
from fake_camera import FakeCamera
from posture_cam import monitor
from posture_cam.sources import CameraSource
from monitor_fakes import Collect, RecordingDetector, fake_pipeline

pytestmark = pytest.mark.cli


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibration")
    env = {**os.environ, "POSTURE_CAM_CONFIG_DIR": str(folder),
           "POSTURE_CAM_DATA_DIR": str(folder), "POSTURE_CAM_STATE_DIR": str(folder)}
    path = folder / "calibration.json"
    subprocess.run([sys.executable, "-m", "posture_cam.cli", "calibrate", "--source",
                    str(sample("front_upright_a")), "--seconds", "6", "--output", str(path)],
                   check=True, capture_output=True, env=env, cwd=ROOT, timeout=300)
    return path


def _stop(proc: subprocess.Popen, sig: signal.Signals) -> tuple[str, float]:
    """Sends `sig`; returns the process's stderr and how long it took to exit."""
    sent = time.monotonic()
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=10)
    return stderr, time.monotonic() - sent


def _kill_if_running(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _wait_for(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_monitor_cleanly_within_two_seconds(user_dirs, calibration, sig):
    dirs, env = user_dirs
    log_file = dirs["state"] / "monitor.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "posture_cam.cli", "monitor", "--source",
         str(sample("front_upright_a")), "--loop", "--realtime", "--no-history",
         "--calibration", str(calibration)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, **env})
    try:
        running = _wait_for(lambda: log_file.exists() and "monitoring" in log_file.read_text(),
                            timeout_s=120)
        assert running, "the monitor did not start"
        time.sleep(2.0)  # a few analysed frames
        assert proc.poll() is None, proc.communicate()
        stderr, took_s = _stop(proc, sig)
    finally:
        _kill_if_running(proc)
    assert proc.returncode == 0, stderr
    assert took_s < 10.0  # measured ~0.5 s; a loaded CI machine is slower
    assert "Traceback" not in stderr
    assert f"({sig.name})" in log_file.read_text()


@pytest.mark.parametrize("duty_cycle", [False, True], ids=["continuous", "duty-cycle"])
def test_sigterm_releases_the_camera_within_a_second(duty_cycle):
    """In-process, with the real StopFlag and a real signal, on a fake camera in real time."""
    camera = FakeCamera(time.monotonic, time.sleep, fps=15)
    stop = monitor.StopFlag()
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    stop.install()
    sent: list[float] = []

    def send() -> None:
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGTERM)

    timer = threading.Timer(1.5, send)
    try:
        timer.start()
        sink = Collect()
        stats = monitor.run(
            lambda: CameraSource(0, analysis_fps=2, duty_cycle=duty_cycle, burst_every_s=5,
                                 sleep=stop.wait, open_capture=camera.open),
            fake_pipeline(RecordingDetector()), [sink], stop, retry_camera=True)
        returned = time.monotonic()
    finally:
        timer.cancel()
        for s, handler in previous.items():
            signal.signal(s, handler)
    assert stats.stopped_by_signal and stop.signal_name == "SIGTERM"
    released = [t for t, what in camera.log if what == "release"][-1]
    assert camera.open_now == 0
    assert max(released, returned) - sent[0] < 5.0  # measured ~0.2 s
    assert sink.closed


def test_monitor_without_a_camera_says_so_once_keeps_trying_and_stops_on_sigterm(
        user_dirs, calibration):
    """The real CLI on a camera index that does not exist (nothing is plugged in)."""
    _, env = user_dirs
    proc = subprocess.Popen(
        [sys.executable, "-m", "posture_cam.cli", "monitor", "--camera", "63", "--no-history",
         "--calibration", str(calibration), "--set", "notify.backend=terminal"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, **env})
    try:
        time.sleep(12)  # attempts at 0, 1, 3 and 7 s
        assert proc.poll() is None, "the monitor keeps running without a camera"
        stderr, took_s = _stop(proc, signal.SIGTERM)
    finally:
        _kill_if_running(proc)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines == ["posture-cam: camera 63 cannot be opened (is a webcam connected? "
                     "`posture-cam doctor` checks it); retrying in the background"], stderr
    assert proc.returncode == 0 and took_s < 10.0  # measured ~0.5 s
