"""Camera faults through the real monitor loop and CameraSource, with a fake webcam.

The camera fails on cue (tests/fake_camera.py) on a simulated clock, so minutes of
outage and back-off replay in milliseconds. Documented behaviour: the monitor keeps
running, says what happened once, retries after 1, 2, 4 ... s and resumes by itself;
black frames never reach the model; the camera is released when the monitor stops.
"""

from __future__ import annotations

import logging

import pytest

from fake_camera import FakeCamera, FakeClock, StopAt
from monitor_fakes import Collect, RecordingDetector, fake_pipeline
from posture_cam import monitor
from posture_cam.core.camera_health import Picture
from posture_cam.sources import CameraSource

pytestmark = pytest.mark.unit


def run_monitor(camera: FakeCamera, clock: FakeClock, seconds: float, *, duty_cycle=False,
                burst_every_s=10.0, retry_max_s=8.0):
    stop = StopAt(clock, clock() + seconds)
    detector, sink = RecordingDetector(), Collect()

    def open_source():
        return CameraSource(0, analysis_fps=2.0, duty_cycle=duty_cycle,
                            burst_every_s=burst_every_s, clock=clock, sleep=stop.wait,
                            open_capture=camera.open)

    stats = monitor.run(open_source, fake_pipeline(detector), [sink], stop, retry_camera=True,
                        retry_max_s=retry_max_s, clock=clock)
    return stats, detector, sink


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "posture_cam.monitor" and r.levelno >= logging.WARNING]


@pytest.fixture
def clock():
    return FakeClock()


def test_a_missing_camera_is_said_once_retried_with_back_off_and_used_when_plugged_in(
        clock, caplog):
    camera = FakeCamera(clock)
    camera.missing_for(opens=4)
    start = clock()
    stats, detector, _ = run_monitor(camera, clock, seconds=60)
    attempts = [t - start for t, what in camera.log if what in ("missing", "open")]
    assert attempts[:5] == pytest.approx([0, 1, 3, 7, 15])  # waits of 1, 2, 4, 8 s
    said = warnings_of(caplog)
    assert len(said) == 2, said
    assert "camera 0 cannot be opened" in said[0] and "retrying" in said[0]
    assert said[1] == "camera 0 is back; monitoring again"
    assert stats.camera_faults == 4
    assert min(detector.seen_t) - start == pytest.approx(15, abs=0.2)
    assert len(detector.seen_t) == pytest.approx(2 * 45, abs=2)  # 2 fps once it is back


def test_back_off_stops_growing_at_retry_max(clock):
    camera = FakeCamera(clock)
    camera.missing_for(opens=8)
    start = clock()
    run_monitor(camera, clock, seconds=60, retry_max_s=8)
    attempts = [t - start for t, what in camera.log if what in ("missing", "open")]
    assert attempts[:9] == pytest.approx([0, 1, 3, 7, 15, 23, 31, 39, 47])


def test_a_camera_in_use_by_another_app_is_retried_until_it_is_free(clock, caplog):
    camera = FakeCamera(clock)
    camera.busy_for(opens=3)
    stats, detector, _ = run_monitor(camera, clock, seconds=40)
    said = warnings_of(caplog)
    assert len(said) == 2, said
    assert "camera 0 is busy or gives no picture" in said[0]
    assert "is back" in said[1]
    assert stats.camera_faults == 3
    assert detector.seen_t, "monitoring resumed"
    assert camera.open_now == 0, "every capture was released, the busy ones too"


def test_an_unplugged_camera_is_said_once_and_monitoring_resumes_by_itself(clock, caplog):
    camera = FakeCamera(clock)
    camera.unplug_after(frames=200, opens=3)  # 20 s at the camera's 10 fps
    start = clock()
    stats, detector, sink = run_monitor(camera, clock, seconds=90)
    said = warnings_of(caplog)
    assert len(said) == 2, said
    assert "camera 0 stopped delivering frames" in said[0]
    assert "is back" in said[1]
    seen = [t - start for t in detector.seen_t]
    assert seen[0] < 1 and max(seen) > 85
    gaps = [b - a for a, b in zip(seen, seen[1:])]
    assert max(gaps) == pytest.approx(1 + 2 + 4 + 8, abs=1)  # the outage: four waits
    assert stats.camera_faults == 4
    away = [r for r in sink.results if not r.sample.person_seen]
    assert away, "the outage counts as nobody in view"
    assert camera.open_now == 0


