"""Where posture-cam keeps its files, per user and per platform (via platformdirs).

Every location can be moved with an environment variable, so tests and portable setups
never touch the real home directory:
  POSTURE_CAM_CONFIG_DIR  config.toml, calibration.json, profiles/NAME.json
  POSTURE_CAM_DATA_DIR    history.sqlite3
  POSTURE_CAM_STATE_DIR   snooze file, monitor.log, status.json, last break routine
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP = "posture-cam"


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    state_dir: Path

    @classmethod
    def for_user(cls) -> "Paths":
        import platformdirs

        def pick(var: str, default: str) -> Path:
            value = os.environ.get(var)
            return Path(value).expanduser() if value else Path(default)

        return cls(
            config_dir=pick("POSTURE_CAM_CONFIG_DIR", platformdirs.user_config_dir(APP)),
            data_dir=pick("POSTURE_CAM_DATA_DIR", platformdirs.user_data_dir(APP)),
            state_dir=pick("POSTURE_CAM_STATE_DIR", platformdirs.user_state_dir(APP)),
        )

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def calibration_file(self) -> Path:
        return self.config_dir / "calibration.json"

    @property
    def profiles_dir(self) -> Path:
        """Calibration profiles other than "default" (which stays `calibration_file`)."""
        return self.config_dir / "profiles"

    @property
    def history_file(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def snooze_file(self) -> Path:
        return self.state_dir / "snooze.json"

    @property
    def routine_file(self) -> Path:
        """When the last break routine finished: a running monitor restarts its sitting timer."""
        return self.state_dir / "routine.json"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "monitor.lock"

    @property
    def status_file(self) -> Path:
        return self.state_dir / "status.json"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "monitor.log"

    def posture_data_files(self) -> list[Path]:
        """Every file about the user that posture-cam may have written in its folders, the
        settings file aside (the history is where the settings say: see privacy.py)."""
        log = self.log_file
        profiles = (sorted(self.profiles_dir.glob("*.json"))
                    if self.profiles_dir.is_dir() else [])
        return [self.calibration_file, *profiles, self.snooze_file, self.lock_file,
                self.routine_file, self.status_file, log,
                *(log.with_name(f"{log.name}.{n}") for n in (1, 2))]

    @property
    def folders(self) -> list[Path]:
        return [self.config_dir, self.data_dir, self.state_dir]

