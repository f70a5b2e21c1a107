"""Hand-edited or damaged settings and calibration files, through the real CLI.

Complements tests/test_config.py, tests/test_calibration.py and tests/test_cli_errors.py
(broken TOML, unknown keys, out-of-range values, half-written JSON): here, the damage a
text editor, a disk or a copy-paste does. Each is one line naming the file, exit 1.
"""

from __future__ import annotations

import pytest

from test_cli_errors import assert_one_line_error
from videos import write_video

pytestmark = pytest.mark.cli


@pytest.fixture
def video(tmp_path):
    return write_video(tmp_path / "room.mp4", frames=20)


@pytest.mark.parametrize("text, key", [
    ("[analysis]\nfps = nan\n", "analysis.fps"),
    ("[slouch]\nonset_s = inf\n", "slouch.onset_s"),
    ("[camera]\nburst_every_s = -inf\n", "camera.burst_every_s"),
])
def test_nan_and_infinity_in_the_config_file_name_the_file_and_key(cli, tmp_path, video, text,
                                                                   key):
    config = tmp_path / "config.toml"
    config.write_text(text)
    assert_one_line_error(cli("replay", video, "--config", config), str(config), key, "finite")


def test_nan_on_the_command_line_names_the_key(cli, video):
    assert_one_line_error(cli("replay", video, "--set", "analysis.fps=nan"), "analysis.fps")


def test_a_config_file_that_is_binary_names_the_file(cli, tmp_path, video):
    config = tmp_path / "config.toml"
    config.write_bytes(b"\xff\xfe\x00\x01 not text")
    assert_one_line_error(cli("replay", video, "--config", config), str(config))


def test_a_config_file_in_the_user_dir_that_is_a_folder_names_it(cli, user_dirs, video):
    config = user_dirs[0]["config"] / "config.toml"
    config.mkdir()
    assert_one_line_error(cli("replay", video), str(config))


@pytest.mark.parametrize("damage", [
    lambda path: path.write_bytes(b"\x00\x9f\x92\x96" * 64),  # disk garbage
    lambda path: path.write_text("[]"),  # valid JSON, wrong shape
    lambda path: path.mkdir(),  # a folder where the file should be
])
def test_a_damaged_calibration_names_the_file_and_says_to_recalibrate(cli, tmp_path, video,
                                                                      damage):
    calibration = tmp_path / "calibration.json"
    damage(calibration)
    result = cli("monitor", "--source", video, "--calibration", calibration, "--no-history")
    assert_one_line_error(result, str(calibration))
    assert "calibrat" in result.stderr


def _valid_calibration_json() -> dict:
    import json

    from factories import make_pose
    from posture_cam.core.calibration import build_baseline
    from posture_cam.core.geometry import extract_features

    features = extract_features(make_pose(), 640, 480)
    return json.loads(build_baseline([features] * 8, 640, 480, source="test").to_json())


@pytest.mark.parametrize("edit, named", [
    (lambda d: d["median"].update(head_width_px=0), "head_width_px"),
    (lambda d: d["median"].update(head_width_px=None), "head_width_px"),
    (lambda d: d["median"].update(head_distance_hw=float("inf")), "head_distance_hw"),
    (lambda d: d.update(framing="sideways"), "sideways"),
    (lambda d: d["median"].update(head_visible=7.5), "head_visible"),
    (lambda d: d["median"].update(shoulder_width_px=True), "true/false"),
    (lambda d: d.update(image_width=-5), "-5x480"),
])
def test_a_hand_edited_calibration_with_impossible_values_is_refused(cli, tmp_path, video,
                                                                     edit, named):
    import json

    data = _valid_calibration_json()
    edit(data)
    calibration = tmp_path / "calibration.json"
    calibration.write_text(json.dumps(data))  # json writes inf as Infinity, as an editor might
    result = cli("replay", video, "--calibration", calibration)
    assert_one_line_error(result, str(calibration), named, "posture-cam calibrate")
