"""Pausing the monitor: who else has the camera (/proc), the pause gate, and the loop.

The /proc scan runs on a real file held open by a real second process. The loop runs on
the fake webcam (tests/fake_camera.py) and a simulated clock, with the real pipeline after
the model and a real HistoryRecorder on a MemoryStore, so minutes of pause replay in
milliseconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fake_camera import FakeCamera, FakeClock, StopAt
from monitor_fakes import Collect, RecordingDetector, fake_pipeline
from posture_cam import monitor
from posture_cam.camera_users import CameraUser, CameraUserWatch, camera_users, device_path
from posture_cam.core.decision import State
from posture_cam.core.history_store import MemoryStore
from posture_cam.core.pauses import Pause, winning_pause
from posture_cam.history import HistoryRecorder
from posture_cam.live import PAUSED, LiveStatus
from posture_cam.pause_gate import PauseGate
from posture_cam.sources import CameraSource

pytestmark = pytest.mark.unit

CALL = Pause("camera in use by zoom", away=False)
LOCKED = Pause("screen locked", away=True)


class Holder:
    """A second process that keeps `path` open until it is closed."""

    def __init__(self, path: Path) -> None:
        code = ("import sys; f = open(sys.argv[1], 'rb'); print('open', flush=True); "
                "sys.stdin.read()")
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", code, str(path)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "open"

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


@pytest.fixture
def device(tmp_path):
    path = tmp_path / "video7"
    path.write_bytes(b"")
    return path


# --- the /proc scan ------------------------------------------------------------------------

def test_a_second_process_holding_the_device_open_is_found_with_its_name(device):
    holder = Holder(device)
    try:
        users = camera_users(device)
        assert [u.pid for u in users] == [holder.proc.pid]
        assert users[0].name.startswith("python")
    finally:
        holder.close()
    assert camera_users(device) == []


def test_our_own_open_of_the_device_is_not_another_app(device):
    with open(device, "rb"):
        assert camera_users(device) == []
        assert [u.pid for u in camera_users(device, own_pid=-1)] == [os.getpid()]


def test_a_device_named_through_a_symlink_is_found(device, tmp_path):
    link = tmp_path / "by-id-camera"
    link.symlink_to(device)
    holder = Holder(device)
    try:
        assert [u.pid for u in camera_users(link)] == [holder.proc.pid]
    finally:
        holder.close()


def test_proc_entries_that_cannot_be_read_are_skipped(tmp_path, device):
    proc = tmp_path / "proc"
    (proc / "100").mkdir(parents=True)  # no fd folder (a process that just ended)
    (proc / "101").mkdir()
    (proc / "101" / "fd").write_text("")  # not a folder at all
    (proc / "102" / "fd").mkdir(parents=True)
    (proc / "102" / "fd" / "3").symlink_to(device)
    (proc / "102" / "comm").write_text("zoom\n")
    (proc / "self").mkdir()
    assert camera_users(device, proc=proc) == [CameraUser(102, "zoom")]


def test_camera_index_n_is_dev_video_n_unless_a_device_is_set():
    assert device_path(2) == Path("/dev/video2")
    assert device_path(2, "/tmp/cam") == Path("/tmp/cam")


def test_the_watch_pauses_the_gate_while_another_process_holds_the_device(device):
    gate = PauseGate()
    watch = CameraUserWatch(device, gate)
    assert watch.check() is None and gate.reason() is None
    holder = Holder(device)
    try:
        pause = watch.check()
        assert pause is not None and not pause.away
        assert pause.why.startswith("camera in use by python")
        assert gate.reason() == pause
    finally:
        holder.close()
    assert watch.check() is None and gate.reason() is None


# --- the gate ------------------------------------------------------------------------------

def test_an_away_reason_wins_over_a_call_and_clearing_it_leaves_the_call():
    assert winning_pause([]) is None
    assert winning_pause([CALL, LOCKED]) == LOCKED
    gate = PauseGate()
    gate.set("camera", CALL)
    gate.set("locked", LOCKED)
    assert gate.reason() == LOCKED
    gate.set("locked", None)
    assert gate.reason() == CALL
    gate.set("camera", None)
    gate.set("camera", None)  # clearing twice is harmless
    assert gate.reason() is None


# --- the loop ------------------------------------------------------------------------------

class TimedGate(PauseGate):
    """A gate whose reasons come and go at set clock times (what the watchers would do)."""

    def __init__(self, clock: FakeClock, windows: list[tuple[float, float, Pause]],
                 busy_camera_pauses: bool = False) -> None:
        super().__init__(busy_camera_pauses)
        self.clock, self.windows = clock, windows

    def reason(self):
        now = self.clock()
        return winning_pause(p for start, end, p in self.windows if start <= now < end)


def run_paused(clock, camera, gate, seconds, sinks):
    stop = StopAt(clock, clock() + seconds)
    detector = RecordingDetector()

    def open_source():
        return CameraSource(0, analysis_fps=2.0, clock=clock, sleep=stop.wait,
                            open_capture=camera.open)

    stats = monitor.run(open_source, fake_pipeline(detector), sinks, stop, retry_camera=True,
                        clock=clock, gate=gate)
    return stats, detector


def test_a_call_releases_the_camera_and_its_time_is_paused_not_present_nor_away(caplog):
    clock = FakeClock(t_s=0.0)
    camera = FakeCamera(clock)
    gate = TimedGate(clock, [(60.0, 150.0, CALL)])
    store, collect = MemoryStore(), Collect()
    recorder = HistoryRecorder(None, 1_000_020.0, store=store)  # frame 0 = epoch 1000020
    caplog.set_level("INFO", logger="posture_cam.monitor")
    stats, detector = run_paused(clock, camera, gate, 240, [collect, recorder])

    assert not [t for t in detector.seen_t if 60.5 < t < 150.0]  # nothing analysed
    released = [t for t, what in camera.log if what == "release"]
    opened = [t for t, what in camera.log if what == "open"]
    assert released[0] == pytest.approx(60.0, abs=0.6) and opened[1] == pytest.approx(150, abs=1.1)
    assert stats.pauses == 1 and stats.camera_faults == 0
    assert not [r for r in collect.results if 61 < r.sample.t_s < 150]  # no "away" frames
    said = [r.getMessage() for r in caplog.records if r.name == "posture_cam.monitor"]
    assert said == ["paused: camera in use by zoom; the camera is closed",
                    "camera in use by zoom is over; reopening the camera"]

    paused = store.spans(0, 2e6, "paused")
    assert len(paused) == 1
    assert paused[0].start_s - 1_000_020 == pytest.approx(60, abs=0.6)
    assert paused[0].end_s - 1_000_020 == pytest.approx(150, abs=1.1)
    # epoch 1000020 is a minute boundary: minute 60-120 s is wholly paused, so it has no
    # row at all (neither present nor away); minute 120-180 s is half paused
    minutes = {m.minute * 60 - 1_000_020: m.present_s for m in store.minutes(0, 2e6)}
    assert minutes == pytest.approx({0: 60, 120: 30, 180: 60}, abs=0.2)


def test_a_locked_screen_closes_the_camera_and_counts_as_away():
    clock = FakeClock(t_s=0.0)
    camera = FakeCamera(clock)
    gate = TimedGate(clock, [(30.0, 600.0, LOCKED)])
    store, collect = MemoryStore(), Collect()
    recorder = HistoryRecorder(None, 1_000_020.0, store=store)
    live = LiveStatus(None)
    shown: list[tuple[str, str]] = []
    live.subscribe(lambda s: shown.append((s.state, s.detail)))
    run_paused(clock, camera, gate, 660, [collect, recorder, live])

    assert camera.open_attempts == 2  # closed while locked, reopened after
    during = [r for r in collect.results if 100 < r.sample.t_s < 600]
    assert during and all(r.state is State.AWAY for r in during)
    assert (PAUSED, "screen locked") in shown
    assert shown[-1] == ("upright", "")
    assert store.spans(0, 2e6, "paused") == []
    minutes = {m.minute * 60 - 1_000_020: m.present_s for m in store.minutes(0, 2e6)}
    assert minutes == pytest.approx({0: 30, **{t: 0 for t in range(60, 600, 60)}, 600: 60},
                                    abs=0.2)  # the locked minutes are there, as away
    breaks = [e for e in store.events(0, 2e6) if e.kind == "break_taken"]
    assert len(breaks) == 1 and breaks[0].duration_s > 9 * 60  # a long lock is a break


def test_without_proc_a_busy_camera_is_a_quiet_pause_retried_until_it_is_free(caplog):
    clock = FakeClock(t_s=0.0)
    camera = FakeCamera(clock)
    camera.busy_for(opens=3)
    live = LiveStatus(None)
    shown: list[tuple[str, str]] = []
    live.subscribe(lambda s: shown.append((s.state, s.detail)))
    store = MemoryStore()
    recorder = HistoryRecorder(None, 1_000_020.0, store=store)
    stats, detector = run_paused(clock, camera, PauseGate(busy_camera_pauses=True), 40,
                                 [recorder, live])
    assert stats.camera_faults == 0 and stats.pauses == 3
    assert ("camera problem" not in [state for state, _ in shown])
    assert (PAUSED, "camera in use by another application") in shown
    assert min(detector.seen_t) == pytest.approx(7, abs=0.6)  # after 1 + 2 + 4 s
    assert len(store.spans(0, 2e6, "paused")) >= 1


# --- what the user sees ----------------------------------------------------------------------

def test_the_status_says_paused_and_why_and_the_tooltip_follows(tmp_path):
    from datetime import datetime

    from posture_cam.live import LiveState, read_live_state
    from posture_cam.tray import tooltip

    path = tmp_path / "status.json"
    live = LiveStatus(path, snoozed=lambda: True)
    live.camera_fault("camera 0 is busy")
    live.paused(CALL, 5.0)
    assert (read_live_state(path).state, read_live_state(path).detail) == (
        PAUSED, "camera in use by zoom")  # the pause's reason wins over snooze and fault
    live.paused(None, 9.0)
    assert read_live_state(path).state == "camera problem"

    since = datetime(2026, 12, 1, 10, 42).timestamp()
    assert tooltip(LiveState(1, PAUSED, since, "camera in use by zoom")) == (
        "posture-cam: paused since 10:42: camera in use by zoom")
    assert tooltip(LiveState(1, PAUSED, since, "upright")) == (  # a snooze: posture unsaid
        "posture-cam: paused since 10:42")


def test_a_slouch_in_progress_ends_when_a_call_closes_the_camera_and_does_not_alert_after():
    from test_decision import CONFIG, kinds, run, timeline

    from posture_cam.core.decision import SlouchDetector
    from posture_cam.core.events import EventKind

    detector = SlouchDetector(CONFIG)
    before = run(detector, timeline(0, 10) + timeline(10, 20, head=20))
    assert kinds(before) == [EventKind.SLOUCH_START]  # 10 s slouched; alert after 30 s
    resumed = detector.resume(20.0, 600.0)  # a call from 20 s to 600 s
    assert kinds(resumed) == [EventKind.SLOUCH_END] and resumed[0].t_s == 20.0
    after = run(detector, timeline(600, 640, head=20))
    assert kinds(after) == [EventKind.SLOUCH_START, EventKind.ALERT]
    assert after[0].t_s == pytest.approx(600) and after[1].t_s == pytest.approx(630)
