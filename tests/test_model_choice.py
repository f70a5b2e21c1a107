"""Which pose model a name or a path picks (`--model`, `analysis.model`); no model is loaded."""

from pathlib import Path

import pytest

from posture_cam.config import settings_from
from posture_cam.core.errors import UserError
from posture_cam.core.settings import MODEL_VARIANTS, config_from_mapping
from posture_cam.pose import bundled_model_path, check_model, default_model_path
from posture_cam.wiring import model_path

pytestmark = pytest.mark.unit

MODELS = Path(__file__).resolve().parent.parent / "models"


def _config(model: str):
    return config_from_mapping({"analysis": {"model": model}})


@pytest.mark.parametrize("variant", MODEL_VARIANTS)
def test_a_variant_name_picks_the_bundled_file_of_that_name(variant):
    path = model_path(_config(variant))
    assert path == bundled_model_path(variant) == MODELS / f"pose_landmarker_{variant}.task"


def test_no_choice_means_the_full_bundle():
    assert model_path(_config("")) == default_model_path() == MODELS / "pose_landmarker_full.task"


def test_the_flag_wins_over_the_setting():
    assert model_path(_config("lite"), Path("heavy")) == bundled_model_path("heavy")
    assert model_path(_config("heavy"), Path("/x/my.task")) == Path("/x/my.task")


def test_anything_but_a_variant_name_is_a_path():
    assert model_path(_config("./lite")) == Path("lite")
    assert model_path(_config("~/pose.task")) == Path.home() / "pose.task"


def test_settings_accept_a_variant_name_even_before_it_is_built():
    assert settings_from(None, ["analysis.model='heavy'"]).analysis.model == "heavy"


def test_settings_refuse_a_name_that_is_neither_a_variant_nor_a_file():
    with pytest.raises(UserError, match="analysis.model") as error:
        settings_from(None, ["analysis.model='heavyy'"])
    assert "lite, full, heavy" in (error.value.hint or "")


def test_a_missing_heavy_bundle_says_how_to_build_it(tmp_path):
    with pytest.raises(UserError, match="missing") as error:
        check_model(tmp_path / "pose_landmarker_heavy.task")
    assert "build_model.py --variant heavy" in (error.value.hint or "")
