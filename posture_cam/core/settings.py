"""Every tunable setting, in one tree of frozen dataclasses with units in the names.

Each field declares its default, help and allowed range once, in `metadata`: validation
errors name the key, the value and the range, `posture-cam config --defaults` prints the
commented defaults, and docs/configuration.md is generated from the same place. Reading a
TOML file and `--set` flags is config.py's job (precedence: flag > file > default); this
module is pure.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

from .errors import UserError
from .readings import Readings
from .schedule import DAY_NAMES, Schedule


def _setting(default: Any, help: str, lo: float | None = None, hi: float | None = None,
             choices: tuple[str, ...] | None = None) -> Any:
    return field(default=default, metadata={"help": help, "lo": lo, "hi": hi, "choices": choices})


@dataclass(frozen=True)
class CameraConfig:
    index: int = _setting(0, "camera index (0 = the first webcam)", 0, 64)
    width: int = _setting(640, "requested capture width in pixels", 64, 7680)
    height: int = _setting(480, "requested capture height in pixels", 48, 4320)
    fps: float = _setting(10.0, "requested camera frame rate (lower saves power)", 1, 120)
    duty_cycle: bool = _setting(False, "open the camera only for a short burst every "
                                "`burst_every_s` seconds, so video calls can use it")
    burst_every_s: float = _setting(10.0, "seconds between bursts in duty-cycle mode", 2, 600)
    retry_max_s: float = _setting(60.0, "longest wait between attempts to reopen a camera", 1, 3600)
    pause_when_in_use: bool = _setting(
        True, "close the camera and pause while another app (a video call) has it open "
        "(Linux: seen in /proc; elsewhere: when the camera answers busy)")
    device: str = _setting(
        "", "the camera's device file watched for other apps; empty = /dev/videoN for "
        "`index` N (a video source is watched only when this is set)")
    in_use_check_s: float = _setting(
        2.0, "seconds between checks whether another app has the camera", 0.2, 60)


# The pose model bundles posture-cam knows by name (models/README.md: lite is fastest,
# heavy largest); `analysis.model` takes one of these or the path of a .task file.
MODEL_VARIANTS = ("lite", "full", "heavy")
DEFAULT_MODEL_VARIANT = "full"


@dataclass(frozen=True)
class AnalysisConfig:
    fps: float = _setting(2.0, "frames analysed per second (the camera may deliver more)", 0.1, 30)
    calm_fps: float = _setting(
        1.0, "frames analysed per second while the posture is steady and upright (saves power; "
        "the full rate returns at once when it moves)", 0.1, 30)
    reuse_still_s: float = _setting(
        5.0, "the pose model is skipped while the picture around the head and shoulders "
        "has not changed since the last analysed frame, for at most this many seconds "
        "(the last pose is reused); 0 = analyse every frame", 0, 60)
    model: str = _setting("", "pose model: lite, full or heavy (the bundled ones; heavy is "
                          "built on demand, see models/README.md) or a .task file; "
                          "empty = full")
    max_image_width: int = _setting(640, "frames wider than this are downscaled first", 160, 4096)
    min_visibility: float = _setting(0.5, "landmarks less visible than this are ignored", 0, 1)
    smoothing_min_cutoff_hz: float = _setting(0.3, "one-euro filter: jitter cut-off at rest", 0.01, 10)
    smoothing_beta: float = _setting(0.05, "one-euro filter: how fast it follows real motion", 0, 10)


# How `slouch.sensitivity` moves every threshold together (README: what each catches).
SENSITIVITY_SCALE = {"low": 1.3, "medium": 1.0, "high": 0.75}


@dataclass(frozen=True)
class SlouchConfig:
    sensitivity: str = _setting(
        "medium", "moves every threshold below together: low = only clear slouches, "
        "high = also small ones", choices=tuple(SENSITIVITY_SCALE))
    front_index: float = _setting(
        1.0, "front camera: the slouch index (head lower, nearer and closer to the shoulders "
        "than calibrated; 1 = a clear slouch) that counts as slouching", 0.2, 10)
    head_forward_deg: float = _setting(
        12.0, "side camera: head/neck forward lean beyond calibration that counts as "
        "slouching", 2, 60)
    trunk_forward_deg: float = _setting(
        12.0, "trunk lean toward the screen beyond calibration that counts as slouching", 2, 60)
    # Higher than the others: the shoulder reading comes from MediaPipe's 3D shoulder
    # width, which wanders by up to ~10 degrees with a still, upright user (docs: accuracy).
    shoulder_rounding_deg: float = _setting(
        15.0, "shoulder rounding beyond calibration that counts as slouching", 2, 60)
    recline_deg: float = _setting(
        15.0, "side camera: trunk leaning back (reclined, slid down) beyond calibration "
        "that counts as slouching", 2, 60)
    hysteresis_ratio: float = _setting(
        0.3, "a slouch ends only when every reading is back under (1 - this) x its threshold",
        0, 0.9)
    onset_s: float = _setting(4.0, "readings must stay over a threshold this long to count", 0, 600)
    alert_after_s: float = _setting(45.0, "a slouch must last this long before an alert", 0, 3600)
    recovery_s: float = _setting(2.0, "upright this long ends a slouch", 0, 600)
    away_after_s: float = _setting(3.0, "no person this long means you are away", 0, 600)
    cooldown_s: float = _setting(600.0, "at least this long between two posture alerts", 0, 86400)
    min_confidence: float = _setting(
        0.4, "frames trusted less than this neither start nor end a slouch", 0, 1)

    def thresholds(self, front: bool) -> Readings:
        """The thresholds of one camera view, scaled by the sensitivity."""
        scale = SENSITIVITY_SCALE[self.sensitivity]
        if front:
            base = Readings(head=self.front_index, trunk=self.trunk_forward_deg,
                            shoulders=self.shoulder_rounding_deg, slump=self.recline_deg)
        else:
            base = Readings(head=self.head_forward_deg, trunk=self.trunk_forward_deg,
                            shoulders=self.shoulder_rounding_deg, slump=self.recline_deg)
        return base.map(lambda t: t * scale)


@dataclass(frozen=True)
class BreakConfig:
    enabled: bool = _setting(True, "remind you to get up and move")
    sitting_min: float = _setting(60.0, "continuous sitting before a movement reminder", 0.1, 1440)
    away_reset_s: float = _setting(120.0, "an absence this long counts as a break", 5, 7200)
    repeat_min: float = _setting(10.0, "an ignored reminder is repeated after this long", 0.1, 1440)


@dataclass(frozen=True)
class NotifyConfig:
    backend: str = _setting("auto", "how alerts reach you", choices=("auto", "desktop", "terminal"))
    min_interval_s: float = _setting(
        120.0, "never two notifications of any kind closer than this", 0, 86400)
    respect_do_not_disturb: bool = _setting(
        True, "while the desktop's notifications are inhibited (Do Not Disturb), hold posture "
        "alerts (recorded as held) and show break reminders when it ends")


@dataclass(frozen=True)
class HistoryConfig:
    enabled: bool = _setting(True, "keep per-minute posture summaries in a local SQLite file")
    path: str = _setting("", "history database; empty = history.sqlite3 in the data dir")
    keep_days: int = _setting(365, "minutes and events older than this are deleted when the "
                              "monitor starts", 1, 36500)


@dataclass(frozen=True)
class ScheduleConfig:
    days: tuple[str, ...] = _setting(DAY_NAMES, "the days posture-cam watches; on other days "
                                     "the camera stays closed and nothing is recorded",
                                     choices=DAY_NAMES)
    start: str = _setting("00:00", "working hours begin (local time, HH:MM)")
    end: str = _setting("24:00", "working hours end (HH:MM, after start); outside them the "
                        "camera is closed and nothing is recorded")

    def __post_init__(self) -> None:
        self.schedule()  # end before start, an unknown day: one error naming the key

    def schedule(self) -> Schedule:
        return Schedule.from_settings(self.days, self.start, self.end)


ALERT_STYLES = ("notification", "sound", "both")


@dataclass(frozen=True)
class AlertsConfig:
    style: str = _setting("notification", "how an alert or reminder reaches you: a desktop "
                          "notification, a short gentle sound, or both", choices=ALERT_STYLES)


@dataclass(frozen=True)
class UiConfig:
    tray: bool = _setting(False, "show the tray icon with the state and a pause menu "
                          "(as `monitor --tray`; the autostarted monitor reads this)")


@dataclass(frozen=True)
class Config:
    camera: CameraConfig = field(default_factory=CameraConfig)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    slouch: SlouchConfig = field(default_factory=SlouchConfig)
    breaks: BreakConfig = field(default_factory=BreakConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    history: HistoryConfig = field(default_factory=HistoryConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    ui: UiConfig = field(default_factory=UiConfig)


# Keys an earlier release read, and what to write instead.
RENAMED = {"slouch.hysteresis_deg": "use slouch.hysteresis_ratio, a fraction of each "
                                    "threshold (4 degrees of 12 was 0.33)"}


def _coerce(key: str, spec: dataclasses.Field, value: Any) -> Any:
    expected = type(spec.default)
    if expected is tuple:
        return _coerce_list(key, spec, value)
    if expected is bool:
        if not isinstance(value, bool):
            raise UserError(f"config key '{key}' must be true or false, got {value!r}")
        return value
    if expected in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(f"config key '{key}' must be a number, got {value!r}")
        if not math.isfinite(value):  # TOML allows nan and inf; no setting does
            raise UserError(f"config key '{key}' must be a finite number, got {value!r}")
        if expected is int and not float(value).is_integer():
            raise UserError(f"config key '{key}' must be a whole number, got {value!r}")
        value = expected(value)
        lo, hi = spec.metadata["lo"], spec.metadata["hi"]
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise UserError(f"config key '{key}' = {value} is out of range [{lo}, {hi}]")
        return value
    if not isinstance(value, str):
        raise UserError(f"config key '{key}' must be a string, got {value!r}")
    choices = spec.metadata["choices"]
    if choices and value not in choices:
        raise UserError(f"config key '{key}' = {value!r} must be one of: {', '.join(choices)}")
    return value


def _coerce_list(key: str, spec: dataclasses.Field, value: Any) -> tuple[str, ...]:
    """A list of names from `choices` (e.g. schedule days), without repeats."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise UserError(f"config key '{key}' must be a list of names like [\"mon\", \"tue\"], "
                        f"got {value!r}")
    choices = spec.metadata["choices"]
    for item in value:
        if choices and item not in choices:
            raise UserError(f"config key '{key}' has unknown value {item!r} "
                            f"(valid: {', '.join(choices)})")
    return tuple(dict.fromkeys(value))


