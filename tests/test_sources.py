"""Frame sources: a video file at the analysis rate, clear errors for bad files."""

import pytest

from posture_cam.core.errors import UserError
from posture_cam.sources import LoopingSource, VideoFileSource
from videos import truncate, write_video

pytestmark = pytest.mark.unit


def test_frames_come_at_the_analysis_rate_with_position_timestamps(tmp_path):
    video = write_video(tmp_path / "v.mp4", frames=50, fps=10)
    with VideoFileSource(video, analysis_fps=2) as source:
        times = [frame.t_s for frame in source.frames()]
    assert times == pytest.approx([0.5 * i for i in range(10)])


def test_analysis_fps_zero_means_every_frame(tmp_path):
    video = write_video(tmp_path / "v.mp4", frames=12, fps=6)
    with VideoFileSource(video, analysis_fps=0) as source:
        assert len(list(source.frames())) == 12


def test_looping_source_keeps_time_running(tmp_path):
    video = write_video(tmp_path / "v.mp4", frames=10, fps=10)
    with LoopingSource(video, analysis_fps=5, max_loops=3) as source:
        times = [frame.t_s for frame in source.frames()]
    assert len(times) == 15
    assert all(b > a for a, b in zip(times, times[1:]))
    assert times[-1] == pytest.approx(2.8)


def _file(path, content: bytes):
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.mp4", "does not exist"),
    (lambda d: _file(d / "empty.mp4", b""), "empty"),
    (lambda d: _file(d / "notes.mp4", b"hello, not a video"), "not a video"),
    (lambda d: d, "directory"),
])
def test_bad_files_give_clear_errors(tmp_path, make, message):
    with pytest.raises(UserError, match=message):
        VideoFileSource(make(tmp_path))


def test_a_truncated_video_is_an_error_or_yields_what_it_has(tmp_path):
    whole = write_video(tmp_path / "whole.mp4", frames=40)
    cut = truncate(whole, tmp_path / "cut.mp4", keep=0.5)
    try:
        with VideoFileSource(cut, analysis_fps=0) as source:
            frames = list(source.frames())
    except UserError as error:
        assert "video" in str(error)
    else:
        assert len(frames) < 40
