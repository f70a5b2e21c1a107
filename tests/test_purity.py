"""The analysis core stays pure: no camera, model, GUI or notification library inside."""

import subprocess
import sys

import pytest

IO_LIBRARIES = ("cv2", "mediapipe", "plyer", "matplotlib", "sqlite3")
PURE_MODULES = ["landmarks", "geometry", "filters", "calibration", "analyzer", "decision",
                "breaks", "events", "config", "messages", "history_store", "summary"]


def _heavy_imports_of(module: str, libraries: tuple[str, ...]) -> str:
    code = (f"import sys, posture_cam.{module}; "
            f"print(','.join(m for m in {libraries!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_io_library(module):
    assert _heavy_imports_of(module, IO_LIBRARIES) == ""


def test_the_history_recorder_needs_no_camera_model_or_plotting_library():
    assert _heavy_imports_of("history", ("cv2", "mediapipe", "plyer", "matplotlib")) == ""


def test_cli_help_does_not_load_the_model_libraries():
    code = ("import sys; from posture_cam import cli; "
            "cli.build_parser(); print('mediapipe' in sys.modules, 'cv2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