def config_from_mapping(data: Mapping[str, Any], base: Config | None = None) -> Config:
    """Overlays a parsed TOML mapping on `base`, rejecting unknown keys by name."""
    base = base or Config()
    sections = {f.name: f for f in fields(Config)}
    updated: dict[str, Any] = {}
    for section_name, section_values in data.items():
        if section_name not in sections:
            raise UserError(f"unknown config section '{section_name}' "
                            f"(valid: {', '.join(sections)})")
        if not isinstance(section_values, Mapping):
            raise UserError(f"config section '{section_name}' must be a table like [{section_name}]")
        section = getattr(base, section_name)
        specs = {f.name: f for f in fields(section)}
        changes = {}
        for key, value in section_values.items():
            dotted = f"{section_name}.{key}"
            if dotted in RENAMED:
                raise UserError(f"config key '{dotted}' was replaced: {RENAMED[dotted]}")
            if key not in specs:
                raise UserError(f"unknown config key '{dotted}' (valid: {', '.join(specs)})")
            changes[key] = _coerce(dotted, specs[key], value)
        updated[section_name] = dataclasses.replace(section, **changes)
    return dataclasses.replace(base, **updated)


def check_relations(config: Config) -> None:
    """Settings that are each in range but contradict one another: refused by name, since
    each would quietly change what the monitor does."""
    a, s, b = config.analysis, config.slouch, config.breaks
    if a.calm_fps > a.fps:
        raise UserError(f"config key 'analysis.calm_fps' = {a.calm_fps:g} is above "
                        f"'analysis.fps' = {a.fps:g}; the calm rate is the slower one")
    if b.away_reset_s <= s.away_after_s:
        raise UserError(f"config key 'breaks.away_reset_s' = {b.away_reset_s:g} must be "
                        f"longer than 'slouch.away_after_s' = {s.away_after_s:g}: an absence "
                        "counts as a break only after it counts as away")


