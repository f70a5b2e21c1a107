"""Settings: defaults, TOML, and errors that name the key."""

import pytest

from posture_cam.core.settings import Config, config_from_mapping, defaults_toml
from posture_cam.config import load_config, tomllib
from posture_cam.core.errors import UserError

pytestmark = pytest.mark.unit


def test_defaults_round_trip_through_the_commented_toml(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(defaults_toml())
    assert load_config(path) == Config()


def test_a_file_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[slouch]\nalert_after_s = 20\n[analysis]\nfps = 1\n")
    config = load_config(path)
    assert config.slouch.alert_after_s == 20
    assert config.analysis.fps == 1.0 and isinstance(config.analysis.fps, float)
    assert config.slouch.cooldown_s == Config().slouch.cooldown_s


@pytest.mark.parametrize("text, named", [
    ("[slouch]\nalert_after_s = -5\n", "slouch.alert_after_s"),
    ("[slouch]\nalert_after = 5\n", "slouch.alert_after"),
    ("[slouchy]\nx = 1\n", "slouchy"),
    ("[camera]\nindex = 1.5\n", "camera.index"),
    ("[breaks]\nenabled = 'yes'\n", "breaks.enabled"),
    ("[notify]\nbackend = 'pigeon'\n", "notify.backend"),
    ("[analysis]\nfps = 'fast'\n", "analysis.fps"),
])
def test_invalid_values_name_the_key(tmp_path, text, named):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(UserError) as error:
        load_config(path)
    assert named in str(error.value)
    assert "\n" not in str(error.value)


def test_broken_toml_is_a_one_line_error_naming_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[slouch\nalert_after_s = ")
    with pytest.raises(UserError) as error:
        load_config(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_no_file_means_defaults():
    assert load_config(None) == Config()


def test_defaults_toml_documents_every_key():
    data = tomllib.loads(defaults_toml())
    config = config_from_mapping(data)
    assert config == Config()
    assert defaults_toml().count("# ") > sum(len(v) for v in data.values())
