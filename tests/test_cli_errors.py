"""Bad input through the real CLI: one line on stderr, a non-zero exit, never a traceback."""

import pytest

from videos import write_video

pytestmark = pytest.mark.cli


def assert_one_line_error(result, *fragments):
    assert result.returncode not in (0, None), result
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("posture-cam: error:"), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_replay_of_a_missing_file(cli, tmp_path):
    assert_one_line_error(cli("replay", tmp_path / "nope.mp4"), "does not exist")


def test_replay_of_a_file_that_is_not_a_video(cli, tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all")
    assert_one_line_error(cli("replay", text), "not a video")


def test_replay_of_an_empty_file(cli, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert_one_line_error(cli("replay", empty), "empty")


def test_replay_of_a_video_without_a_person(cli, tmp_path):
    video = write_video(tmp_path / "room.mp4", frames=100)
    assert_one_line_error(cli("replay", video), "saw a person in 0 of")


def test_calibrate_refuses_when_nobody_is_in_view(cli, tmp_path, user_dirs):
    video = write_video(tmp_path / "room.mp4", frames=100)
    assert_one_line_error(cli("calibrate", "--source", video, "--seconds", "5"), "saw a person")
    assert not (user_dirs[0]["config"] / "calibration.json").exists()


def test_replay_with_a_corrupt_calibration(cli, tmp_path):
    video = write_video(tmp_path / "room.mp4", frames=20)
    calibration = tmp_path / "calibration.json"
    calibration.write_text("{ half a file")
    assert_one_line_error(cli("replay", video, "--calibration", calibration),
                          str(calibration), "calibrate")


def test_monitor_without_calibration_says_to_calibrate(cli, tmp_path):
    video = write_video(tmp_path / "room.mp4", frames=20)
    assert_one_line_error(cli("monitor", "--source", video), "posture-cam calibrate")


@pytest.mark.parametrize("args, named", [
    (["--set", "slouch.alert_after_s=-1"], "slouch.alert_after_s"),
    (["--set", "slouch.nonsense=1"], "slouch.nonsense"),
    (["--set", "oops"], "SECTION.KEY=VALUE"),
])
def test_invalid_settings_name_the_key(cli, tmp_path, args, named):
    video = write_video(tmp_path / "room.mp4", frames=20)
    assert_one_line_error(cli("replay", video, *args), named)


def test_invalid_config_file_names_file_and_key(cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[slouch]\nthreshold = 3\n")
    video = write_video(tmp_path / "room.mp4", frames=20)
    assert_one_line_error(cli("replay", video, "--config", config), str(config), "slouch.threshold")


def test_a_bogus_model_file(cli, tmp_path):
    model = tmp_path / "model.task"
    model.write_text("nope")
    video = write_video(tmp_path / "room.mp4", frames=20)
    assert_one_line_error(cli("replay", video, "--model", model), "not a MediaPipe .task bundle")


def test_no_camera_is_a_one_line_error_for_calibrate(cli):
    assert_one_line_error(cli("calibrate", "--camera", "63", "--seconds", "1"), "camera 63")


def test_help_explains_every_command(cli):
    result = cli("--help")
    assert result.returncode == 0
    for command in ("calibrate", "monitor", "replay", "evaluate", "report", "snooze", "doctor"):
        assert command in result.stdout
    assert cli("replay", "--help").stdout.count("--calibration") >= 1


def test_evaluate_refuses_an_unwritable_json_file_before_it_starts(cli, tmp_path):
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file where a folder should be")
    result = cli("evaluate", "samples", "--json", not_a_folder / "figures.json")
    assert_one_line_error(result, "cannot write", "figures.json", "is not a folder")
    assert result.stdout == ""  # refused before any clip was replayed
