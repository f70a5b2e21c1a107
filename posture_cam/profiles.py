"""Calibration profiles on disk, and the monitor sink that switches between them.

    config dir/calibration.json       the profile "default" (the file `calibrate` always wrote)
    config dir/profiles/NAME.json     every other profile, same format

The calibration file of earlier versions *is* the profile "default", read where it always
was: nothing is moved or rewritten, so an upgrade cannot lose it, and `status`, `doctor`,
`exercise` and the tray's Recalibrate keep finding it. Every write is atomic and
user-only (storage.py).

`ProfileSwitch` is a monitor sink: it feeds each frame's features to the pure
`core.profiles.ProfileChooser` (restarted when the user comes back from away), and when
a choice is made swaps that profile's analyzer into the pipeline the way the tray's
Recalibrate does (recalibrate.py), logs it and publishes it. When no profile fits it keeps
the closest one and asks, once per run, to calibrate this place.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .core.errors import UserError
from .core.events import EventKind
from .core.profiles import DEFAULT_PROFILE, Choice, ProfileChooser, check_profile_name
from .paths import Paths

if TYPE_CHECKING:
    from .core.calibration import Baseline
    from .core.pipeline import Pipeline, StepResult

log = logging.getLogger(__name__)

CALIBRATE_THIS_PLACE = "Please calibrate this place"


def profile_path(paths: Paths, name: str) -> Path:
    check_profile_name(name)
    if name == DEFAULT_PROFILE:
        return paths.calibration_file
    return paths.profiles_dir / f"{name}.json"


def profile_names(paths: Paths) -> list[str]:
    """Saved profiles, "default" first (when the old single calibration file exists)."""
    names = [DEFAULT_PROFILE] if paths.calibration_file.exists() else []
    if paths.profiles_dir.is_dir():
        for path in sorted(paths.profiles_dir.glob("*.json")):
            name = path.stem
            if name != DEFAULT_PROFILE and check_name_quietly(name):
                names.append(name)
    return names


def check_name_quietly(name: str) -> bool:
    try:
        check_profile_name(name)
    except UserError:
        return False
    return True


def load_profile(paths: Paths, name: str) -> Baseline:
    from .storage import load_baseline

    path = profile_path(paths, name)
    if not path.exists():
        known = ", ".join(profile_names(paths)) or "none yet"
        raise UserError(f"no calibration profile {name!r} (saved: {known})",
                        hint=f"run `posture-cam calibrate --profile {name}`")
    return load_baseline(path)


def load_profiles(paths: Paths) -> dict[str, Baseline]:
    """Every readable profile; a damaged one is skipped with a warning, not fatal."""
    profiles: dict[str, Baseline] = {}
    for name in profile_names(paths):
        try:
            profiles[name] = load_profile(paths, name)
        except UserError as exc:
            log.warning("calibration profile %s skipped: %s", name, exc)
    return profiles


def remove_profile(paths: Paths, name: str) -> Path:
    path = profile_path(paths, name)
    try:
        path.unlink()
    except FileNotFoundError:
        known = ", ".join(profile_names(paths)) or "none"
        raise UserError(f"no calibration profile {name!r} to remove (saved: {known})") from None
    except OSError as exc:
        from .storage import why

        raise UserError(f"cannot remove {path}: {why(exc)}") from None
    return path


def profile_table(paths: Paths) -> list[str]:
    """The lines of `calibrate --list`: name, view, framing, date (UTC)."""
    lines = []
    for name in profile_names(paths):
        try:
            b = load_profile(paths, name)
            lines.append(f"{name:<16} {b.view.value:<6} {b.framing.words:<19} "
                         f"{b.created_utc.replace('T', ' ')[:16]}")
        except UserError as exc:
            lines.append(f"{name:<16} unreadable: {exc.message}")
    return lines


def initial_profile(profiles: dict[str, Baseline]) -> str:
    """The profile the monitor starts with before the glimpse: "default", else the first."""
    return DEFAULT_PROFILE if DEFAULT_PROFILE in profiles else sorted(profiles)[0]


def profiles_to_choose(paths: Paths, calibration: Path | None) -> dict[str, Baseline]:
    """The profiles the monitor chooses from: none (one calibration) with --calibration
    or while no named profile exists, else every readable one."""
    names = profile_names(paths)
    if calibration is not None or names in ([], [DEFAULT_PROFILE]):
        return {}
    profiles = load_profiles(paths)
    if not profiles:
        raise UserError("no calibration profile could be read",
                        hint="run `posture-cam calibrate --profile NAME` again")
    return profiles


def profile_switch(config: Any, profiles: dict[str, Baseline],
                   tell: Callable[[str, str], object] | None,
                   on_choice: Callable[[Choice], None] | None) -> "ProfileSwitch":
    """The sink that chooses among `profiles`, starting with `initial_profile`."""
    start = initial_profile(profiles)
    log.info("calibration profiles: %s; starting with %s until the first seconds are seen",
             ", ".join(profiles), start)
    return ProfileSwitch(profiles, config, start, tell, on_choice)


class ProfileSwitch:
    """A monitor sink (see the module docstring). Put it first: the frames after a choice
    are analysed with the chosen profile."""

    def __init__(self, profiles: dict[str, Baseline], config: Any, current: str,
                 tell: Callable[[str, str], object] | None = None,
                 on_choice: Callable[[Choice], None] | None = None) -> None:
        from .core.analyzer import UserTracker

        self.profiles = profiles
        self.config = config
        self.current = current
        self.tell = tell
        self.on_choice = on_choice
        self.pipeline: Pipeline | None = None
        self.chooser = ProfileChooser(profiles)
        self.tracker = UserTracker(config.analysis.min_visibility)
        self.asked_to_calibrate = False
        self.choices: list[Choice] = []

    def handle(self, result: StepResult) -> None:
        if any(e.kind is EventKind.AWAY_END for e in result.events):
            self.chooser.restart()
        frame = result.pose_frame
        if frame.image_width <= 0:  # a camera gap: nothing to look at
            return
        choice = self.chooser.update(frame.t_s, self.tracker.features(frame),
                                     frame.image_width, frame.image_height)
        if choice is not None:
            self._chosen(choice)

    def _chosen(self, choice: Choice) -> None:
        from .core.analyzer import Analyzer
        from .core.fitwatch import FitWatch

        self.choices.append(choice)
        log.info("calibration %s", choice.words())
        if self.pipeline is not None:
            if choice.name != self.current:
                self.pipeline.analyzer = Analyzer(self.profiles[choice.name],
                                                  self.config.analysis, self.config.slouch)
                self.pipeline.fit = FitWatch()  # its misfit window was about the old profile
            if not choice.fits:  # asked to calibrate here: fitwatch's "recalibrate" would
                self.pipeline.fit.told = True  # repeat it (it re-arms once the user fits)
        self.current = choice.name
        if not choice.fits and not self.asked_to_calibrate:
            self.asked_to_calibrate = True
            log.warning("%s: no calibration profile fits what the camera sees; using the "
                        "closest, %s (run `posture-cam calibrate --profile NAME` here)",
                        CALIBRATE_THIS_PLACE.lower(), choice.name)
            if self.tell is not None:
                self.tell(CALIBRATE_THIS_PLACE,
                          f"No calibration profile fits this place; posture-cam uses the "
                          f"closest one ({choice.name}). Run `posture-cam calibrate --profile "
                          f"NAME` here for reliable alerts.")
        if self.on_choice is not None:
            self.on_choice(choice)

    def path_in_use(self, paths: Paths) -> Path:
        """Where the profile in use lives: the tray's Recalibrate rewrites that one."""
        return profile_path(paths, self.current)

    def recalibrated(self, baseline: Baseline) -> None:
        """The profile in use was recalibrated (and its analyzer swapped in already):
        later choices compare with the new baseline."""
        self.profiles[self.current] = baseline
        self.chooser.profiles[self.current] = baseline

    def close(self) -> None:
        pass