def test_a_black_picture_is_said_once_skips_the_model_and_clears_by_itself(clock, caplog):
    camera = FakeCamera(clock)
    start = clock()
    camera.show(Picture.BLACK, from_t=start + 20, until_t=start + 80)
    stats, detector, _ = run_monitor(camera, clock, seconds=120)
    said = warnings_of(caplog)
    assert len(said) == 2, said
    assert "camera 0 shows a black picture" in said[0] and "privacy shutter" in said[0]
    assert "is back" in said[1]
    seen = [t - start for t in detector.seen_t]
    assert not [t for t in seen if 20.05 < t < 80], "black frames never reach the model"
    assert max(seen) > 115, "monitoring resumed after the cover came off"
    assert stats.skipped_frames > 0
    assert camera.opened > 2, "the camera was released and retried meanwhile"


def test_a_frozen_picture_makes_the_monitor_reopen_the_camera(clock, caplog):
    camera = FakeCamera(clock)
    start = clock()
    camera.show(Picture.FROZEN, from_t=start + 20, until_reopened=True)
    stats, detector, _ = run_monitor(camera, clock, seconds=60)
    said = warnings_of(caplog)
    assert len(said) == 2, said
    assert "camera 0 keeps sending the same picture" in said[0]
    assert "is back" in said[1]
    assert camera.opened == 2
    reopened_at = [t - start for t, what in camera.log if what == "open"][1]
    assert 25 <= reopened_at <= 27  # 5 s of identical frames, then a 1 s back-off
    assert max(detector.seen_t) - start > 55
    assert stats.camera_faults == 1


def test_a_dim_but_live_picture_is_analysed(clock, caplog):
    """Dark rooms are not a fault: only a picture that is black and stays black."""
    camera = FakeCamera(clock, scene=lambda t: __import__("numpy").full(
        (60, 80, 3), 12 + int(t * 10) % 3, "uint8"))
    stats, detector, _ = run_monitor(camera, clock, seconds=30)
    assert warnings_of(caplog) == []
    assert stats.camera_faults == 0 and len(detector.seen_t) == pytest.approx(60, abs=2)


def test_continuous_capture_decodes_only_the_frames_it_analyses(clock):
    camera = FakeCamera(clock, fps=10)
    stats, _, _ = run_monitor(camera, clock, seconds=30)
    assert camera.frames_delivered == pytest.approx(300, abs=3)
    assert stats.frames == pytest.approx(60, abs=2)
    assert camera.decoded - stats.frames in (0, 1)  # the last one may be in flight at the stop
    assert camera.opened == 1 and camera.open_now == 0


def test_duty_cycle_releases_the_camera_between_bursts(clock):
    camera = FakeCamera(clock, fps=10)
    start = clock()
    stats, detector, _ = run_monitor(camera, clock, seconds=60, duty_cycle=True,
                                     burst_every_s=10)
    opens = [t - start for t, what in camera.log if what == "open"]
    releases = [t - start for t, what in camera.log if what == "release"]
    assert opens == pytest.approx([0, 10, 20, 30, 40, 50], abs=0.01)
    assert len(releases) == len(opens)
    held = [r - o for o, r in zip(opens, releases)]
    assert max(held) <= 0.6, "open for a short burst only (5 warm-up frames at 10 fps)"
    assert camera.max_open_at_once == 1 and camera.open_now == 0
    assert stats.frames == 6 and camera.decoded == 6
    assert [t - start for t in detector.seen_t] == pytest.approx(
        [0.5, 10.5, 20.5, 30.5, 40.5, 50.5], abs=0.11)


def test_duty_cycle_waits_for_a_busy_camera_instead_of_failing(clock, caplog):
    camera = FakeCamera(clock, fps=10)
    camera.busy_for(opens=3)
    stats, detector, _ = run_monitor(camera, clock, seconds=60, duty_cycle=True)
    said = warnings_of(caplog)
    assert len(said) == 2, said
    assert "camera 0 is busy" in said[0] and "is back" in said[1]
    assert stats.camera_faults == 3
    assert len(detector.seen_t) >= 4
    assert camera.open_now == 0


def test_stopping_between_bursts_does_not_open_the_camera_again(clock):
    camera = FakeCamera(clock, fps=10)
    _, _, sink = run_monitor(camera, clock, seconds=25, duty_cycle=True)
    assert [what for _, what in camera.log if what != "frame"] == ["open", "release"] * 3
    assert camera.open_now == 0
    assert sink.closed


def test_a_camera_missing_without_retry_is_a_user_error(clock):
    camera = FakeCamera(clock)
    camera.missing_for(opens=1)
    stop = StopAt(clock, clock() + 10)
    with pytest.raises(monitor.CameraError, match="camera 0 cannot be opened"):
        monitor.run(lambda: CameraSource(0, clock=clock, open_capture=camera.open),
                    fake_pipeline(RecordingDetector()), [], stop, retry_camera=False, clock=clock)
