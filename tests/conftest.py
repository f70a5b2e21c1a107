"""Shared fixtures: run the real CLI as a subprocess, find the sample clips."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/factories.py


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


@pytest.fixture
def user_dirs(tmp_path):
    """Private config/data/state dirs, as environment variables for a subprocess."""
    dirs = {name: tmp_path / name for name in ("config", "data", "state")}
    for d in dirs.values():
        d.mkdir()
    env = {
        "POSTURE_CAM_CONFIG_DIR": str(dirs["config"]),
        "POSTURE_CAM_DATA_DIR": str(dirs["data"]),
        "POSTURE_CAM_STATE_DIR": str(dirs["state"]),
    }
    return dirs, env


@pytest.fixture
def cli(user_dirs):
    """Runs `posture-cam ARGS` in a subprocess with private user dirs; returns CliResult."""
    _, dir_env = user_dirs

    def run(*args: str, env: dict | None = None, timeout: float = 300, input: str | None = None):
        full_env = {**os.environ, **dir_env, **(env or {})}
        proc = subprocess.run([sys.executable, "-m", "posture_cam.cli", *map(str, args)],
                              capture_output=True, text=True, env=full_env, timeout=timeout,
                              input=input, cwd=ROOT)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


def sample(name: str) -> Path:
    """A sample clip; the test fails (not skips) when it is missing: they are committed."""
    path = SAMPLES / f"{name}.mp4"
    assert path.exists(), f"sample clip {path} is missing (rebuild: see samples/README.md)"
    return path


def sample_truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())