def schema() -> list[tuple[str, Any, str, str]]:
    """Every setting as (SECTION.KEY, default, allowed range in words, help), in order: the
    one source of `config --defaults` and of the table in docs/configuration.md."""
    rows = []
    defaults = Config()
    for section_field in fields(Config):
        section = getattr(defaults, section_field.name)
        for spec in fields(section):
            meta = spec.metadata
            if meta["lo"] is not None:
                allowed = f"{meta['lo']:g} – {meta['hi']:g}"
            elif meta["choices"]:
                allowed = " / ".join(meta["choices"])
            else:
                allowed = ""
            rows.append((f"{section_field.name}.{spec.name}", getattr(section, spec.name),
                         allowed, meta["help"]))
    return rows


def settings_table() -> str:
    """The settings as a Markdown table (docs/configuration.md is generated from it)."""
    lines = ["| setting | default | allowed | what it does |", "| --- | --- | --- | --- |"]
    lines += [f"| `{key}` | {_toml_value(default)} | {allowed} | {text} |"
              for key, default, allowed, text in schema()]
    return "\n".join(lines)


def defaults_toml() -> str:
    """The default configuration as commented TOML, for users to copy and edit."""
    lines = ["# posture-cam configuration. Delete a line to use its default.", ""]
    section = ""
    for key, default, allowed, text in schema():
        name, setting = key.split(".", 1)
        if name != section:
            if section:
                lines.append("")
            lines.append(f"[{name}]")
            section = name
        bounds = f" ({allowed})" if allowed else ""
        lines.append(f"# {text}{bounds}")
        lines.append(f"{setting} = {_toml_value(default)}")
    lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)
