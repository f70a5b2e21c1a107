"""The analysis core stays pure: no camera, model, GUI or notification library inside."""

import subprocess
import sys

import pytest

PURE_MODULES = ["landmarks", "geometry", "filters", "calibration", "analyzer", "decision",
                "breaks", "events", "config", "messages"]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_io_library(module):
    code = (f"import sys, posture_cam.{module}; "
            "print(','.join(m for m in ('cv2', 'mediapipe', 'plyer', 'matplotlib', 'sqlite3') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_help_does_not_load_the_model_libraries():
    code = ("import sys; from posture_cam import cli; "
            "cli.build_parser(); print('mediapipe' in sys.modules, 'cv2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
